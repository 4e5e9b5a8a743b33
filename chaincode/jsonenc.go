package chaincode

import (
	"rxledger/epcis"
	"time"
)

// Serial records are the hot path (a thousand per commissioning transaction,
// written to the state and repeated in the chaincode event), so they are
// encoded by hand instead of by reflection. The output is byte for byte what
// encoding/json writes for the struct tags (TestSerialJSON checks it), so
// either encoder may be used on them.

// appendJSON appends the JSON of s.
func (s *SerialRecord) appendJSON(b []byte) []byte {
	b = append(b, `{"gtin":`...)
	b = epcis.AppendJSONString(b, s.GTIN)
	b = append(b, `,"serial":`...)
	b = epcis.AppendJSONString(b, s.Serial)
	b = append(b, `,"lot":`...)
	b = epcis.AppendJSONString(b, s.Lot)
	b = append(b, `,"expiry":`...)
	b = epcis.AppendJSONString(b, s.Expiry)
	b = s.Custody.appendFields(b)
	if len(s.Children) > 0 {
		b = append(b, `,"children":[`...)
		for i, c := range s.Children {
			if i > 0 {
				b = append(b, ',')
			}
			b = epcis.AppendJSONString(b, c)
		}
		b = append(b, ']')
	}
	if s.Transformation != "" {
		b = append(b, `,"transformation":`...)
		b = epcis.AppendJSONString(b, s.Transformation)
	}
	return append(b, '}')
}

// appendFields appends the custody fields, each preceded by a comma.
func (c *Custody) appendFields(b []byte) []byte {
	b = append(b, `,"owner":`...)
	b = epcis.AppendJSONString(b, c.Owner)
	b = append(b, `,"status":`...)
	b = epcis.AppendJSONString(b, string(c.Status))
	if c.ShipTo != "" {
		b = append(b, `,"shipTo":`...)
		b = epcis.AppendJSONString(b, c.ShipTo)
	}
	if c.Seller != "" {
		b = append(b, `,"seller":`...)
		b = epcis.AppendJSONString(b, c.Seller)
	}
	if c.Parent != "" {
		b = append(b, `,"parent":`...)
		b = epcis.AppendJSONString(b, c.Parent)
	}
	if c.Investigation != "" {
		b = append(b, `,"investigation":`...)
		b = epcis.AppendJSONString(b, string(c.Investigation))
	}
	if c.InvestigationBy != "" {
		b = append(b, `,"investigationBy":`...)
		b = epcis.AppendJSONString(b, c.InvestigationBy)
	}
	b = append(b, `,"updated":"`...)
	b = c.Updated.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

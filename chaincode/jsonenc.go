package chaincode

import (
	"time"
	"unicode/utf8"
)

// Serial records are the hot path (a thousand per commissioning transaction,
// written to the state and repeated in the chaincode event), so they are
// encoded by hand instead of by reflection. The output is byte for byte what
// encoding/json writes for the struct tags (TestSerialJSON checks it), so
// either encoder may be used on them.

// appendJSON appends the JSON of s.
func (s *SerialRecord) appendJSON(b []byte) []byte {
	b = append(b, `{"gtin":`...)
	b = appendJSONString(b, s.GTIN)
	b = append(b, `,"serial":`...)
	b = appendJSONString(b, s.Serial)
	b = append(b, `,"lot":`...)
	b = appendJSONString(b, s.Lot)
	b = append(b, `,"expiry":`...)
	b = appendJSONString(b, s.Expiry)
	b = s.Custody.appendFields(b)
	if len(s.Children) > 0 {
		b = append(b, `,"children":[`...)
		for i, c := range s.Children {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, c)
		}
		b = append(b, ']')
	}
	if s.Transformation != "" {
		b = append(b, `,"transformation":`...)
		b = appendJSONString(b, s.Transformation)
	}
	return append(b, '}')
}

// appendFields appends the custody fields, each preceded by a comma.
func (c *Custody) appendFields(b []byte) []byte {
	b = append(b, `,"owner":`...)
	b = appendJSONString(b, c.Owner)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(c.Status))
	if c.ShipTo != "" {
		b = append(b, `,"shipTo":`...)
		b = appendJSONString(b, c.ShipTo)
	}
	if c.Seller != "" {
		b = append(b, `,"seller":`...)
		b = appendJSONString(b, c.Seller)
	}
	if c.Parent != "" {
		b = append(b, `,"parent":`...)
		b = appendJSONString(b, c.Parent)
	}
	if c.Investigation != "" {
		b = append(b, `,"investigation":`...)
		b = appendJSONString(b, string(c.Investigation))
	}
	b = append(b, `,"updated":"`...)
	b = c.Updated.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string escaped the way encoding/json
// escapes it (HTML-safe, invalid UTF-8 replaced, U+2028 and U+2029 escaped).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

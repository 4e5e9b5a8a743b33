package chaincode

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"rxledger/epcis"
)

// EventName is the name of the one chaincode event every invoking
// transaction sets.
const EventName = "dscsa"

// ChaincodeEvent is the payload of the "dscsa" chaincode event: everything
// a transaction changed, as full records, so projections (verification cache,
// query indexes) need no further reads. Arrays are in first-change order and
// are empty, not null, when nothing of the kind changed.
type ChaincodeEvent struct {
	TxID     string         `json:"txId"`
	Function string         `json:"function"`
	Creator  string         `json:"creator"`
	Time     time.Time      `json:"time"`
	Serials  []SerialRecord `json:"serials"`
	// Commissioned are the serials commissioned by the transaction and
	// left as commissioned, grouped by their common starting record; they
	// are not repeated in Serials (AllSerials lists both).
	Commissioned []Commissioned    `json:"commissioned"`
	Containers   []ContainerRecord `json:"containers"`
	Lots         []LotRecord       `json:"lots"`
	Partners     []Partner         `json:"partners"`
	// Events are the anchors of the EPCIS events newly captured (duplicates
	// are left out).
	Events []EventAnchor `json:"events"`
	// T3 are the anchors of the transaction information records written.
	T3 []T3Anchor `json:"t3"`
	// Transformations link the inputs and outputs of the
	// TransformationEvents (repackaging) newly captured.
	Transformations []TransformationRecord `json:"transformations"`
}

// Commissioned is a group of serials of one GTIN that one transaction
// commissioned with the same record: a thousand serials cost their serial
// numbers in the event, not a thousand records.
type Commissioned struct {
	GTIN           string    `json:"gtin"`
	Lot            string    `json:"lot"`
	Expiry         string    `json:"expiry"`
	Owner          string    `json:"owner"`
	Updated        time.Time `json:"updated"`
	Transformation string    `json:"transformation,omitempty"`
	Serials        []string  `json:"serials"`
}

// Record returns the record of serial as the group commissioned it.
func (c *Commissioned) Record(serial string) *SerialRecord {
	return &SerialRecord{GTIN: c.GTIN, Serial: serial, Lot: c.Lot, Expiry: c.Expiry, Transformation: c.Transformation,
		Custody: Custody{Owner: c.Owner, Status: StatusActive, Updated: c.Updated}}
}

// AppendRecordJSON appends the JSON of serial's record as the group
// commissioned it, byte for byte what the state and Serials hold for it.
func (c *Commissioned) AppendRecordJSON(b []byte, serial string) []byte {
	return c.Record(serial).appendJSON(b)
}

// AllSerials returns every serial record the event carries: Serials, then
// each Commissioned group's.
func (e *ChaincodeEvent) AllSerials() []SerialRecord {
	out := slices.Clone(e.Serials)
	for i := range e.Commissioned {
		for _, serial := range e.Commissioned[i].Serials {
			out = append(out, *e.Commissioned[i].Record(serial))
		}
	}
	return out
}

// txEvent collects a transaction's changes already encoded, so that the
// event reuses the bytes written to the state.
type txEvent struct {
	TxID     string
	Function string
	Creator  string
	Time     time.Time
	Serials  []json.RawMessage
	// commissioned groups serials left as their block segment records them,
	// by segment, in first-use order.
	commissioned []*commissionedGroup
	Containers   []json.RawMessage
	Lots         []json.RawMessage
	Partners     []json.RawMessage
	Events       []json.RawMessage
	T3           []json.RawMessage
	// Transformations are TransformationRecords.
	Transformations []json.RawMessage
}

func (e *txEvent) marshal() ([]byte, error) {
	size := 256
	for _, group := range [][]json.RawMessage{e.Serials, e.Containers, e.Lots, e.Partners, e.Events, e.T3, e.Transformations} {
		for _, r := range group {
			size += len(r) + 1
		}
	}
	b := make([]byte, 0, size)
	b = append(b, `{"txId":`...)
	b = epcis.AppendJSONString(b, e.TxID)
	b = append(b, `,"function":`...)
	b = epcis.AppendJSONString(b, e.Function)
	b = append(b, `,"creator":`...)
	b = epcis.AppendJSONString(b, e.Creator)
	b = append(b, `,"time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendRawArray(b, "serials", e.Serials)
	b = append(b, `,"commissioned":[`...)
	for i, g := range e.commissioned {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.appendJSON(b)
	}
	b = append(b, ']')
	b = appendRawArray(b, "containers", e.Containers)
	b = appendRawArray(b, "lots", e.Lots)
	b = appendRawArray(b, "partners", e.Partners)
	b = appendRawArray(b, "events", e.Events)
	b = appendRawArray(b, "t3", e.T3)
	b = appendRawArray(b, "transformations", e.Transformations)
	return append(b, '}'), nil
}

// commissionedGroup is a Commissioned group being collected: the serials
// of one block segment.
type commissionedGroup struct {
	gtin    string
	seg     *blockSeg
	serials []string
}

func (g *commissionedGroup) appendJSON(b []byte) []byte {
	b = append(b, `{"gtin":`...)
	b = epcis.AppendJSONString(b, g.gtin)
	b = append(b, `,"lot":`...)
	b = epcis.AppendJSONString(b, g.seg.Lot)
	b = append(b, `,"expiry":`...)
	b = epcis.AppendJSONString(b, g.seg.Expiry)
	b = append(b, `,"owner":`...)
	b = epcis.AppendJSONString(b, g.seg.Owner)
	b = append(b, `,"updated":"`...)
	b = g.seg.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if g.seg.Transformation != "" {
		b = append(b, `,"transformation":`...)
		b = epcis.AppendJSONString(b, g.seg.Transformation)
	}
	b = append(b, `,"serials":[`...)
	for i, s := range g.serials {
		if i > 0 {
			b = append(b, ',')
		}
		b = epcis.AppendJSONString(b, s)
	}
	return append(b, ']', '}')
}

// appendRawArray appends ,"name":[...] of already encoded JSON values.
func appendRawArray(b []byte, name string, items []json.RawMessage) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':', '[')
	for i, r := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	return append(b, ']')
}

// DecodeEvent decodes the payload of a "dscsa" chaincode event.
func DecodeEvent(payload []byte) (*ChaincodeEvent, error) {
	var ev ChaincodeEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("decode chaincode event: %w", err)
	}
	return &ev, nil
}

package chaincode

import (
	"encoding/json"
	"fmt"
	"rxledger/epcis"
	"time"
)

// EventName is the name of the one chaincode event every invoking
// transaction sets.
const EventName = "dscsa"

// ChaincodeEvent is the payload of the "dscsa" chaincode event: everything
// a transaction changed, as full records, so projections (verification cache,
// query indexes) need no further reads. Arrays are in first-change order and
// are empty, not null, when nothing of the kind changed.
type ChaincodeEvent struct {
	TxID       string            `json:"txId"`
	Function   string            `json:"function"`
	Creator    string            `json:"creator"`
	Time       time.Time         `json:"time"`
	Serials    []SerialRecord    `json:"serials"`
	Containers []ContainerRecord `json:"containers"`
	Lots       []LotRecord       `json:"lots"`
	Partners   []Partner         `json:"partners"`
	// Events are the anchors of the EPCIS events newly captured (duplicates
	// are left out).
	Events []EventAnchor `json:"events"`
	// T3 are the anchors of the transaction information records written.
	T3 []T3Anchor `json:"t3"`
	// Transformations link the inputs and outputs of the
	// TransformationEvents (repackaging) newly captured.
	Transformations []TransformationRecord `json:"transformations"`
}

// txEvent collects a transaction's changes already encoded, so that the
// event reuses the bytes written to the state.
type txEvent struct {
	TxID       string
	Function   string
	Creator    string
	Time       time.Time
	Serials    []json.RawMessage
	Containers []json.RawMessage
	Lots       []json.RawMessage
	Partners   []json.RawMessage
	Events     []json.RawMessage
	T3         []json.RawMessage
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
	b = appendRawArray(b, "containers", e.Containers)
	b = appendRawArray(b, "lots", e.Lots)
	b = appendRawArray(b, "partners", e.Partners)
	b = appendRawArray(b, "events", e.Events)
	b = appendRawArray(b, "t3", e.T3)
	b = appendRawArray(b, "transformations", e.Transformations)
	return append(b, '}'), nil
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

package chaincode

import (
	"encoding/json"
	"fmt"
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
}

func (e *txEvent) marshal() ([]byte, error) {
	nonNil := func(v []json.RawMessage) []json.RawMessage {
		if v == nil {
			return []json.RawMessage{}
		}
		return v
	}
	out := struct {
		TxID       string            `json:"txId"`
		Function   string            `json:"function"`
		Creator    string            `json:"creator"`
		Time       time.Time         `json:"time"`
		Serials    []json.RawMessage `json:"serials"`
		Containers []json.RawMessage `json:"containers"`
		Lots       []json.RawMessage `json:"lots"`
		Partners   []json.RawMessage `json:"partners"`
		Events     []json.RawMessage `json:"events"`
		T3         []json.RawMessage `json:"t3"`
	}{e.TxID, e.Function, e.Creator, e.Time, nonNil(e.Serials), nonNil(e.Containers), nonNil(e.Lots),
		nonNil(e.Partners), nonNil(e.Events), nonNil(e.T3)}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode chaincode event: %w", err)
	}
	return b, nil
}

// DecodeEvent decodes the payload of a "dscsa" chaincode event.
func DecodeEvent(payload []byte) (*ChaincodeEvent, error) {
	var ev ChaincodeEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("decode chaincode event: %w", err)
	}
	return &ev, nil
}

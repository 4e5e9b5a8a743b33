package chaincode_test

import (
	"encoding/json"
	"testing"

	"rxledger/chaincode"
)

// TestOneEventPerTransaction: every submitted function sets exactly one
// "dscsa" chaincode event, even a capture of duplicates only; queries set
// none.
func TestOneEventPerTransaction(t *testing.T) {
	m := newLedger(t)
	a := sgtin("E1")
	batch := commissionEv("L1", "2027-03-31", a)
	mustCapture(t, m, mfr, batch)
	mustCapture(t, m, mfr, batch) // duplicates only
	if _, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, a, "suspect"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "L1", "test"); err != nil {
		t.Fatal(err)
	}
	if m.Height() != uint64(len(m.Events)) {
		t.Fatalf("%d transactions, %d events", m.Height(), len(m.Events))
	}
	for i, e := range m.Events {
		if e.Name != chaincode.EventName || e.Calls != 1 {
			t.Fatalf("transaction %d: event %q set %d times", i, e.Name, e.Calls)
		}
		if _, err := chaincode.DecodeEvent(e.Payload); err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	req, _ := json.Marshal(chaincode.VerifyRequest{GTIN: gtin, Serial: "E1"})
	queries := [][]string{
		{chaincode.FnVerify, string(req)}, {chaincode.FnReadSerial, a}, {chaincode.FnReadLot, gtin, "L1"},
		{chaincode.FnHistory, a}, {chaincode.FnReadPartner, mfr}, {chaincode.FnReadTx, m.Events[len(m.Events)-4].TxID},
	}
	for _, q := range queries {
		if _, err := m.Evaluate(mfr, q[0], q[1:]...); err != nil {
			t.Fatalf("%s: %v", q[0], err)
		}
	}
	if m.QueryEventCalls != 0 {
		t.Fatalf("queries set %d events", m.QueryEventCalls)
	}
}

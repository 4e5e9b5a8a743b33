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

// TestCommissionedGroupsAreTheRecords: the serials an event lists in its
// commissioned groups are exactly the records the state holds for them,
// and each group's record JSON is byte for byte the record's JSON.
func TestCommissionedGroupsAreTheRecords(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr,
		commissionEv("L1", "2027-03-31", consecutive(990, 20)...), // two blocks
		commissionEv("L2", "2027-05-31", sgtin("X-1"), sgtin("X-2")),
		commissionEv("L1", "2027-03-31", sgtin("Y1")),
		commissionEv("L1", "2027-03-31", sscc1),
		packEv(sscc1, sgtin("995"))) // changed in the same transaction: a record of its own
	ce := lastEvent(t, m)
	state := m.Serials()
	all := ce.AllSerials()
	if len(all) != 23 || len(ce.Serials) != 1 || ce.Serials[0].Serial != "995" {
		t.Fatalf("event carries %d serials, %d as records", len(all), len(ce.Serials))
	}
	for _, s := range all {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if want := state["serial~"+s.GTIN+"~"+s.Serial]; string(raw) != want {
			t.Errorf("event record %s\nstate record %s", raw, want)
		}
	}
	for _, g := range ce.Commissioned {
		for _, serial := range g.Serials {
			want, err := json.Marshal(g.Record(serial))
			if err != nil {
				t.Fatal(err)
			}
			if got := g.AppendRecordJSON(nil, serial); string(got) != string(want) {
				t.Errorf("AppendRecordJSON %s, want %s", got, want)
			}
		}
	}
}

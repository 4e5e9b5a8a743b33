package chaincode_test

import (
	"encoding/json"
	"testing"
	"time"

	"rxledger/chaincode"
)

// TestATPAtTransactionTime: being an authorized trading partner is derived
// from a licence that is current at the transaction's timestamp (not the
// wall clock, not the time the record was written), for the caller of a
// capture, the destination of a shipment and the requester of a
// verification; renewing the licence restores it.
func TestATPAtTransactionTime(t *testing.T) {
	m := newLedger(t)
	expiry := start.Add(48 * time.Hour)
	whsRecord := func(exp time.Time) string {
		p := partners()[1]
		p.Licenses = []chaincode.License{{Authority: "NJ", Number: "W-1", Expiry: exp}}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if _, err := m.Submit(whs, chaincode.FnPutPartner, nil, whsRecord(expiry)); err != nil {
		t.Fatal(err)
	}
	items := serials("T", 3)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", items...))

	m.SetTime(expiry.Add(-time.Minute)) // still licensed
	mustCapture(t, m, mfr, shipEv(whsGLN, items[0]))
	mustCapture(t, m, whs, stepEv("receiving", items[0]))
	if _, err := verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "T0"}); err != nil {
		t.Fatalf("licensed requester: %v", err)
	}

	m.SetTime(expiry.Add(time.Minute)) // lapsed
	_, err := capture(t, m, mfr, at(shipEv(whsGLN, items[1]), 1))
	wantRule(t, err, chaincode.CodeForbidden, "destination-not-atp", 0)
	_, err = capture(t, m, whs, at(shipEv(pharmGLN, items[0]), 2))
	wantRule(t, err, chaincode.CodeForbidden, "caller-not-atp", -1)
	_, err = verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "T0"})
	wantRule(t, err, chaincode.CodeForbidden, "requester-not-atp", -1)

	// An organisation may always renew its own record.
	if _, err := m.Submit(whs, chaincode.FnPutPartner, nil, whsRecord(expiry.AddDate(1, 0, 0))); err != nil {
		t.Fatalf("renewal: %v", err)
	}
	mustCapture(t, m, mfr, at(shipEv(whsGLN, items[1]), 3))
	mustCapture(t, m, whs, at(shipEv(pharmGLN, items[0]), 4))
}

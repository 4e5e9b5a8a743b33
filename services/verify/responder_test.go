package verify

import (
	"context"
	"encoding/json"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/verify/verifytest"
)

// TestResponderGLNNotRememberedFromAFailedRead: a request whose read of the
// GTIN owner's partner record fails (its client gave up, the ledger did not
// answer) does not leave the fallback GLN remembered for everyone else's
// answers.
func TestResponderGLNNotRememberedFromAFailedRead(t *testing.T) {
	f := newFixture(t, false, Options{NoLag: true})
	lot := &chaincode.LotRecord{Owner: verifytest.Manufacturer}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if got := f.svc.responderGLN(gone, verifytest.Wholesaler, lot); got != "" {
		t.Logf("responderGLN with an ended context: %q", got)
	}
	if got := f.svc.responderGLN(context.Background(), verifytest.Wholesaler, lot); got != verifytest.ManufacturerGLN {
		t.Errorf("responderGLN after a failed read = %q, want the owner's %s", got, verifytest.ManufacturerGLN)
	}
}

// TestResponderGLNIsAttested: the responderGLN of a known serial is the
// first GLN a regulator attests to the GTIN's owner, not one the owner
// only claims in its own partner record.
func TestResponderGLNIsAttested(t *testing.T) {
	f := newFixture(t, false, Options{NoLag: true})
	w := f.w
	ok := w.Serial("RA1")
	w.Commission(w.Serial("LRA"), ok)
	claim := chaincode.Partner{ID: verifytest.Manufacturer, Name: "Acme", Roles: []chaincode.Role{chaincode.RoleManufacturer},
		GLNs: []string{verifytest.WholesalerGLN, verifytest.ManufacturerGLN}, CompanyPrefixes: []string{"0312345"}}
	b, err := json.Marshal(claim)
	if err != nil {
		t.Fatal(err)
	}
	w.Submit(verifytest.Manufacturer, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(b)}})
	f.caughtUp()
	if r := f.verify(verifytest.Wholesaler, path(ok, "")); r.ResponderGLN != verifytest.ManufacturerGLN {
		t.Fatalf("responderGLN %q, want the attested %s (answer %+v)", r.ResponderGLN, verifytest.ManufacturerGLN, r)
	}
}

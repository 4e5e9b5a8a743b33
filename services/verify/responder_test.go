package verify

import (
	"context"
	"testing"

	"rxledger/chaincode"
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

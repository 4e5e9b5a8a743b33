package chaincode_test

import (
	"slices"
	"testing"

	"rxledger/chaincode"
)

// TestNamedPartiesArePairedByPackage: an event that moves no custody may
// name the owner a package in transit to the caller comes from, or the
// addressee a package of the caller goes to, but not one as its source and
// the other as its destination: the wholesaler, addressee of b (from the
// manufacturer) and shipper of p (to the pharmacy), would record a sale
// from the manufacturer to the pharmacy, both made parties to it.
func TestNamedPartiesArePairedByPackage(t *testing.T) {
	m := newLedger(t)
	_, b, _, p, _ := partiesBase(t, m)
	before, private := snapshot(m), privateCounts(m)
	_, err := capture(t, m, whs, parties(transactionEv(b, p), mfrGLN, pharmGLN))
	if re := wantRule(t, err, chaincode.CodeForbidden, "unrelated-party", 0); re.EPC != partyURI(pharmGLN) {
		t.Errorf("refusal names %q, want the destination", re.EPC)
	}
	if snapshot(m) != before || !slices.Equal(privateCounts(m), private) {
		t.Error("the refused capture changed the ledger")
	}
	// Each package's counterparty, with the caller on the other side, in an
	// event of its own (one naming both packages would be shared with both
	// their counterparties: several-counterparties).
	mustCapture(t, m, whs, parties(transactionEv(b), mfrGLN, whsGLN))
	mustCapture(t, m, whs, parties(transactionEv(p), whsGLN, pharmGLN))
}

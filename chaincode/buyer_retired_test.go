package chaincode_test

import (
	"slices"
	"testing"

	"rxledger/chaincode"
)

// TestNoBuyerOfRetiredGoods: the buyer an owner names for its goods before
// shipping them must buy something: a package dispensed (destroyed,
// decommissioned, transformed) makes no other organisation a party to an
// event as its buyer.
func TestNoBuyerOfRetiredGoods(t *testing.T) {
	m := newLedger(t)
	_, _, _, _, q := partiesBase(t, m)
	mustCapture(t, m, pharm, at(stepEv("dispensing", q), 10))
	_, err := capture(t, m, pharm, parties(at(transactionEv(q), 11), pharmGLN, mfrGLN))
	if re := wantRule(t, err, chaincode.CodeForbidden, "unrelated-party", 0); re.EPC != partyURI(mfrGLN) {
		t.Errorf("refusal names %q", re.EPC)
	}
	mustCapture(t, m, pharm, parties(at(transactionEv(q), 12), whsGLN, pharmGLN)) // its seller, itself
	if got := lastEvent(t, m).Events[0].Parties; !slices.Equal(got, []string{pharm, whs}) {
		t.Errorf("parties %v", got)
	}
}

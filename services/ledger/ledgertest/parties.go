package ledgertest

import (
	"slices"
	"strings"
	"testing"

	"rxledger/epcis"
	"rxledger/services/platform/problem"
)

// namedPartiesAndHiddenSSCCs: the sources and destinations of an event
// agree with the caller and the ledger (nobody records a sale between two
// others), custody steps are ObjectEvents, and an SSCC the caller neither
// owns nor is the addressee of is refused exactly as one never created.
func namedPartiesAndHiddenSSCCs(t *testing.T, h *harness) {
	a, pallet, never := h.sgtin("N1"), h.sscc("021"), h.sscc("029")
	party := func(gln string) epcis.SourceDest {
		return epcis.SourceDest{Type: "owning_party", Value: "https://id.gs1.org/417/" + gln}
	}
	h.mustCapture(Manufacturer, nil,
		commission(0, h.id("LN"), a), commissionContainers(1, pallet), pack(2, pallet, a), ship(3, whsGLN, pallet))

	// The pharmacy is told nothing of the manufacturer's pallet.
	_, _, hidden := h.capture(Pharmacy, nil, step(4, "inspecting", pallet))
	hre := ruleOf(t, hidden, problem.NotFound, "unknown-epc")
	_, _, unknown := h.capture(Pharmacy, nil, step(4, "inspecting", never))
	ure := ruleOf(t, unknown, problem.NotFound, "unknown-epc")
	if strings.ReplaceAll(hre.Detail, pallet, "X") != strings.ReplaceAll(ure.Detail, never, "X") {
		t.Fatalf("refusals differ: %q and %q", hre.Detail, ure.Detail)
	}

	// The addressee names another seller than the manufacturer.
	recv := step(5, "receiving", pallet)
	recv.SourceList = []epcis.SourceDest{party(pharmGLN)}
	_, _, err := h.capture(Wholesaler, nil, recv)
	wantRefusalAt(t, err, problem.Forbidden, "source-not-seller", 0, party(pharmGLN).Value)

	// A TransactionEvent shipping the manufacturer's goods to the pharmacy.
	spoof := baseEvent(epcis.TransactionEventType, epcis.ActionAdd, "shipping", 5)
	spoof.EPCList = []string{a}
	spoof.BizTransactionList = []epcis.BizTransaction{{Type: "po", Value: "urn:epcglobal:cbv:bt:0377777000008:PO-X"}}
	spoof.SourceList, spoof.DestinationList = []epcis.SourceDest{party(mfrGLN)}, []epcis.SourceDest{party(pharmGLN)}
	_, _, err = h.capture(Wholesaler, nil, spoof)
	wantRefusalAt(t, err, problem.Invalid, "custody-step-not-object-event", 0, "")

	// The receipt naming the seller and the receiver is recorded for both.
	recv.SourceList, recv.DestinationList = []epcis.SourceDest{party(mfrGLN)}, []epcis.SourceDest{party(whsGLN)}
	_, r := h.mustCapture(Wholesaler, nil, recv)
	if ev := eventOf(t, h.l, r); len(ev.Events) != 1 || !slices.Equal(ev.Events[0].Parties, []string{Manufacturer, Wholesaler}) {
		t.Fatalf("receipt anchors %+v", ev.Events)
	}
}

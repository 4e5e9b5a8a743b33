package chaincode_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// parties returns e with an owning-party source and destination (a bare
// GLN, or "" for none).
func parties(e epcis.Event, source, dest string) epcis.Event {
	e.SourceList, e.DestinationList = slices.Clone(e.SourceList), slices.Clone(e.DestinationList)
	if source != "" {
		e.SourceList = append(e.SourceList, epcis.SourceDest{Type: "owning_party", Value: partyURI(source)})
	}
	if dest != "" {
		e.DestinationList = append(e.DestinationList, epcis.SourceDest{Type: "owning_party", Value: partyURI(dest)})
	}
	return e
}

// withSD returns e with one more source (dest false) or destination of the
// given CBV type.
func withSD(e epcis.Event, dest bool, typ, value string) epcis.Event {
	sd := epcis.SourceDest{Type: typ, Value: value}
	if dest {
		e.DestinationList = append(slices.Clone(e.DestinationList), sd)
	} else {
		e.SourceList = append(slices.Clone(e.SourceList), sd)
	}
	return e
}

// sgln writes a GLN of the test consortium (company prefix of 7 digits) as
// an SGLN URN.
func sgln(gln string) string { return "urn:epc:id:sgln:" + gln[:7] + "." + gln[7:12] + ".0" }

// partiesBase: a is the manufacturer's; b is in transit from the
// manufacturer to the wholesaler; w the wholesaler bought from the
// manufacturer; p is in transit from the wholesaler to the pharmacy; q the
// pharmacy bought from the wholesaler.
func partiesBase(t *testing.T, m *chaincodetest.Memory) (a, b, w, p, q string) {
	t.Helper()
	a, b, w, p, q = sgtin("PA"), sgtin("PB"), sgtin("PW"), sgtin("PP"), sgtin("PQ")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b, w, p, q), shipEv(whsGLN, w, p, q))
	mustCapture(t, m, whs, stepEv("receiving", w, p, q))
	mustCapture(t, m, mfr, at(shipEv(whsGLN, b), 1))
	mustCapture(t, m, whs, at(shipEv(pharmGLN, p), 2), at(shipEv(pharmGLN, q), 3))
	mustCapture(t, m, pharm, at(stepEv("receiving", q), 4))
	return a, b, w, p, q
}

// TestNamedParties checks that the sources and destinations of every
// event agree with the caller and the ledger: nobody records a sale between
// two others, nor makes another organisation party to its event, by
// naming it.
func TestNamedParties(t *testing.T) {
	a, b, w, p, q := partiesBase(t, newLedger(t))
	txEv := func(step string, epcs ...string) epcis.Event {
		e := transactionEv(epcs...)
		e.BizStep = step
		return e
	}
	tests := []struct {
		name    string
		org     string
		event   epcis.Event
		parties []string // on success
		code    string   // on refusal
		rule    string
		epc     string
	}{
		// Shipping: every source is the caller, every destination the
		// addressee.
		{"shipping from the caller to the addressee", whs, withSD(parties(at(shipEv(pharmGLN, w), 10), whsGLN, ""), true, "location", sgln(pharmGLN)), []string{pharm, whs}, "", "", ""},
		{"shipping with a location no partner holds", whs, withSD(at(shipEv(pharmGLN, w), 10), false, "location", "urn:epc:id:sgln:0344444.00000.0"), []string{pharm, whs}, "", "", ""},
		{"shipping another's sale", whs, parties(at(shipEv(pharmGLN, w), 10), mfrGLN, ""), nil, chaincode.CodeForbidden, "source-not-caller", partyURI(mfrGLN)},
		{"a drop shipment leaving another's dock", whs, withSD(at(shipEv(pharmGLN, w), 10), false, "location", sgln(mfrGLN)), []string{pharm, whs}, "", "", ""},
		{"shipping from a location of a partner that is no ATP", whs, withSD(at(shipEv(pharmGLN, w), 10), false, "location", sgln(rogueGLN)), nil, chaincode.CodeForbidden, "source-not-caller", sgln(rogueGLN)},
		{"shipping from another's possession", whs, withSD(at(shipEv(pharmGLN, w), 10), false, "possessing_party", sgln(mfrGLN)), []string{pharm, whs}, "", "", ""},
		{"shipping from the possession of a partner that is no ATP", whs, withSD(at(shipEv(pharmGLN, w), 10), false, "possessing_party", sgln(rogueGLN)), nil, chaincode.CodeForbidden, "source-not-caller", sgln(rogueGLN)},
		{"a drop shipment to another's dock than the buyer's", whs, withSD(at(shipEv(pharmGLN, w), 10), true, "location", sgln(mfrGLN)), []string{pharm, whs}, "", "", ""},
		{"shipping to a location of a partner that is no ATP", whs, withSD(at(shipEv(pharmGLN, w), 10), true, "location", sgln(rogueGLN)), nil, chaincode.CodeForbidden, "destination-not-addressee", sgln(rogueGLN)},
		{"shipping to two owning parties", whs, parties(at(shipEv(pharmGLN, w), 10), "", mfrGLN), nil, chaincode.CodeForbidden, "destination-not-addressee", partyURI(mfrGLN)},
		{"shipping from an owning party nobody holds", whs, parties(at(shipEv(pharmGLN, w), 10), "0344444000005", ""), nil, chaincode.CodeInvalid, "unknown-source", partyURI("0344444000005")},
		{"shipping another's package names it first", pharm, parties(at(shipEv(whsGLN, a), 10), mfrGLN, ""), nil, chaincode.CodeForbidden, "not-owner", a},

		// Receiving: every destination is the caller, every source the
		// seller.
		{"receiving from the seller", whs, parties(at(stepEv("receiving", b), 10), mfrGLN, whsGLN), []string{mfr, whs}, "", "", ""},
		{"receiving at the caller's location", whs, withSD(at(stepEv("receiving", b), 10), true, "location", sgln(whsGLN)), []string{mfr, whs}, "", "", ""},
		{"receiving from another than the seller", whs, parties(at(stepEv("receiving", b), 10), pharmGLN, ""), nil, chaincode.CodeForbidden, "source-not-seller", partyURI(pharmGLN)},
		{"receiving from itself", whs, parties(at(stepEv("receiving", b), 10), whsGLN, ""), nil, chaincode.CodeForbidden, "source-not-seller", partyURI(whsGLN)},
		{"receiving for another", pharm, parties(at(stepEv("receiving", p), 10), whsGLN, mfrGLN), nil, chaincode.CodeForbidden, "destination-not-caller", partyURI(mfrGLN)},
		{"receiving at another's dock", pharm, withSD(at(stepEv("receiving", p), 10), true, "location", sgln(whsGLN)), []string{pharm, whs}, "", "", ""},
		{"receiving at a location of a partner that is no ATP", pharm, withSD(at(stepEv("receiving", p), 10), true, "location", sgln(rogueGLN)), nil, chaincode.CodeForbidden, "destination-not-caller", sgln(rogueGLN)},
		{"receiving what was not shipped to the caller names that first", pharm, parties(at(stepEv("receiving", b), 10), mfrGLN, pharmGLN), nil, chaincode.CodeForbidden, "not-addressee", b},

		// Voiding: every source is the caller, every destination the
		// addressee of the voided shipment.
		{"voiding a shipment to its addressee", mfr, parties(at(stepEv("void_shipping", b), 10), mfrGLN, whsGLN), []string{mfr, whs}, "", "", ""},
		{"voiding names another addressee", mfr, parties(at(stepEv("void_shipping", b), 10), "", pharmGLN), nil, chaincode.CodeForbidden, "destination-not-addressee", partyURI(pharmGLN)},
		{"voiding names another shipper", mfr, parties(at(stepEv("void_shipping", b), 10), whsGLN, ""), nil, chaincode.CodeForbidden, "source-not-caller", partyURI(whsGLN)},

		// Events that move no custody name the caller, and for goods in
		// transit their owner (source) and addressee (destination).
		{"the security tester's transaction event without a bizStep", whs, parties(txEv("", w), mfrGLN, pharmGLN), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(pharmGLN)},
		{"the owner links its goods to the buyer before shipping", whs, parties(txEv("", w), whsGLN, pharmGLN), []string{pharm, whs}, "", "", ""},
		{"the owner names as buyer a partner that is no ATP", whs, parties(txEv("", w), whsGLN, rogueGLN), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(rogueGLN)},
		{"the owner names a buyer as source", whs, parties(txEv("", w), pharmGLN, ""), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(pharmGLN)},
		{"a transaction event of goods in transit", whs, parties(txEv("", p), whsGLN, pharmGLN), []string{pharm, whs}, "", "", ""},
		{"the security tester's inspection", pharm, parties(txEv("", q), mfrGLN, whsGLN), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(mfrGLN)},
		{"an inspection naming the seller it bought from", pharm, parties(at(stepEv("inspecting", q), 10), whsGLN, ""), []string{pharm, whs}, "", "", ""},
		{"an inspection naming the seller's seller", pharm, parties(at(stepEv("inspecting", q), 10), mfrGLN, ""), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(mfrGLN)},
		{"the addressee names its seller and another's dock", pharm, withSD(parties(txEv("", p), whsGLN, ""), true, "location", sgln(mfrGLN)), nil, chaincode.CodeForbidden, "unrelated-party", sgln(mfrGLN)},
		{"a second source other than the destination's organisation", whs, withSD(withSD(parties(txEv("", w), "", pharmGLN), false, "location", sgln(pharmGLN)), false, "location", sgln(mfrGLN)), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(pharmGLN)},
		{"a destination other than the second source's organisation", pharm, withSD(withSD(withSD(txEv("", q), false, "location", sgln(mfrGLN)), false, "owning_party", partyURI(whsGLN)), true, "location", sgln(mfrGLN)), nil, chaincode.CodeForbidden, "unrelated-party", sgln(mfrGLN)},
		{"the addressee names its seller and its own dock", pharm, withSD(parties(txEv("", p), whsGLN, ""), true, "location", sgln(pharmGLN)), []string{pharm, whs}, "", "", ""},
		{"the addressee inspects naming its seller", pharm, parties(at(stepEv("inspecting", p), 10), whsGLN, pharmGLN), []string{pharm, whs}, "", "", ""},
		{"the addressee names the seller's seller", pharm, parties(at(stepEv("inspecting", p), 10), mfrGLN, ""), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(mfrGLN)},
		{"a sensor on goods in transit", whs, parties(associationEv(sensorGIAI, b), mfrGLN, whsGLN), []string{mfr, whs}, "", "", ""},
		{"a sensor naming another as source", whs, parties(associationEv(sensorGIAI, w), pharmGLN, ""), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(pharmGLN)},
		{"no product named: the caller only", pharm, parties(at(stepEv("inspecting", assetGRAI), 10), "", mfrGLN), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(mfrGLN)},
		{"a lot observed naming another", whs, parties(classEv("storing", lgtinL1), mfrGLN, ""), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(mfrGLN)},
		{"commissioning naming a buyer", mfr, parties(commissionEv("L1", "2027-03-31", sgtin("PN")), "", whsGLN), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(whsGLN)},
		{"commissioning at the caller's site", mfr, withSD(parties(commissionEv("L1", "2027-03-31", sgtin("PN")), mfrGLN, ""), false, "location", sgln(mfrGLN)), []string{mfr}, "", "", ""},
		{"packing naming the seller", whs, parties(packEv(whsSSCC, w), mfrGLN, ""), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(mfrGLN)},
		{"dispensing naming the seller", pharm, parties(at(stepEv("dispensing", q), 10), whsGLN, ""), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(whsGLN)},
		{"an observation naming an owning party nobody holds", pharm, parties(at(stepEv("inspecting", q), 10), "", "0344444000005"), nil, chaincode.CodeInvalid, "unknown-destination", partyURI("0344444000005")},

		// Custody steps are ObjectEvents: the rules model no other.
		{"a transaction event shipping", whs, parties(txEv("shipping", w), mfrGLN, pharmGLN), nil, chaincode.CodeInvalid, "custody-step-not-object-event", ""},
		{"a transaction event shipping the caller's own sale", whs, parties(txEv("shipping", w), whsGLN, pharmGLN), nil, chaincode.CodeInvalid, "custody-step-not-object-event", ""},
		{"a transaction event receiving", pharm, txEv("receiving", p), nil, chaincode.CodeInvalid, "custody-step-not-object-event", ""},
		{"an aggregation observed shipping", mfr, func() epcis.Event {
			e := aggregationObserveEv(sscc1, a)
			e.BizStep = "urn:epcglobal:cbv:bizstep:shipping"
			return e
		}(), nil, chaincode.CodeInvalid, "custody-step-not-object-event", ""},
		{"an association voiding a shipment", mfr, func() epcis.Event {
			e := associationEv(sensorGIAI, b)
			e.BizStep = "void_shipping"
			return e
		}(), nil, chaincode.CodeInvalid, "custody-step-not-object-event", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			partiesBase(t, m)
			before, height, nEvents, private := snapshot(m), m.Height(), len(m.Events), privateCounts(m)
			res, err := capture(t, m, tc.org, tc.event)
			if tc.rule != "" {
				re := wantRule(t, err, tc.code, tc.rule, 0)
				if re.EPC != tc.epc {
					t.Errorf("refusal names %q, want %q", re.EPC, tc.epc)
				}
				if snapshot(m) != before || m.Height() != height || len(m.Events) != nEvents {
					t.Error("the refused capture changed the ledger")
				}
				if got := privateCounts(m); !slices.Equal(got, private) {
					t.Errorf("private copies %v, before the refusal %v", got, private)
				}
				return
			}
			if err != nil {
				t.Fatalf("capture: %v", err)
			}
			anchor := lastEvent(t, m).Events[0]
			if !slices.Equal(anchor.Parties, tc.parties) {
				t.Fatalf("parties %v, want %v", anchor.Parties, tc.parties)
			}
			// The body goes to the parties and the regulator, nobody else.
			for _, org := range []string{mfr, whs, pharm, reg} {
				got := m.PrivateData(chaincode.ImplicitCollection(org), "evt~"+res.Events[0].HashID) != nil
				if want := org == reg || slices.Contains(tc.parties, org); got != want {
					t.Errorf("%s has a copy: %v, want %v", org, got, want)
				}
			}
		})
	}
}

// TestThirdPartyLogisticsNamed: a third-party logistics provider holds
// goods for their owner without owning them, so a shipment may name its
// warehouse as the location it leaves and the 3PL as the possessing party,
// which make it no party to the event; it may not be named as an owning
// party.
func TestThirdPartyLogisticsNamed(t *testing.T) {
	const tpl, tplGLN = "LogisticsMSP", "0322222000003"
	m := newLedger(t)
	register(t, m, chaincode.Partner{ID: tpl, Name: "Haul & Store", Roles: []chaincode.Role{chaincode.Role3PL}, GLNs: []string{tplGLN},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "3PL-1", Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	_, _, w, _, _ := partiesBase(t, m)

	fromTheWarehouse := withSD(withSD(parties(at(shipEv(pharmGLN, w), 10), whsGLN, pharmGLN), false, "location", sgln(tplGLN)),
		false, "possessing_party", sgln(tplGLN))
	res, err := capture(t, m, whs, fromTheWarehouse)
	if err != nil {
		t.Fatalf("a shipment leaving a 3PL's warehouse: %v", err)
	}
	if got := lastEvent(t, m).Events[0].Parties; !slices.Equal(got, []string{pharm, whs}) {
		t.Errorf("parties %v: the 3PL that keeps the goods is no party to their sale", got)
	}
	if m.PrivateData(chaincode.ImplicitCollection(tpl), "evt~"+res.Events[0].HashID) != nil {
		t.Error("the 3PL holds a copy of the sale")
	}

	_, err = capture(t, m, pharm, withSD(at(stepEv("receiving", w), 11), true, "location", sgln(tplGLN)))
	if err != nil {
		t.Fatalf("a receipt at a 3PL's dock: %v", err)
	}

	m2 := newLedger(t)
	register(t, m2, chaincode.Partner{ID: tpl, Name: "Haul & Store", Roles: []chaincode.Role{chaincode.Role3PL}, GLNs: []string{tplGLN},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "3PL-1", Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	_, _, w2, _, _ := partiesBase(t, m2)
	_, err = capture(t, m2, whs, parties(at(shipEv(pharmGLN, w2), 10), tplGLN, pharmGLN))
	if re := wantRule(t, err, chaincode.CodeForbidden, "source-not-caller", 0); re.EPC != partyURI(tplGLN) {
		t.Errorf("refusal names %q, want the 3PL named as owner", re.EPC)
	}
}

// privateCounts counts the private records of each test organisation.
func privateCounts(m *chaincodetest.Memory) []int {
	var n []int
	for _, org := range []string{mfr, whs, pharm, reg} {
		n = append(n, len(m.PrivateKeys(chaincode.ImplicitCollection(org))))
	}
	return n
}

// TestReceivingFromTwoSellers checks that a receipt of goods from two
// sellers (a purchase and a return in one event) names neither as its
// source, and is refused: each seller would receive the whole event, the
// other's goods and pallets with it. Each seller's goods are received in an
// event of their own.
func TestReceivingFromTwoSellers(t *testing.T) {
	setup := func(t *testing.T) (*chaincodetest.Memory, string, string) {
		m := newLedger(t)
		_, b, _, _, q := partiesBase(t, m)
		mustCapture(t, m, pharm, at(shipEv(whsGLN, q), 5)) // a return to its seller
		return m, b, q
	}
	for _, src := range []string{mfrGLN, pharmGLN} {
		m, b, q := setup(t)
		before := snapshot(m)
		_, err := capture(t, m, whs, parties(at(stepEv("receiving", b, q), 10), src, whsGLN))
		if re := wantRule(t, err, chaincode.CodeForbidden, "source-not-seller", 0); re.EPC != partyURI(src) {
			t.Errorf("refusal names %q", re.EPC)
		}
		if snapshot(m) != before {
			t.Error("the refused capture changed the ledger")
		}
	}
	m, b, q := setup(t)
	before, private := snapshot(m), privateCounts(m)
	_, err := capture(t, m, whs, parties(at(stepEv("receiving", b, q), 10), "", whsGLN))
	if re := wantRule(t, err, chaincode.CodeInvalid, "several-counterparties", 0); !strings.Contains(re.Detail, "ManufacturerMSP, PharmacyMSP") {
		t.Errorf("refusal %q does not name the sellers", re.Detail)
	}
	if snapshot(m) != before || !slices.Equal(privateCounts(m), private) {
		t.Error("the refused receipt changed the ledger")
	}
	for _, one := range []struct{ epc, seller string }{{b, mfr}, {q, pharm}} {
		mustCapture(t, m, whs, parties(at(stepEv("receiving", one.epc), 11), "", whsGLN))
		if p := lastEvent(t, m).Events[0].Parties; !slices.Equal(p, []string{one.seller, whs}) {
			t.Fatalf("parties %v, want %s and the receiver", p, one.seller)
		}
	}
}

// TestInspectionOfGoodsFromTwoSendersRefused: an observation of goods in
// transit from two organisations would give each the other's goods; it is
// refused, and each sender's goods are observed in an event of their own.
func TestInspectionOfGoodsFromTwoSendersRefused(t *testing.T) {
	m := newLedger(t)
	_, b, _, _, q := partiesBase(t, m)
	mustCapture(t, m, pharm, at(shipEv(whsGLN, q), 5)) // q on its way back to the wholesaler
	_, err := capture(t, m, whs, at(stepEv("inspecting", b, q), 10))
	wantRule(t, err, chaincode.CodeInvalid, "several-counterparties", 0)
	mustCapture(t, m, whs, at(stepEv("inspecting", b), 11))
	mustCapture(t, m, whs, at(stepEv("inspecting", q), 12))
}

// TestCustodyStepCheckedBeforeCapture checks that a custody step on
// another event type is refused by CheckEvent too, which the capture
// service runs before accepting a document.
func TestCustodyStepCheckedBeforeCapture(t *testing.T) {
	for _, typ := range []epcis.EventType{epcis.TransactionEventType, epcis.AggregationEventType, epcis.AssociationEventType, epcis.TransformationEventType} {
		for _, step := range []string{"shipping", "receiving", "void_shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-receiving"} {
			e := ev(typ, epcis.ActionAdd, step)
			err := chaincode.CheckEvent(3, &e)
			if re := wantRule(t, err, chaincode.CodeInvalid, "custody-step-not-object-event", 3); re.EPC != "" {
				t.Errorf("%s %s: refusal names %q", typ, step, re.EPC)
			}
		}
		e := ev(typ, epcis.ActionAdd, "inspecting")
		if err := chaincode.CheckEvent(0, &e); err != nil {
			t.Errorf("%s inspecting: %v", typ, err)
		}
	}
	for _, step := range []string{"shipping", "receiving", "void_shipping"} {
		e := ev(epcis.ObjectEventType, epcis.ActionObserve, step)
		if err := chaincode.CheckEvent(0, &e); err != nil {
			t.Errorf("ObjectEvent %s: %v", step, err)
		}
	}
}

// TestInternalTransferNamesTheCaller: goods a company ships to itself (to
// another of its sites, or a 3PL's) have no seller: the receipt may name
// the company as their source owning party, as the GS1 US guideline writes
// an internal transfer, and no one else.
func TestInternalTransferNamesTheCaller(t *testing.T) {
	m := newLedger(t)
	a, _, _, _, _ := partiesBase(t, m)
	mustCapture(t, m, mfr, parties(at(shipEv(mfrGLN, a), 10), mfrGLN, mfrGLN))
	_, err := capture(t, m, mfr, parties(at(stepEv("receiving", a), 11), whsGLN, mfrGLN))
	if re := wantRule(t, err, chaincode.CodeForbidden, "source-not-seller", 0); !strings.Contains(re.Detail, "the caller ("+mfr+")") {
		t.Errorf("refusal %q does not say whom a transfer's source names", re.Detail)
	}
	mustCapture(t, m, mfr, parties(at(stepEv("receiving", a), 12), mfrGLN, mfrGLN))
	if got := lastEvent(t, m).Events[0].Parties; !slices.Equal(got, []string{mfr}) {
		t.Errorf("parties %v, want the company alone", got)
	}
}

// TestShippingBeforeReceipt: the addressee of goods in transit that ships
// them on before recording their receipt is told to receive them first
// (a drop shipment's buyer); anyone else learns only that it does not own
// them.
func TestShippingBeforeReceipt(t *testing.T) {
	m := newLedger(t)
	_, b, _, _, _ := partiesBase(t, m) // b is in transit from the manufacturer to the wholesaler
	_, err := capture(t, m, whs, at(shipEv(pharmGLN, b), 10))
	if re := wantRule(t, err, chaincode.CodeForbidden, "not-owner", 0); !strings.Contains(re.Detail, "records receiving first") {
		t.Errorf("the addressee is told %q, want to receive first", re.Detail)
	}
	_, err = capture(t, m, pharm, at(shipEv(whsGLN, b), 10))
	if re := wantRule(t, err, chaincode.CodeForbidden, "not-owner", 0); strings.Contains(re.Detail, "transit") {
		t.Errorf("another organisation is told %q: where the goods are going is not its business", re.Detail)
	}
}

// TestProductIdentifiersInAnotherCase: an EPC URN whose prefix is written
// in another case, or a Digital Link of another scheme or case, names the
// same package (RFC 8141, RFC 3986): an observation of it is refused as
// malformed (bad-epc), as shipping refuses it, not anchored unchecked as no
// product; a product class so written is refused too.
func TestProductIdentifiersInAnotherCase(t *testing.T) {
	m := newLedger(t)
	_, _, _, _, q := partiesBase(t, m) // q is the pharmacy's
	serial := strings.TrimPrefix(q, "urn:epc:id:sgtin:0312345.067890.")
	for _, epc := range []string{
		"URN:EPC:ID:SGTIN:0312345.067890." + serial,
		"URN:epc:id:sgtin:0312345.067890." + serial,
		"HTTPS://ID.GS1.ORG/01/" + gtin + "/21/" + serial,
		"ftp://id.gs1.org/01/" + gtin + "/21/" + serial,
		"URN:EPC:ID:SSCC:0312345.1000000099",
	} {
		before := snapshot(m)
		_, err := capture(t, m, whs, at(stepEv("inspecting", epc), 10))
		if re := wantRule(t, err, chaincode.CodeInvalid, "bad-epc", 0); re.EPC != epc {
			t.Errorf("%s: refusal names %q", epc, re.EPC)
		}
		if snapshot(m) != before {
			t.Errorf("%s: the refused observation changed the ledger", epc)
		}
	}
	class := epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "storing", EventTime: start, EventTimeZoneOffset: "+00:00",
		QuantityList: []epcis.QuantityElement{epcisQuantity("URN:EPC:CLASS:LGTIN:0312345.067890.L1")}}
	_, err := capture(t, m, whs, at(class, 11))
	wantRule(t, err, chaincode.CodeInvalid, "bad-epc-class", 0)
}

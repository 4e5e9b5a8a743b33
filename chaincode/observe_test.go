package chaincode_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

const (
	sensorGIAI = "urn:epc:id:giai:0312345.SENSOR1"
	assetGRAI  = "urn:epc:id:grai:0312345.01234.T1"
	lgtinL1    = "urn:epc:class:lgtin:0312345.067890.L1"
	lgtinL2    = "urn:epc:class:lgtin:0312345.067890.L2"
	gtinIdpat  = "urn:epc:idpat:sgtin:0312345.067890.*"
)

func transactionEv(epcs ...string) epcis.Event {
	e := ev(epcis.TransactionEventType, epcis.ActionAdd, "")
	e.EPCList = epcs
	e.BizTransactionList = []epcis.BizTransaction{{Type: "po", Value: "urn:epcglobal:cbv:bt:0312345000004:PO-7"}}
	return e
}

func aggregationObserveEv(parent string, children ...string) epcis.Event {
	e := ev(epcis.AggregationEventType, epcis.ActionObserve, "inspecting")
	e.ParentID, e.ChildEPCs = parent, children
	return e
}

func associationEv(parent string, children ...string) epcis.Event {
	e := ev(epcis.AssociationEventType, epcis.ActionAdd, "installing")
	e.ParentID, e.ChildEPCs = parent, children
	return e
}

func classEv(step string, classes ...string) epcis.Event {
	e := ev(epcis.ObjectEventType, epcis.ActionObserve, step)
	for _, c := range classes {
		n := 10.0
		e.QuantityList = append(e.QuantityList, epcis.QuantityElement{EPCClass: c, Quantity: &n, HasQuantity: true})
	}
	return e
}

// observationBase: the manufacturer holds a (lot L1) and c (lot L2, packed
// in sscc1); b (lot L1) is in transit to the wholesaler.
func observationBase(t *testing.T, m *chaincodetest.Memory) (a, b, c string) {
	t.Helper()
	a, b, c = sgtin("O1"), sgtin("O2"), sgtin("O3")
	mustCapture(t, m, mfr,
		commissionEv("L1", "2027-03-31", a, b),
		commissionEv("L2", "2027-06-30", c),
		packEv(sscc1, c),
		shipEv(whsGLN, b))
	return a, b, c
}

// stateWithoutAnchors is the shared state without event anchors and
// transaction indexes: what an observation must leave unchanged.
func stateWithoutAnchors(m *chaincodetest.Memory) string {
	var b strings.Builder
	for _, k := range m.Keys("") {
		if strings.HasPrefix(k, "evt~") || strings.HasPrefix(k, "tx~") {
			continue
		}
		b.WriteString(k + "=" + string(m.GetState(k)) + "\n")
	}
	return b.String()
}

// TestObservations checks that observation, transaction and association
// events are anchored for their parties without changing custody, and only
// by an organisation that holds the goods they name.
func TestObservations(t *testing.T) {
	a, b, c := observationBase(t, newLedger(t))
	tests := []struct {
		name    string
		org     string
		event   epcis.Event
		parties []string // on success
		code    string   // on refusal
		rule    string
		epc     string
	}{
		{"storing by the owner", mfr, stepEv("storing", a), []string{mfr}, "", "", ""},
		{"no bizStep", mfr, stepEv("", a), []string{mfr}, "", "", ""},
		{"other CBV step (holding)", mfr, stepEv("holding", a), []string{mfr}, "", "", ""},
		{"arriving at the addressee before receiving", whs, stepEv("arriving", b), []string{mfr, whs}, "", "", ""},
		{"accepting by the addressee, Digital Link", whs, stepEv("accepting", sgtinDL("O2")), []string{mfr, whs}, "", "", ""},
		{"the shipper observes what it has in transit", mfr, stepEv("departing", b), []string{mfr}, "", "", ""},
		{"the addressee names the seller and itself", whs, parties(stepEv("accepting", b), mfrGLN, whsGLN), []string{mfr, whs}, "", "", ""},
		{"the shipper names itself and the addressee", mfr, parties(stepEv("departing", b), mfrGLN, whsGLN), []string{mfr, whs}, "", "", ""},
		{"the owner names itself", mfr, parties(stepEv("inspecting", a), mfrGLN, mfrGLN), []string{mfr}, "", "", ""},
		{"transaction event", mfr, transactionEv(a), []string{mfr}, "", "", ""},
		{"aggregation observed", mfr, aggregationObserveEv(sscc1, c), []string{mfr}, "", "", ""},
		{"sensor associated with a package", mfr, associationEv(sensorGIAI, a), []string{mfr}, "", "", ""},
		{"sensor associated with a package in transit to the caller", whs, associationEv(sensorGIAI, b), []string{mfr, whs}, "", "", ""},
		{"lot observed by the GTIN owner", mfr, classEv("cycle_counting", lgtinL2), []string{mfr}, "", "", ""},
		{"lot observed by a holder", whs, classEv("arriving", lgtinL1), []string{whs}, "", "", ""},
		{"GTIN pattern observed by a holder", whs, classEv("storing", gtinIdpat), []string{whs}, "", "", ""},
		{"no DSCSA product named", pharm, stepEv("inspecting", assetGRAI), []string{pharm}, "", "", ""},

		{"inspecting another's package", whs, stepEv("inspecting", a), nil, chaincode.CodeForbidden, "not-holder", a},
		{"arriving for another's addressee", pharm, stepEv("arriving", b), nil, chaincode.CodeForbidden, "not-holder", b},
		{"an unknown package", mfr, stepEv("inspecting", sgtin("O9")), nil, chaincode.CodeNotFound, "unknown-epc", sgtin("O9")},
		{"a malformed product Digital Link", mfr, stepEv("inspecting", "https://id.gs1.org/01/"+gtin), nil, chaincode.CodeInvalid, "bad-epc", "https://id.gs1.org/01/" + gtin},
		{"transaction event about another's package", whs, transactionEv(a), nil, chaincode.CodeForbidden, "not-holder", a},
		// Another's SSCC is answered as an unknown one (TestHiddenSSCC).
		{"aggregation of another's container", whs, aggregationObserveEv(sscc1, c), nil, chaincode.CodeNotFound, "unknown-epc", sscc1},
		// Parties the ledger does not relate to the goods (TestNamedParties
		// has the rest).
		{"the owner names as destination a partner that is no ATP", mfr, parties(stepEv("inspecting", a), "", rogueGLN), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(rogueGLN)},
		{"the addressee names the seller as destination", whs, parties(stepEv("accepting", b), whsGLN, mfrGLN), nil, chaincode.CodeForbidden, "unrelated-party", partyURI(mfrGLN)},
		{"sensor on another's package", pharm, associationEv(sensorGIAI, b), nil, chaincode.CodeForbidden, "not-holder", b},
		{"a lot the caller holds none of", whs, classEv("storing", lgtinL2), nil, chaincode.CodeForbidden, "not-class-holder", lgtinL2},
		{"a GTIN the caller holds none of", pharm, classEv("storing", gtinIdpat), nil, chaincode.CodeForbidden, "not-class-holder", gtinIdpat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			observationBase(t, m)
			before := stateWithoutAnchors(m)
			height := m.Height()
			res, err := capture(t, m, tc.org, tc.event)
			if tc.rule != "" {
				re := wantRule(t, err, tc.code, tc.rule, 0)
				if re.EPC != tc.epc {
					t.Errorf("error EPC %q, want %q", re.EPC, tc.epc)
				}
				for _, other := range []string{mfr, whs, pharm, reg} {
					if custodyRules[tc.rule] && other != tc.org && strings.Contains(re.Detail, other) {
						t.Errorf("the refusal names %s to %s: %s", other, tc.org, re.Detail)
					}
				}
				if m.Height() != height {
					t.Error("the refused transaction was committed")
				}
				return
			}
			if err != nil {
				t.Fatalf("capture: %v", err)
			}
			if stateWithoutAnchors(m) != before {
				t.Error("an observation changed custody state")
			}
			ce := lastEvent(t, m)
			if len(ce.AllSerials())+len(ce.Containers)+len(ce.Lots) != 0 || len(ce.Events) != 1 {
				t.Fatalf("chaincode event: %d serials %d containers %d lots %d events", len(ce.AllSerials()), len(ce.Containers), len(ce.Lots), len(ce.Events))
			}
			anchor := ce.Events[0]
			if anchor.HashID != res.Events[0].HashID || anchor.Type != string(tc.event.Type) || anchor.BizStep != tc.event.BizStep {
				t.Errorf("anchor %+v", anchor)
			}
			if !slices.Equal(anchor.Parties, tc.parties) {
				t.Errorf("parties %v, want %v", anchor.Parties, tc.parties)
			}
			for _, org := range []string{mfr, whs, pharm, reg} {
				has := m.PrivateData(chaincode.ImplicitCollection(org), "evt~"+anchor.HashID) != nil
				if want := org == reg || slices.Contains(tc.parties, org); has != want {
					t.Errorf("private copy for %s: %v, want %v", org, has, want)
				}
			}
		})
	}
}

// TestObservationIdempotent sends the same observations twice: the second
// capture anchors nothing and changes nothing.
func TestObservationIdempotent(t *testing.T) {
	m := newLedger(t)
	a, b, _ := observationBase(t, m)
	events := []epcis.Event{stepEv("storing", a), associationEv(sensorGIAI, a), transactionEv(a)}
	first := mustCapture(t, m, mfr, events...)
	whsFirst := mustCapture(t, m, whs, stepEv("arriving", b))
	before := snapshot(m)
	again := mustCapture(t, m, mfr, events...)
	for i, e := range again.Events {
		if !e.Duplicate || e.HashID != first.Events[i].HashID {
			t.Errorf("event %d: %+v, want a duplicate of %s", i, e, first.Events[i].HashID)
		}
	}
	if ce := lastEvent(t, m); len(ce.Events) != 0 {
		t.Errorf("a duplicate capture anchored %d events", len(ce.Events))
	}
	if r := mustCapture(t, m, whs, stepEv("arriving", b)); !r.Events[0].Duplicate || r.Events[0].HashID != whsFirst.Events[0].HashID {
		t.Errorf("resent arriving: %+v", r.Events[0])
	}
	if after := snapshot(m); after != before {
		t.Error("a duplicate observation changed the state")
	}
}

// TestObservationAtomic: an observation in a batch whose later event fails
// is not anchored.
func TestObservationAtomic(t *testing.T) {
	m := newLedger(t)
	a, _, _ := observationBase(t, m)
	regPrivate := len(m.PrivateKeys(chaincode.ImplicitCollection(reg)))
	before, height := snapshot(m), m.Height()
	_, err := capture(t, m, mfr, stepEv("storing", a), associationEv(sensorGIAI, a), at(stepEv("inspecting", sgtin("O9")), 1))
	wantRule(t, err, chaincode.CodeNotFound, "unknown-epc", 2)
	if snapshot(m) != before || m.Height() != height || len(m.PrivateKeys(chaincode.ImplicitCollection(reg))) != regPrivate {
		t.Error("the refused batch left something behind")
	}
}

// TestObservationInBatchWithCustody: a partner's document mixes observations
// with custody steps; an observation sees what earlier events of the same
// capture did.
func TestObservationInBatchWithCustody(t *testing.T) {
	m := newLedger(t)
	x := sgtin("M1")
	res := mustCapture(t, m, mfr,
		commissionEv("LM", "2027-03-31", x),
		at(stepEv("inspecting", x), 1),
		at(classEv("storing", "urn:epc:class:lgtin:0312345.067890.LM"), 2),
		at(shipEv(whsGLN, x), 3))
	if len(res.Events) != 4 || len(lastEvent(t, m).Events) != 4 {
		t.Fatalf("capture result %+v", res)
	}
	// The wholesaler holds stock of the lot only through the shipment, seen
	// in the same capture as its receipt.
	mustCapture(t, m, whs, stepEv("arriving", x), at(stepEv("receiving", x), 1),
		at(classEv("storing", "urn:epc:class:lgtin:0312345.067890.LM"), 2))
	if s := serialOf(t, m, x); s.Owner != whs || s.Status != chaincode.StatusActive {
		t.Errorf("serial after receipt: %+v", s)
	}
}

// TestClassCheckReadsOnlyHeldLots: the check of a class-level identifier
// reads the serials of the lots the caller has held (the holdings index),
// not every serial of the GTIN: a partner that never held a package of
// it is refused without reading any, and a holder reads only its lots.
func TestClassCheckReadsOnlyHeldLots(t *testing.T) {
	m := newLedger(t)
	var lots [][]string
	for i, lot := range []string{"H1", "H2", "H3"} {
		s := make([]string, 1000)
		for k := range s {
			s[k] = sgtin(fmt.Sprintf("H%d%04d", i, k))
		}
		lots = append(lots, s)
		mustCapture(t, m, mfr, commissionEv(lot, "2027-03-31", s...))
	}
	// The wholesaler is sent one package of the last lot.
	mustCapture(t, m, mfr, shipEv(whsGLN, lots[2][999]))
	for _, tc := range []struct {
		name, key string
		want      bool
	}{
		{"the manufacturer commissioned H1 (its prefix may be taken away)", "hold~" + mfr + "~" + gtin + "~H1", true},
		{"the wholesaler is the addressee in H3", "hold~" + whs + "~" + gtin + "~H3", true},
		{"the wholesaler never held H1", "hold~" + whs + "~" + gtin + "~H1", false},
		{"the pharmacy never held any", "hold~" + pharm + "~" + gtin + "~H3", false},
	} {
		if got := m.GetState(tc.key) != nil; got != tc.want {
			t.Errorf("%s: holdings key %s present %v, want %v", tc.name, tc.key, got, tc.want)
		}
	}
	serialReads := func() (n int) {
		for _, k := range m.Reads {
			if strings.HasPrefix(k, "sblk~") || strings.HasPrefix(k, "serial~") || strings.HasPrefix(k, "lotsb~") {
				n++
			}
		}
		return n
	}

	m.Reads = []string{}
	_, err := capture(t, m, pharm, classEv("storing", gtinIdpat))
	wantRule(t, err, chaincode.CodeForbidden, "not-class-holder", 0)
	if n := serialReads(); n != 0 {
		t.Errorf("refusing a partner that never held the GTIN read %d keys of its serials, want none", n)
	}

	m.Reads = []string{}
	mustCapture(t, m, whs, classEv("storing", gtinIdpat))
	// One lot: its index key, its block and the serials' own keys, at
	// most a thousand and a few; the three lots would be over 3,000.
	if n := serialReads(); n == 0 || n > 1010 {
		t.Errorf("the holder's check read %d keys of serials, want those of its one lot", n)
	}

	// Down the chain: the wholesaler receives the package and ships it on to
	// the pharmacy, which receives it. The pharmacy now holds it; the
	// wholesaler holds nothing and is refused, reading only its one lot.
	p := lots[2][999]
	mustCapture(t, m, whs, at(stepEv("receiving", p), 1), at(shipEv(pharmGLN, p), 2))
	mustCapture(t, m, pharm, at(stepEv("receiving", p), 3))
	mustCapture(t, m, pharm, at(classEv("storing", "urn:epc:class:lgtin:0312345.067890.H3"), 4))
	mustCapture(t, m, pharm, at(classEv("storing", gtinIdpat), 5))
	m.Reads = []string{}
	_, err = capture(t, m, whs, at(classEv("storing", gtinIdpat), 6))
	wantRule(t, err, chaincode.CodeForbidden, "not-class-holder", 0)
	if n := serialReads(); n > 1010 {
		t.Errorf("refusing a former holder read %d keys of serials, want at most its one lot's", n)
	}
}

// TestClassCheckAfterPrefixTransfer: a company prefix can leave the
// organisation that commissioned under it (the regulator's attestation
// replaces the previous one, e.g. when a product line and its prefix are
// sold). The former owner still owns and holds what it commissioned, so it
// still passes the class check as a holder, though it was never shipped a
// package of the lot.
func TestClassCheckAfterPrefixTransfer(t *testing.T) {
	m := newLedger(t)
	a := sgtin("T1")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a))
	var p chaincode.Partner
	for _, q := range partners() {
		if q.ID == mfr {
			p = q
		}
	}
	attest(t, m, mfr, chaincode.Attestation{Roles: p.Roles, Licenses: p.Licenses, GLNs: p.GLNs}) // prefix 0312345 no longer attested
	mustCapture(t, m, mfr, at(stepEv("storing", a), 1))                                          // it still owns the package
	mustCapture(t, m, mfr, at(classEv("storing", lgtinL1), 2))
	mustCapture(t, m, mfr, at(classEv("storing", gtinIdpat), 3))
	// Another organisation, never sent one, is still refused.
	_, err := capture(t, m, whs, at(classEv("storing", lgtinL1), 4))
	wantRule(t, err, chaincode.CodeForbidden, "not-class-holder", 0)
}

// TestClassCheckPackedShipment: packages shipped inside a container are
// marked in the holdings index like those shipped alone: their addressee,
// and then their owner, passes the class check of their lot.
func TestClassCheckPackedShipment(t *testing.T) {
	m := newLedger(t)
	_, _, c := observationBase(t, m) // c (lot L2) is packed in sscc1
	_, err := capture(t, m, whs, classEv("storing", lgtinL2))
	wantRule(t, err, chaincode.CodeForbidden, "not-class-holder", 0)
	mustCapture(t, m, mfr, at(shipEv(whsGLN, sscc1), 1))
	mustCapture(t, m, whs, at(classEv("arriving", lgtinL2), 2))
	mustCapture(t, m, whs, at(stepEv("receiving", sscc1), 3))
	mustCapture(t, m, whs, at(classEv("storing", lgtinL2), 4))
	if s := serialOf(t, m, c); s.Owner != whs {
		t.Errorf("packed serial after receipt: %+v", s)
	}
}

// TestObserveShortNameIsHeldToCustody: an observation naming another
// organisation's package by a Digital Link with short names (/gtin/.../ser/)
// is held to the same custody rule as one naming it by numbers, instead of
// passing as an identifier of something that is not a package.
func TestObserveShortNameIsHeldToCustody(t *testing.T) {
	m := newLedger(t)
	a := sgtin("SN1")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a))
	short := "https://id.gs1.org/gtin/" + gtin + "/ser/SN1"
	numeric := "https://id.gs1.org/01/" + gtin + "/21/SN1"
	for _, id := range []string{numeric, short} {
		_, err := capture(t, m, whs, stepEv("storing", id))
		if err == nil {
			t.Fatalf("the wholesaler observed the manufacturer's package as %s", id)
		}
	}
	mustCapture(t, m, mfr, stepEv("storing", short)) // its holder may
}

// TestClassCheckAfterCommissioningIntoAnotherOwnersLot: an organisation
// that, once a company prefix is attested to it, commissions into a lot
// the prefix's former owner created is marked in the holdings index, so it
// still passes the class check of that lot after the prefix moves on.
func TestClassCheckAfterCommissioningIntoAnotherOwnersLot(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("T1")))
	var pm, pw chaincode.Partner
	for _, q := range partners() {
		switch q.ID {
		case mfr:
			pm = q
		case whs:
			pw = q
		}
	}
	moveTo := func(to string) {
		t.Helper()
		m2, w2 := pm.Claims(), pw.Claims()
		if to == whs {
			m2.CompanyPrefixes = nil
			w2.CompanyPrefixes = append(slices.Clone(pw.CompanyPrefixes), pm.CompanyPrefixes...)
		}
		if to == whs { // the prefix leaves one before the other takes it
			attest(t, m, mfr, m2)
			attest(t, m, whs, w2)
		} else {
			attest(t, m, whs, w2)
			attest(t, m, mfr, m2)
		}
	}
	moveTo(whs)
	mustCapture(t, m, whs, at(commissionEv("L1", "2027-03-31", sgtin("T2")), 1))
	moveTo(mfr)
	mustCapture(t, m, whs, at(classEv("storing", lgtinL1), 2)) // it holds T2 of lot L1
}

// TestClassCheckSeesTheTransaction: the class check of an event sees what
// earlier events of the same capture did. A partner that receives its first
// package of a lot may observe the lot in the same capture; one that
// destroys its last package of a lot may not.
func TestClassCheckSeesTheTransaction(t *testing.T) {
	m := newLedger(t)
	p, q := sgtin("C1"), sgtin("C2")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", p, q), at(shipEv(whsGLN, p), 1))
	// The wholesaler has never held lot L1 before this capture.
	mustCapture(t, m, whs, at(stepEv("receiving", p), 2), at(classEv("storing", lgtinL1), 3))
	// Its only package of the lot destroyed earlier in the capture, the
	// same observation is refused, and the destruction with it.
	_, err := capture(t, m, whs, at(stepEv("destroying", p), 4), at(classEv("storing", lgtinL1), 5))
	wantRule(t, err, chaincode.CodeForbidden, "not-class-holder", 1)
	if s := serialOf(t, m, p); s.Status.Terminal() {
		t.Fatalf("a refused capture destroyed the package: %+v", s)
	}
}

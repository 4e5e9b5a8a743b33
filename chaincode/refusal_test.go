package chaincode_test

import (
	"slices"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// TestRefusals checks every capture rule's refusal: the code, the rule, the
// event index, and that the refused transaction changed nothing.
func TestRefusals(t *testing.T) {
	a, b := sgtin("X1"), sgtin("X2")
	// base: a and b commissioned by the manufacturer, b shipped to the
	// wholesaler and received; a is still the manufacturer's.
	base := func(t *testing.T, m *chaincodetest.Memory) {
		t.Helper()
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b), shipEv(whsGLN, b))
		mustCapture(t, m, whs, stepEv("receiving", b))
	}
	inTransit := func(t *testing.T, m *chaincodetest.Memory) {
		t.Helper()
		base(t, m)
		mustCapture(t, m, mfr, at(shipEv(whsGLN, a), 1))
	}
	packed := func(t *testing.T, m *chaincodetest.Memory) {
		t.Helper()
		base(t, m)
		mustCapture(t, m, mfr, packEv(sscc1, a))
	}
	noEPC := func(e epcis.Event) epcis.Event { e.EPCList = nil; return e }
	tests := []struct {
		name   string
		setup  func(*testing.T, *chaincodetest.Memory)
		org    string
		events []epcis.Event
		code   string
		rule   string
		index  int
		epc    string
	}{
		{"wrong company prefix", nil, mfr, []epcis.Event{commissionEv("L1", "2027-03-31", foreignEPC)}, chaincode.CodeForbidden, "not-prefix-owner", 0, foreignEPC},
		{"another's company prefix", nil, whs, []epcis.Event{commissionEv("L1", "2027-03-31", a)}, chaincode.CodeForbidden, "not-prefix-owner", 0, a},
		// The prefix comes before the serial's state: the refusal tells a
		// competitor nothing of whether the serial exists.
		{"another's company prefix, serial already commissioned", base, whs, []epcis.Event{commissionEv("L1", "2027-03-31", a)}, chaincode.CodeForbidden, "not-prefix-owner", 0, a},
		{"double commissioning", base, mfr, []epcis.Event{at(commissionEv("L1", "2027-03-31", a), 9)}, chaincode.CodeInvalid, "already-commissioned", 0, a},
		{"double commissioning in one batch, DL form", nil, mfr, []epcis.Event{commissionEv("L1", "2027-03-31", a), at(commissionEv("L1", "2027-03-31", sgtinDL("X1")), 1)}, chaincode.CodeInvalid, "already-commissioned", 1, sgtinDL("X1")},
		// Minutes ahead of the ledger's clock pass (the other rows' events
		// are); two hours ahead is a date that has not come.
		{"event in the future", base, mfr, []epcis.Event{at(shipEv(whsGLN, a), 120)}, chaincode.CodeInvalid, "event-time-in-future", 0, ""},
		{"an observation saying stolen", base, mfr, []epcis.Event{func() epcis.Event {
			e := at(stepEv("inspecting", a), 3)
			e.Disposition = "urn:epcglobal:cbv:disp:stolen"
			return e
		}()}, chaincode.CodeInvalid, "disposition-not-applied", 0, a},
		{"an observation saying dispensed", base, whs, []epcis.Event{func() epcis.Event {
			e := at(stepEv("", b), 3)
			e.Disposition = "dispensed"
			return e
		}()}, chaincode.CodeInvalid, "disposition-not-applied", 0, b},
		{"a shipment said stolen", base, mfr, []epcis.Event{func() epcis.Event {
			e := at(shipEv(whsGLN, a), 4)
			e.Disposition = "stolen"
			return e
		}()}, chaincode.CodeInvalid, "disposition-not-applied", 0, a},
		{"a commissioning said recalled", nil, mfr, []epcis.Event{func() epcis.Event {
			e := commissionEv("L7", "2027-03-31", sgtin("X7"))
			e.Disposition = "recalled"
			return e
		}()}, chaincode.CodeInvalid, "disposition-not-applied", 0, sgtin("X7")},
		{"lot required", nil, mfr, []epcis.Event{commissionEv("", "2027-03-31", a)}, chaincode.CodeInvalid, "lot-required", 0, a},
		{"expiry required", nil, mfr, []epcis.Event{commissionEv("L1", "", a)}, chaincode.CodeInvalid, "expiry-required", 0, a},
		{"bad expiry", nil, mfr, []epcis.Event{commissionEv("L1", "2027-13-01", a)}, chaincode.CodeInvalid, "bad-expiry", 0, ""},
		{"lot expiry mismatch", base, mfr, []epcis.Event{commissionEv("L1", "2028-01-31", sgtin("X3"))}, chaincode.CodeInvalid, "lot-expiry-mismatch", 0, sgtin("X3")},
		{"commissioning is ADD", nil, mfr, []epcis.Event{func() epcis.Event {
			e := commissionEv("", "", a)
			e.Action = epcis.ActionObserve
			return e
		}()}, chaincode.CodeInvalid, "commissioning-action", 0, ""},
		{"malformed EPC", nil, mfr, []epcis.Event{commissionEv("L1", "2027-03-31", "urn:epc:id:sgtin:0312345.06789.X")}, chaincode.CodeInvalid, "event-invalid", 0, "urn:epc:id:sgtin:0312345.06789.X"},
		{"an EPC that is neither SGTIN nor SSCC", nil, mfr, []epcis.Event{commissionEv("L1", "2027-03-31", "urn:epc:id:grai:0312345.01234.X1")}, chaincode.CodeInvalid, "bad-epc", 0, "urn:epc:id:grai:0312345.01234.X1"},
		{"no EPCs", base, mfr, []epcis.Event{noEPC(shipEv(whsGLN))}, chaincode.CodeInvalid, "epcs-required", 0, ""},
		{"unknown EPC", nil, mfr, []epcis.Event{shipEv(whsGLN, a)}, chaincode.CodeNotFound, "unknown-epc", 0, a},
		{"shipping what you do not own", base, whs, []epcis.Event{shipEv(pharmGLN, a)}, chaincode.CodeForbidden, "not-owner", 0, a},
		{"shipping to a lapsed licence", base, mfr, []epcis.Event{shipEv(rogueGLN, a)}, chaincode.CodeForbidden, "destination-not-atp", 0, partyURI(rogueGLN)},
		{"shipping to a regulator", base, mfr, []epcis.Event{shipEv(regGLN, a)}, chaincode.CodeForbidden, "destination-not-atp", 0, partyURI(regGLN)},
		{"shipping to an unknown GLN", base, mfr, []epcis.Event{shipEv("urn:epc:id:sgln:0344444.00000.0", a)}, chaincode.CodeInvalid, "unknown-destination", 0, "urn:epc:id:sgln:0344444.00000.0"},
		{"shipping without destination", base, mfr, []epcis.Event{func() epcis.Event { e := shipEv(whsGLN, a); e.DestinationList = nil; return e }()}, chaincode.CodeInvalid, "destination-required", 0, ""},
		{"shipping from another's source", base, mfr, []epcis.Event{func() epcis.Event {
			e := shipEv(whsGLN, a)
			e.SourceList = []epcis.SourceDest{{Type: "urn:epcglobal:cbv:sdt:owning_party", Value: "urn:epc:id:sgln:0377777.00000.0"}}
			return e
		}()}, chaincode.CodeForbidden, "source-not-caller", 0, "urn:epc:id:sgln:0377777.00000.0"},
		{"an owning party that is no GLN", base, mfr, []epcis.Event{shipEv("urn:example:party:7", a)}, chaincode.CodeInvalid, "bad-owning-party", 0, "urn:example:party:7"},
		{"shipping in transit", inTransit, mfr, []epcis.Event{at(shipEv(whsGLN, a), 5)}, chaincode.CodeInvalid, "in-transit", 0, a},
		{"shipping a packed item alone", packed, mfr, []epcis.Event{shipEv(whsGLN, a)}, chaincode.CodeInvalid, "packed-item-shipped-alone", 0, a},
		{"receiving what was not addressed to you", inTransit, pharm, []epcis.Event{stepEv("receiving", a)}, chaincode.CodeForbidden, "not-addressee", 0, a},
		{"receiving what is not in transit", base, whs, []epcis.Event{at(stepEv("receiving", b), 3)}, chaincode.CodeInvalid, "not-in-transit", 0, b},
		{"voiding another's shipment", inTransit, whs, []epcis.Event{stepEv("void_shipping", a)}, chaincode.CodeForbidden, "not-shipper", 0, a},
		{"voiding what is not in transit", base, mfr, []epcis.Event{stepEv("void_shipping", a)}, chaincode.CodeInvalid, "not-in-transit", 0, a},
		{"dispensing in transit", inTransit, mfr, []epcis.Event{stepEv("dispensing", a)}, chaincode.CodeInvalid, "in-transit", 0, a},
		{"dispensing what you do not own", base, pharm, []epcis.Event{stepEv("dispensing", b)}, chaincode.CodeForbidden, "not-owner", 0, b},
		{"terminal is final", base, whs, []epcis.Event{stepEv("decommissioning", b), at(shipEv(pharmGLN, b), 1)}, chaincode.CodeInvalid, "terminal", 1, b},
		{"packing what you do not own", base, whs, []epcis.Event{packEv(whsSSCC, a)}, chaincode.CodeForbidden, "not-owner", 0, a},
		{"commissioning an SSCC of another's prefix", base, whs, []epcis.Event{commissionEv("", "", sscc2)}, chaincode.CodeForbidden, "not-prefix-owner", 0, sscc2},
		{"packing into a new SSCC of another's prefix", base, whs, []epcis.Event{packEv(sscc2, b)}, chaincode.CodeForbidden, "not-prefix-owner", 0, sscc2},
		{"an SSCC of a prefix nobody owns", base, mfr, []epcis.Event{packEv("urn:epc:id:sscc:0399999.1000000001", a)}, chaincode.CodeForbidden, "not-prefix-owner", 0, "urn:epc:id:sscc:0399999.1000000001"},
		{"packing twice", packed, mfr, []epcis.Event{packEv(sscc2, a)}, chaincode.CodeInvalid, "already-packed", 0, a},
		// Another's SSCC is answered as a new one would be: its company
		// prefix is another's (TestHiddenSSCC).
		{"packing into another's container", packed, whs, []epcis.Event{packEv(sscc1, b)}, chaincode.CodeForbidden, "not-prefix-owner", 0, sscc1},
		{"packing cycle", packed, mfr, []epcis.Event{packEv(sscc2, sscc1), packEv(sscc1, sscc2)}, chaincode.CodeInvalid, "packing-cycle", 1, sscc2},
		{"an SGTIN parent must exist", base, mfr, []epcis.Event{packEv(sgtin("X9"), a)}, chaincode.CodeNotFound, "unknown-epc", 0, sgtin("X9")},
		{"a parent must be an identifier", base, mfr, []epcis.Event{packEv("urn:x:y", a)}, chaincode.CodeInvalid, "bad-parent", 0, "urn:x:y"},
		{"unpacking what is not inside", packed, mfr, []epcis.Event{commissionEv("L1", "2027-03-31", sgtin("X4")), unpackEv(sscc1, sgtin("X4"))}, chaincode.CodeInvalid, "not-in-container", 1, sgtin("X4")},
		{"unpacking an unknown container", base, mfr, []epcis.Event{unpackEv(sscc2)}, chaincode.CodeNotFound, "unknown-epc", 0, sscc2},
		{"an ObjectEvent DELETE outside the retiring steps", base, mfr, []epcis.Event{func() epcis.Event {
			e := stepEv("storing", a)
			e.Action = epcis.ActionDelete
			return e
		}()}, chaincode.CodeInvalid, "unsupported-event", 0, ""},
		{"an AggregationEvent ADD that is not packing", base, mfr, []epcis.Event{func() epcis.Event {
			e := packEv(sscc1, a)
			e.BizStep = "loading"
			return e
		}()}, chaincode.CodeInvalid, "unsupported-event", 0, ""},
		{"regulators do not capture", nil, reg, []epcis.Event{commissionEv("L1", "2027-03-31", a)}, chaincode.CodeForbidden, "regulator-read-only", -1, ""},
		{"unlicensed callers do not capture", nil, rogue, []epcis.Event{commissionEv("L1", "2027-03-31", a)}, chaincode.CodeForbidden, "caller-not-atp", -1, ""},
		{"unregistered callers do not capture", nil, "StrangerMSP", []epcis.Event{commissionEv("L1", "2027-03-31", a)}, chaincode.CodeForbidden, "caller-not-atp", -1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			if tc.setup != nil {
				tc.setup(t, m)
			}
			height, events := m.Height(), len(m.Events)
			before := snapshot(m)
			_, err := capture(t, m, tc.org, tc.events...)
			re := wantRule(t, err, tc.code, tc.rule, tc.index)
			if tc.index < 0 && re.EventIndex != nil {
				t.Errorf("unexpected event index %d", *re.EventIndex)
			}
			if re.EPC != tc.epc {
				t.Errorf("error EPC %q, want %q", re.EPC, tc.epc)
			}
			// A refusal reaches the caller (a capture job's errors): one about
			// an item the caller does not hold names no other organisation,
			// whose custody is not the caller's business. (Company prefix
			// and GLN owners are public in the partner records.)
			for _, other := range []string{mfr, whs, pharm, reg, rogue} {
				if custodyRules[tc.rule] && other != tc.org && strings.Contains(re.Detail, other) {
					t.Errorf("the refusal names %s to %s: %s", other, tc.org, re.Detail)
				}
			}
			if m.Height() != height || len(m.Events) != events || snapshot(m) != before {
				t.Error("the refused transaction changed the ledger")
			}
		})
	}
}

// custodyRules are the refusals of an item held by, or shipped by or to,
// another organisation.
var custodyRules = map[string]bool{"not-owner": true, "not-addressee": true, "not-shipper": true, "not-holder": true}

// snapshot renders the whole world state for before/after comparisons.
func snapshot(m *chaincodetest.Memory) string {
	var b strings.Builder
	for _, k := range m.Keys("") {
		b.WriteString(k)
		b.WriteByte('=')
		b.Write(m.GetState(k))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestT3Refusals checks the rules on transaction information.
func TestT3Refusals(t *testing.T) {
	a := sgtin("T1")
	good := chaincode.T3{Seller: mfr, Buyer: whs, TransactionDate: "2026-11-01", Products: []chaincode.T3Product{{GTIN: gtin, Quantity: 1}}}
	with := func(f func(*chaincode.T3)) []chaincode.T3 {
		x := good
		x.Products = slices.Clone(good.Products)
		f(&x)
		return []chaincode.T3{x}
	}
	tests := []struct {
		name   string
		t3     []chaincode.T3
		events []epcis.Event
		code   string
		rule   string
	}{
		{"seller is the submitter", with(func(x *chaincode.T3) { x.Seller = whs; x.Buyer = pharm }), []epcis.Event{shipEv(pharmGLN, a)}, chaincode.CodeForbidden, "t3-seller-not-caller"},
		{"buyer required", with(func(x *chaincode.T3) { x.Buyer = "" }), []epcis.Event{shipEv(whsGLN, a)}, chaincode.CodeInvalid, "t3-buyer-required"},
		{"buyer registered", with(func(x *chaincode.T3) { x.Buyer = "StrangerMSP" }), []epcis.Event{shipEv(whsGLN, a)}, chaincode.CodeInvalid, "t3-unknown-buyer"},
		{"date required", with(func(x *chaincode.T3) { x.TransactionDate = "" }), []epcis.Event{shipEv(whsGLN, a)}, chaincode.CodeInvalid, "t3-date-required"},
		{"products required", with(func(x *chaincode.T3) { x.Products = nil }), []epcis.Event{shipEv(whsGLN, a)}, chaincode.CodeInvalid, "t3-products-required"},
		{"positive quantity", with(func(x *chaincode.T3) { x.Products[0].Quantity = 0 }), []epcis.Event{shipEv(whsGLN, a)}, chaincode.CodeInvalid, "t3-product-invalid"},
		{"a shipment to the buyer", []chaincode.T3{good}, []epcis.Event{shipEv(pharmGLN, a)}, chaincode.CodeInvalid, "t3-without-shipment"},
	}
	t.Run("a shipment of the seller's own", func(t *testing.T) {
		// The wholesaler sends the manufacturer's shipping event again (a
		// duplicate, accepted) and tries to attach a sale of its own to it.
		m := newLedger(t)
		ship := shipEv(pharmGLN, a)
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a), ship)
		before := snapshot(m)
		forged := with(func(x *chaincode.T3) { x.Seller, x.Buyer = whs, pharm })
		_, err := captureT3(t, m, whs, forged, ship)
		wantRule(t, err, chaincode.CodeInvalid, "t3-without-shipment", -1)
		if snapshot(m) != before {
			t.Error("the refused transaction changed the ledger")
		}
		// The manufacturer's own retry still links its T3.
		res, err := captureT3(t, m, mfr, with(func(x *chaincode.T3) { x.Buyer = pharm }), ship)
		if err != nil || len(res.T3) != 1 || !res.Events[0].Duplicate {
			t.Fatalf("seller's retry: %+v %v", res, err)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a))
			before := snapshot(m)
			_, err := captureT3(t, m, mfr, tc.t3, tc.events...)
			wantRule(t, err, tc.code, tc.rule, -1)
			if snapshot(m) != before {
				t.Error("the refused transaction changed the ledger")
			}
		})
	}
}

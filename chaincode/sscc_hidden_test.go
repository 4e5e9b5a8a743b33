package chaincode_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// TestHiddenSSCC checks that every refusal about an SSCC the caller neither
// owns nor is the addressee of is the refusal of an SSCC never created, of
// the same company prefix: same code, rule, event index and words, so that
// nobody counts a competitor's pallets by their (often sequential) numbers.
func TestHiddenSSCC(t *testing.T) {
	const unknown = "urn:epc:id:sscc:0312345.1999999999" // the manufacturer's prefix, never created
	// hiddenBase: sscc1 (with a) is in transit from the manufacturer to the
	// wholesaler; sscc2 (with b) is the manufacturer's; sscc3 (with c) the
	// manufacturer sold to the wholesaler.
	hiddenBase := func(t *testing.T, m *chaincodetest.Memory) {
		t.Helper()
		a, b, c := sgtin("H1"), sgtin("H2"), sgtin("H3")
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b, c), packEv(sscc1, a), packEv(sscc2, b), packEv(sscc3, c), shipEv(whsGLN, sscc3))
		mustCapture(t, m, whs, stepEv("receiving", sscc3))
		mustCapture(t, m, mfr, at(shipEv(whsGLN, sscc1), 1))
	}
	type op struct {
		name string
		run  func(t *testing.T, m *chaincodetest.Memory, org, x string) error
	}
	event := func(name string, mk func(org, x string) epcis.Event) op {
		return op{name, func(t *testing.T, m *chaincodetest.Memory, org, x string) error {
			// A time of its own: an event equal to one anchored is a
			// duplicate, skipped.
			_, err := capture(t, m, org, at(mk(org, x), 20))
			return err
		}}
	}
	dest := func(org string) string { // an ATP partner other than the caller
		if org == mfr {
			return whsGLN
		}
		return mfrGLN
	}
	ops := []op{
		event("inspecting", func(_, x string) epcis.Event { return stepEv("inspecting", x) }),
		event("inspecting with another unknown SSCC after it", func(_, x string) epcis.Event {
			return stepEv("inspecting", x, "urn:epc:id:sscc:0312345.1999999998")
		}),
		event("aggregation observed", func(_, x string) epcis.Event { return aggregationObserveEv(x, sensorGIAI) }),
		event("a sensor on it", func(_, x string) epcis.Event { return associationEv(sensorGIAI, x) }),
		event("a transaction event", func(_, x string) epcis.Event { return transactionEv(x) }),
		event("receiving", func(_, x string) epcis.Event { return stepEv("receiving", x) }),
		event("receiving with another unknown SSCC after it", func(_, x string) epcis.Event {
			return stepEv("receiving", x, "urn:epc:id:sscc:0312345.1999999998")
		}),
		event("shipping", func(org, x string) epcis.Event { return shipEv(dest(org), x) }),
		event("void_shipping", func(_, x string) epcis.Event { return stepEv("void_shipping", x) }),
		event("decommissioning", func(_, x string) epcis.Event { return stepEv("decommissioning", x) }),
		event("destroying", func(_, x string) epcis.Event { return stepEv("destroying", x) }),
		event("packing into it", func(_, x string) epcis.Event { return packEv(x, sgtin("H9")) }),
		event("unpacking it", func(_, x string) epcis.Event { return unpackEv(x) }),
		event("unpacking it from a container of the caller's", func(org, x string) epcis.Event {
			e := unpackEv(x)
			e.ParentID, e.ChildEPCs = whsSSCC, []string{x}
			return e
		}),
		{"SetInvestigation", func(t *testing.T, m *chaincodetest.Memory, org, x string) error {
			_, err := m.Submit(org, chaincode.FnSetInvestigation, nil, x, "suspect")
			return err
		}},
		{"a capture's transient suspect", func(t *testing.T, m *chaincodetest.Memory, org, x string) error {
			tr := transient(t, []epcis.Event{stepEv("inspecting", assetGRAI)}, nil)
			tr[chaincode.TransientSuspect], _ = json.Marshal([]string{x})
			_, err := captureWith(t, m, org, tr)
			return err
		}},
	}
	cases := []struct {
		name, org, hidden string
	}{
		{"another's pallet", whs, sscc2},
		{"a pallet in transit between others", pharm, sscc1},
		{"a pallet the caller sold", mfr, sscc3},
	}
	for _, tc := range cases {
		for _, o := range ops {
			if tc.org == mfr && o.name == "packing into it" {
				// The prefix owner allocated the number: it is told that
				// the SSCC exists rather than have it created again
				// (TestSSCCHolderRefusals).
				continue
			}
			t.Run(tc.name+"/"+o.name, func(t *testing.T) {
				refusal := func(x string) (*chaincode.RuleError, string) {
					m := newLedger(t)
					hiddenBase(t, m)
					if tc.org == whs {
						// The wholesaler has a container of its own.
						mustCapture(t, m, whs, at(packEv(whsSSCC, sscc3), 5))
					}
					before, height := snapshot(m), m.Height()
					err := o.run(t, m, tc.org, x)
					if err == nil {
						t.Fatalf("%s accepted", x)
					}
					var re *chaincode.RuleError
					if !errors.As(err, &re) {
						t.Fatalf("want a RuleError, got %v", err)
					}
					if snapshot(m) != before || m.Height() != height {
						t.Fatal("the refused transaction changed the ledger")
					}
					id, perr := chaincode.ParseItemID(x)
					if perr != nil {
						t.Fatal(perr)
					}
					masked := *re
					masked.EventIndex = nil
					masked.EPC = strings.ReplaceAll(re.EPC, x, "X")
					masked.Detail = strings.ReplaceAll(strings.ReplaceAll(re.Detail, x, "X"), id.SSCC, "N")
					masked.Detail = strings.ReplaceAll(masked.Detail, id.DigitalLink(), "X")
					idx := -1
					if re.EventIndex != nil {
						idx = *re.EventIndex
					}
					return &masked, strings.Repeat("i", idx+1)
				}
				hidden, hi := refusal(tc.hidden)
				never, ni := refusal(unknown)
				if *hidden != *never || hi != ni {
					t.Fatalf("refusals differ:\n hidden  %+v (index %d)\n unknown %+v (index %d)", hidden, len(hi)-1, never, len(ni)-1)
				}
				// It names the caller (so does the unknown one's), never its
				// relation to the pallet.
				for _, relation := range []string{"owned by", "in transit to", "shipped to", "not-holder"} {
					if strings.Contains(hidden.Detail, relation) && hidden.Rule != "not-prefix-owner" {
						t.Errorf("refusal names the caller's relation (%q): %s", relation, hidden.Detail)
					}
				}
			})
		}
	}
}

// TestSSCCHolderRefusals checks that the owner and the addressee of an SSCC
// keep the precise refusals, and that the owner of its company prefix, who
// allocated it, is told it exists when it would create it again.
func TestSSCCHolderRefusals(t *testing.T) {
	m := newLedger(t)
	a, c := sgtin("H1"), sgtin("H3")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, c), packEv(sscc1, a), packEv(sscc3, c), shipEv(whsGLN, sscc1, sscc3))
	mustCapture(t, m, whs, stepEv("receiving", sscc3))
	tests := []struct {
		name, org string
		event     epcis.Event
		code      string
		rule      string
	}{
		{"the addressee ships it", whs, shipEv(pharmGLN, sscc1), chaincode.CodeForbidden, "not-owner"},
		{"the addressee decommissions it", whs, stepEv("decommissioning", sscc1), chaincode.CodeForbidden, "not-owner"},
		{"the addressee voids its shipment", whs, stepEv("void_shipping", sscc1), chaincode.CodeForbidden, "not-shipper"},
		{"the owner receives it", mfr, stepEv("receiving", sscc1), chaincode.CodeForbidden, "not-addressee"},
		{"the buyer receives it twice", whs, at(stepEv("receiving", sscc3), 1), chaincode.CodeInvalid, "not-in-transit"},
		{"the owner ships it again", mfr, at(shipEv(pharmGLN, sscc1), 1), chaincode.CodeInvalid, "in-transit"},
		{"the prefix owner packs into the pallet it sold", mfr, packEv(sscc3, sgtin("H9")), chaincode.CodeForbidden, "not-owner"},
		{"the prefix owner commissions it again", mfr, commissionEv("", "", sscc3), chaincode.CodeInvalid, "already-commissioned"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(m)
			_, err := capture(t, m, tc.org, tc.event)
			wantRule(t, err, tc.code, tc.rule, 0)
			if snapshot(m) != before {
				t.Fatal("the refused capture changed the ledger")
			}
		})
	}
	// The addressee observes it before receiving.
	mustCapture(t, m, whs, stepEv("inspecting", sscc1))
	_, err := m.Submit(whs, chaincode.FnSetInvestigation, nil, sscc1, "suspect")
	wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
}

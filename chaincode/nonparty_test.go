package chaincode_test

import (
	"encoding/json"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// TestNonPartyRefusals: a caller with no right to act on an item (not its
// owner, addressee, shipper or holder, as the rule requires) is refused for
// that, before any other rule looks at the item, so the refusal tells it
// nothing of the item's container (in any of its forms: URN, Digital Link,
// the SSCC's digits), status, seller or investigation. The party itself
// still learns which container holds the item (TestPartyLearnsContainer).
func TestNonPartyRefusals(t *testing.T) {
	x, y := sgtin("N1"), sgtin("N2")
	// packed: the manufacturer packs x in sscc1; y is sold to the
	// wholesaler (its seller is the manufacturer).
	packed := func(t *testing.T, m *chaincodetest.Memory) {
		t.Helper()
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", x, y), packEv(sscc1, x), shipEv(whsGLN, y))
		mustCapture(t, m, whs, stepEv("receiving", y))
	}
	// shipped: sscc1 (holding x) is in transit to the wholesaler.
	shipped := func(t *testing.T, m *chaincodetest.Memory) {
		t.Helper()
		packed(t, m)
		mustCapture(t, m, mfr, at(shipEv(whsGLN, sscc1), 1))
	}
	// suspect: sscc1 (holding x) is under the regulator's investigation.
	suspect := func(t *testing.T, m *chaincodetest.Memory) {
		t.Helper()
		packed(t, m)
		for _, to := range []string{"suspect", "quarantined"} {
			if _, err := m.Submit(reg, chaincode.FnSetInvestigation, nil, sscc1, to); err != nil {
				t.Fatal(err)
			}
		}
	}
	xform := epcis.Event{Type: epcis.TransformationEventType, BizStep: "repackaging", EventTime: start, EventTimeZoneOffset: "+00:00",
		InputEPCList: []string{x}}
	tests := []struct {
		name  string
		setup func(*testing.T, *chaincodetest.Memory)
		org   string
		event epcis.Event
		rule  string
		// hidden are further words the refusal must not hold: another
		// organisation's state.
		hidden []string
	}{
		{"shipping", packed, whs, shipEv(pharmGLN, x), "not-owner", []string{mfr, "active"}},
		{"shipping, Digital Link form", packed, whs, shipEv(pharmGLN, sgtinDL("N1")), "not-owner", nil},
		{"dispensing", packed, whs, stepEv("dispensing", x), "not-owner", nil},
		{"destroying", packed, whs, stepEv("destroying", x), "not-owner", nil},
		{"decommissioning", packed, whs, stepEv("decommissioning", x), "not-owner", nil},
		{"decommissioning in transit", shipped, pharm, stepEv("decommissioning", x), "not-owner", []string{whs, "transit"}},
		{"receiving what was shipped to another", shipped, pharm, stepEv("receiving", x), "not-addressee", []string{whs, "transit"}},
		{"receiving what was not shipped", packed, pharm, stepEv("receiving", x), "not-addressee", []string{"active", "not in transit"}},
		{"voiding another's shipment", shipped, pharm, stepEv("void_shipping", x), "not-shipper", []string{whs, "transit"}},
		{"voiding a shipment to the caller", shipped, whs, stepEv("void_shipping", x), "not-shipper", nil},
		{"voiding what was not shipped", packed, pharm, stepEv("void_shipping", x), "not-shipper", []string{"active", "not in transit"}},
		// A dispenser's returns go to its seller: another's package does not
		// tell it whose seller is whom.
		{"a dispenser ships another's package", packed, pharm, shipEv(whsGLN, y), "not-owner", []string{mfr}},
		{"a dispenser ships another's packed package", packed, pharm, shipEv(mfrGLN, x), "not-owner", nil},
		{"packing", packed, whs, packEv(whsSSCC, x), "not-owner", nil},
		{"repackaging", packed, whs, xform, "not-owner", nil},
		{"observing", packed, whs, stepEv("inspecting", x), "not-holder", nil},
		{"shipping under investigation", suspect, whs, shipEv(pharmGLN, x), "not-owner", []string{"quarantined", "suspect", reg}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			tc.setup(t, m)
			before := snapshot(m)
			_, err := capture(t, m, tc.org, at(tc.event, 9))
			re := wantRule(t, err, chaincode.CodeForbidden, tc.rule, 0)
			noContainer(t, re, sscc1)
			for _, h := range tc.hidden {
				if strings.Contains(re.Detail, h) {
					t.Errorf("the refusal to %s tells it %q: %s", tc.org, h, re.Detail)
				}
			}
			if snapshot(m) != before {
				t.Error("the refused transaction changed the ledger")
			}
		})
	}

	t.Run("investigation", func(t *testing.T) {
		for _, to := range []string{"suspect", "quarantined", "illegitimate", "cleared"} {
			for _, epc := range []string{x, sscc1} {
				m := newLedger(t)
				suspect(t, m)
				_, err := m.Submit(pharm, chaincode.FnSetInvestigation, nil, epc, to)
				// Another's SSCC is answered as an unknown one
				// (TestHiddenSSCC); a package's refusal names no container.
				code, rule := chaincode.CodeForbidden, "investigation-not-allowed"
				if epc == sscc1 {
					code, rule = chaincode.CodeNotFound, "unknown-epc"
				}
				re := wantRule(t, err, code, rule, -1)
				if epc == x {
					noContainer(t, re, sscc1)
				}
				for _, h := range []string{"regulator", reg, mfr, "quarantined", "inside"} {
					if h != to && strings.Contains(re.Detail, h) {
						t.Errorf("%s on %s: the refusal tells a non-party %q: %s", to, epc, h, re.Detail)
					}
				}
			}
		}
	})

	// A capture's transient "suspect" of a package the caller may not flag
	// is refused whether or not the package is under investigation already:
	// skipping it only when it is would tell the caller so.
	t.Run("transient suspect", func(t *testing.T) {
		for _, setup := range []func(*testing.T, *chaincodetest.Memory){packed, suspect} {
			m := newLedger(t)
			setup(t, m)
			// An event about no DSCSA product: the caller may send it.
			tr := transient(t, []epcis.Event{stepEv("inspecting", "urn:epc:id:giai:0377777.A1")}, nil)
			tr[chaincode.TransientSuspect] = []byte(`["` + x + `"]`)
			before := snapshot(m)
			_, err := captureWith(t, m, pharm, tr)
			re := wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
			noContainer(t, re, sscc1)
			if snapshot(m) != before {
				t.Error("the refused transaction changed the ledger")
			}
		}
	})
}

// TestPartyLearnsContainer: the owner, addressee or shipper of a packed item
// named without its container is told which container holds it.
func TestPartyLearnsContainer(t *testing.T) {
	x := sgtin("N1")
	link := containerForms(t, sscc1)[1]
	tests := []struct {
		name    string
		shipped bool
		org     string
		event   epcis.Event
		rule    string
	}{
		{"the owner ships", false, mfr, shipEv(whsGLN, x), "packed-item-shipped-alone"},
		{"the addressee receives", true, whs, stepEv("receiving", x), "packed-item-received-alone"},
		{"the shipper voids", true, mfr, stepEv("void_shipping", x), "packed-item-voided-alone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", x), packEv(sscc1, x))
			if tc.shipped {
				mustCapture(t, m, mfr, shipEv(whsGLN, sscc1))
			}
			_, err := capture(t, m, tc.org, at(tc.event, 5))
			re := wantRule(t, err, chaincode.CodeInvalid, tc.rule, 0)
			if !strings.Contains(re.Detail, link) {
				t.Errorf("the refusal to %s does not name the container %s: %s", tc.org, link, re.Detail)
			}
		})
	}
}

// containerForms returns the forms of the SSCC sscc a refusal could name
// it by: its URN, its Digital Link and its 18 digits.
func containerForms(t *testing.T, sscc string) []string {
	t.Helper()
	id, err := chaincode.ParseItemID(sscc)
	if err != nil {
		t.Fatal(err)
	}
	return []string{sscc, id.DigitalLink(), id.SSCC}
}

// noContainer fails the test when the refusal re names the container sscc
// in any form.
func noContainer(t *testing.T, re *chaincode.RuleError, sscc string) {
	t.Helper()
	raw, err := json.Marshal(re)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range containerForms(t, sscc) {
		if strings.Contains(string(raw), form) {
			t.Errorf("the refusal names the container %s: %s", form, raw)
		}
	}
}

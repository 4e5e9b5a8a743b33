package chaincode_test

import (
	"encoding/json"
	"slices"
	"testing"

	"rxledger/chaincode"
)

// TestReadLotViews checks who sees a lot's counts and holders: the GTIN
// owner and regulators see all; a trading partner sees only its own
// holding, not its competitors' stock nor the lot's size.
func TestReadLotViews(t *testing.T) {
	a, b, c := sgtin("V1"), sgtin("V2"), sgtin("V3")
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("LV", "2027-03-31", a, b, c), shipEv(whsGLN, a, b))
	mustCapture(t, m, whs, stepEv("receiving", a, b))
	mustCapture(t, m, whs, shipEv(pharmGLN, b))
	mustCapture(t, m, pharm, stepEv("receiving", b))

	everyone := []chaincode.LotHolding{{Org: mfr, Count: 1}, {Org: pharm, Count: 1}, {Org: whs, Count: 1}}
	tests := []struct {
		name       string
		org        string
		holders    []chaincode.LotHolding
		count      int
		restricted bool
	}{
		{"the GTIN owner sees every holder", mfr, everyone, 3, false},
		{"a regulator sees every holder", reg, everyone, 3, false},
		{"the wholesaler sees its own holding", whs, []chaincode.LotHolding{{Org: whs, Count: 1}}, 0, true},
		{"the pharmacy sees its own holding", pharm, []chaincode.LotHolding{{Org: pharm, Count: 1}}, 0, true},
		{"a partner holding none sees no holder", rogue, []chaincode.LotHolding{}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := m.Evaluate(tc.org, chaincode.FnReadLot, gtin, "LV")
			if err != nil {
				t.Fatal(err)
			}
			var l chaincode.LotStatus
			if err := json.Unmarshal(out, &l); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Holders, tc.holders) || l.Commissioned != tc.count || l.Restricted != tc.restricted {
				t.Fatalf("lot %+v, want holders %v commissioned %d restricted %v", l, tc.holders, tc.count, tc.restricted)
			}
			if l.Owner != mfr || l.Lot != "LV" {
				t.Errorf("lot record %+v", l.LotRecord)
			}
		})
	}
}

// TestReadLotRecord: every partner reads a lot's record alone (what
// verification needs), identical to the record in the owner's ReadLot, and
// without ReadLot's counts or holders; an unknown lot is not found.
func TestReadLotRecord(t *testing.T) {
	a, b := sgtin("R1"), sgtin("R2")
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("LR", "2027-03-31", a, b), shipEv(whsGLN, a))
	full := lotOf(t, m, "LR")
	want, err := json.Marshal(full.LotRecord)
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{mfr, whs, pharm, reg} {
		out, err := m.Evaluate(org, chaincode.FnReadLotRecord, gtin, "LR")
		if err != nil {
			t.Fatalf("%s: %v", org, err)
		}
		if string(out) != string(want) {
			t.Errorf("%s reads %s, want %s", org, out, want)
		}
		var fields map[string]any
		if err := json.Unmarshal(out, &fields); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"holders", "commissioned", "retired"} {
			if _, ok := fields[k]; ok {
				t.Errorf("%s: the lot record carries %q", org, k)
			}
		}
	}
	_, err = m.Evaluate(whs, chaincode.FnReadLotRecord, gtin, "NOPE")
	wantRule(t, err, chaincode.CodeNotFound, "unknown-lot", -1)
}

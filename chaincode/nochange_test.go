package chaincode_test

import (
	"encoding/json"
	"testing"

	"rxledger/chaincode"
)

// TestNoEmptyTransactions: a RecallLot, SetInvestigation or FlagSuspect
// that would change nothing is refused with a rule of its own, so that no
// transaction is written (the in-memory ledger commits a block for every
// call that succeeds), and the state is as it was. A caller that may not
// make the call at all is refused as before, learning nothing of the state.
func TestNoEmptyTransactions(t *testing.T) {
	m := newLedger(t)
	a, b, c, d := sgtin("N1"), sgtin("N2"), sgtin("N3"), sgtin("N4")
	mustCapture(t, m, mfr, commissionEv("LN", "2027-03-31", a, b, c, d), shipEv(whsGLN, a, b, c))
	mustCapture(t, m, whs, stepEv("receiving", a, b, c))
	if _, err := m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "LN", "contamination"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(whs, chaincode.FnSetInvestigation, nil, a, "suspect"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(whs, chaincode.FnSetInvestigation, nil, b, "suspect"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(whs, chaincode.FnSetInvestigation, nil, b, "quarantined"); err != nil {
		t.Fatal(err)
	}
	// A regulator's move to the state of the holder's suspicion is no
	// repeat: it makes the investigation the regulator's.
	if _, err := m.Submit(reg, chaincode.FnSetInvestigation, nil, a, "suspect"); err != nil {
		t.Fatal(err)
	}
	if s := serialOf(t, m, a); s.InvestigationBy != reg {
		t.Fatalf("a regulator's same-state move left the investigation to %q", s.InvestigationBy)
	}
	list := func(epcs ...string) string {
		raw, err := json.Marshal(epcs)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	tests := []struct {
		name       string
		org, fn    string
		args       []string
		code, rule string
		epc        string
	}{
		{"recall again, same reason", mfr, chaincode.FnRecallLot, []string{gtin, "LN", "contamination"}, chaincode.CodeInvalid, "already-recalled", gtin},
		{"recall again, another reason", mfr, chaincode.FnRecallLot, []string{gtin, "LN", "mislabelled"}, chaincode.CodeInvalid, "already-recalled", gtin},
		{"recall of a recalled lot by another", whs, chaincode.FnRecallLot, []string{gtin, "LN", "contamination"}, chaincode.CodeForbidden, "not-gtin-owner", gtin},
		{"recall of a recalled lot without a reason", mfr, chaincode.FnRecallLot, []string{gtin, "LN", ""}, chaincode.CodeInvalid, "recall-reason-invalid", gtin},
		{"move to the state it is in", whs, chaincode.FnSetInvestigation, []string{a, "suspect"}, chaincode.CodeInvalid, "investigation-unchanged", a},
		{"a move the caller may not make, to the state it is in", mfr, chaincode.FnSetInvestigation, []string{b, "quarantined"}, chaincode.CodeForbidden, "investigation-not-allowed", b},
		{"move a quarantined one to quarantined", whs, chaincode.FnSetInvestigation, []string{b, "quarantined"}, chaincode.CodeInvalid, "investigation-unchanged", b},
		{"regulator's move to the state it is in", reg, chaincode.FnSetInvestigation, []string{a, "suspect"}, chaincode.CodeInvalid, "investigation-unchanged", a},
		{"same-state move by a non-party", pharm, chaincode.FnSetInvestigation, []string{a, "suspect"}, chaincode.CodeForbidden, "investigation-not-allowed", a},
		{"flag none", whs, chaincode.FnFlagSuspect, []string{list()}, chaincode.CodeInvalid, "suspect-required", ""},
		{"flag null", whs, chaincode.FnFlagSuspect, []string{"null"}, chaincode.CodeInvalid, "suspect-required", ""},
		{"flag only what is under investigation", whs, chaincode.FnFlagSuspect, []string{list(a, b)}, chaincode.CodeInvalid, "already-under-investigation", a},
		{"flag what is under investigation as a non-party", pharm, chaincode.FnFlagSuspect, []string{list(a, b)}, chaincode.CodeForbidden, "investigation-not-allowed", a},
		{"flag one the caller may not among flagged ones", whs, chaincode.FnFlagSuspect, []string{list(a, d)}, chaincode.CodeForbidden, "investigation-not-allowed", d},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			height, lot, sa, sb := m.Height(), lotOf(t, m, "LN"), serialOf(t, m, a), serialOf(t, m, b)
			_, err := m.Submit(tt.org, tt.fn, nil, tt.args...)
			if re := wantRule(t, err, tt.code, tt.rule, -1); re.EPC != tt.epc {
				t.Errorf("refusal names %q, want %q", re.EPC, tt.epc)
			}
			if m.Height() != height {
				t.Fatalf("height %d, want %d: a transaction was written", m.Height(), height)
			}
			if l := lotOf(t, m, "LN"); l.RecallReason != lot.RecallReason || !l.RecallTime.Equal(*lot.RecallTime) {
				t.Errorf("lot %+v, was %+v", l.LotRecord, lot.LotRecord)
			}
			if s := serialOf(t, m, a); s.Custody != sa.Custody {
				t.Errorf("a %+v, was %+v", s.Custody, sa.Custody)
			}
			if s := serialOf(t, m, b); s.Custody != sb.Custody {
				t.Errorf("b %+v, was %+v", s.Custody, sb.Custody)
			}
		})
	}
	// A flag that moves one package of several still commits, naming it.
	if _, err := m.Submit(whs, chaincode.FnSetInvestigation, nil, c, "suspect"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, c, "cleared"); err != nil {
		t.Fatal(err)
	}
	out, err := m.Submit(whs, chaincode.FnFlagSuspect, nil, list(a, c))
	var fr chaincode.FlagResult
	if err == nil {
		err = json.Unmarshal(out, &fr)
	}
	if err != nil || len(fr.Suspect) != 1 || fr.Suspect[0] != c {
		t.Fatalf("flag a and the cleared c: %+v %v", fr, err)
	}
}

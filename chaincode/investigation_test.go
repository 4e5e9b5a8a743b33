package chaincode_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// TestInvestigation walks the state machine and its who-may rules. The
// package is held by the wholesaler; the manufacturer owns the GTIN.
func TestInvestigation(t *testing.T) {
	a := sgtin("S1")
	type step struct {
		org, state string
		code, rule string // empty: allowed
	}
	tests := []struct {
		name  string
		steps []step
		info  string // additionalInfo of verification at the end
	}{
		{"holder suspects, quarantines; manufacturer clears", []step{
			{whs, "suspect", "", ""}, {whs, "quarantined", "", ""}, {whs, "cleared", chaincode.CodeForbidden, "investigation-not-allowed"}, {mfr, "cleared", "", ""}}, ""},
		{"manufacturer suspects; holder finds illegitimate", []step{
			{mfr, "suspect", "", ""}, {whs, "illegitimate", "", ""}, {reg, "cleared", chaincode.CodeInvalid, "investigation-transition"}}, chaincode.InfoIllegitimate},
		{"regulator may do everything", []step{
			{reg, "suspect", "", ""}, {reg, "quarantined", "", ""}, {reg, "illegitimate", "", ""}}, chaincode.InfoIllegitimate},
		{"bystanders may not", []step{
			{pharm, "suspect", chaincode.CodeForbidden, "investigation-not-allowed"}}, ""},
		{"manufacturer does not quarantine what it does not hold", []step{
			{mfr, "suspect", "", ""}, {mfr, "quarantined", chaincode.CodeForbidden, "investigation-not-allowed"}}, chaincode.InfoSuspect},
		{"transitions follow the machine", []step{
			{whs, "quarantined", chaincode.CodeInvalid, "investigation-transition"}, {whs, "cleared", chaincode.CodeInvalid, "investigation-transition"}, {whs, "bogus", chaincode.CodeInvalid, "bad-investigation-state"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a), shipEv(whsGLN, a))
			mustCapture(t, m, whs, stepEv("receiving", a))
			for i, s := range tc.steps {
				_, err := m.Submit(s.org, chaincode.FnSetInvestigation, nil, a, s.state)
				if s.rule == "" {
					if err != nil {
						t.Fatalf("step %d %s->%s: %v", i, s.org, s.state, err)
					}
					if got := serialOf(t, m, a).Investigation; string(got) != s.state {
						t.Fatalf("step %d: state %q", i, got)
					}
					continue
				}
				wantRule(t, err, s.code, s.rule, -1)
			}
			r, err := verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "S1"})
			if err != nil || r.AdditionalInfo != tc.info {
				t.Fatalf("verification: %+v %v", r, err)
			}
		})
	}
}

// TestSuspectContainerBlocksTrade: a suspect case and its contents cannot be
// shipped or dispensed until cleared; destroying is allowed.
func TestSuspectContainerBlocksTrade(t *testing.T) {
	m := newLedger(t)
	a, b := sgtin("K1"), sgtin("K2")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b), packEv(sscc1, a, b))
	if _, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, sscc1, "suspect"); err != nil {
		t.Fatal(err)
	}
	if ce := lastEvent(t, m); len(ce.AllSerials()) != 2 || len(ce.Containers) != 1 {
		t.Fatalf("investigation event: %+v", ce)
	}
	_, err := capture(t, m, mfr, shipEv(whsGLN, sscc1))
	wantRule(t, err, chaincode.CodeInvalid, "under-investigation", 0)
	_, err = capture(t, m, mfr, stepEv("dispensing", a))
	wantRule(t, err, chaincode.CodeInvalid, "under-investigation", 0)
	// A package inside cannot be moved backwards by its container.
	if _, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, a, "illegitimate"); err != nil {
		t.Fatal(err)
	}
	_, err = m.Submit(reg, chaincode.FnSetInvestigation, nil, sscc1, "cleared")
	wantRule(t, err, chaincode.CodeInvalid, "investigation-transition", -1)
	if s := serialOf(t, m, a); s.Investigation != chaincode.InvestigationIllegitimate {
		t.Fatalf("illegitimate package downgraded: %+v", s)
	}
	_, err = m.Submit(mfr, chaincode.FnSetInvestigation, nil, sgtin("none"), "suspect")
	wantRule(t, err, chaincode.CodeNotFound, "unknown-epc", -1)
	mustCapture(t, m, mfr, stepEv("destroying", sscc1))
	for _, epc := range []string{a, b} {
		if s := serialOf(t, m, epc); s.Status != chaincode.StatusDestroyed {
			t.Fatalf("%s: %+v", epc, s)
		}
	}
	_, err = m.Submit(mfr, chaincode.FnSetInvestigation, nil, a, "cleared")
	wantRule(t, err, chaincode.CodeInvalid, "terminal", -1)
}

// TestClearingNeedsLicence checks that a GTIN owner whose licence has
// lapsed may still raise a suspicion but may not clear one, which would put
// the package back into trade.
func TestClearingNeedsLicence(t *testing.T) {
	a := sgtin("S9")
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a), shipEv(whsGLN, a))
	mustCapture(t, m, whs, stepEv("receiving", a))
	lapsed := partners()[0]
	attest(t, m, mfr, chaincode.Attestation{Roles: lapsed.Roles, Licenses: []chaincode.License{{Authority: "FDA", Number: "L-1", Expiry: start.Add(-time.Hour)}},
		CompanyPrefixes: lapsed.CompanyPrefixes, GLNs: lapsed.GLNs})
	if _, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, a, string(chaincode.InvestigationSuspect)); err != nil {
		t.Fatalf("a lapsed GTIN owner raises a suspicion: %v", err)
	}
	_, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, a, string(chaincode.InvestigationCleared))
	wantRule(t, err, chaincode.CodeForbidden, "caller-not-atp", -1)
	if got := serialOf(t, m, a).Investigation; got != chaincode.InvestigationSuspect {
		t.Fatalf("state %q after the refused clearing", got)
	}
	if _, err := m.Submit(reg, chaincode.FnSetInvestigation, nil, a, string(chaincode.InvestigationCleared)); err != nil {
		t.Fatalf("the regulator clears: %v", err)
	}
}

// TestRegulatorInvestigationOfContainer: a regulator's investigation of a
// container holds for everything in it; the holder escalates it, nobody
// but a regulator clears the container or a package in it, and a case's
// GTIN owner does not clear a case while a package packed in it is under a
// regulator's investigation.
func TestRegulatorInvestigationOfContainer(t *testing.T) {
	set := func(m *chaincodetest.Memory, org, epc, state string) error {
		_, err := m.Submit(org, chaincode.FnSetInvestigation, nil, epc, state)
		return err
	}
	must := func(t *testing.T, m *chaincodetest.Memory, org, epc, state string) {
		t.Helper()
		if err := set(m, org, epc, state); err != nil {
			t.Fatalf("%s sets %s on %s: %v", org, state, epc, err)
		}
	}
	refused := func(t *testing.T, err error) {
		t.Helper()
		re := wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
		if !strings.Contains(re.Detail, "regulator") {
			t.Fatalf("the refusal does not say a regulator opened the investigation: %s", re.Detail)
		}
	}
	// state checks an item's investigation and who answers for it.
	state := func(t *testing.T, m *chaincodetest.Memory, epc string, inv chaincode.Investigation, by string) {
		t.Helper()
		var c chaincode.Custody
		if strings.Contains(epc, ":sscc:") {
			out, err := m.Evaluate(mfr, chaincode.FnReadContainer, epc)
			if err != nil {
				t.Fatal(err)
			}
			var cc chaincode.ContainerContents
			if err := json.Unmarshal(out, &cc); err != nil || cc.Container == nil {
				t.Fatalf("%s: %v %s", epc, err, out)
			}
			c = cc.Container.Custody
		} else {
			c = serialOf(t, m, epc).Custody
		}
		if c.Investigation != inv || c.InvestigationBy != by {
			t.Fatalf("%s is %q by %q, want %q by %q", epc, c.Investigation, c.InvestigationBy, inv, by)
		}
	}

	t.Run("pallet", func(t *testing.T) {
		m := newLedger(t)
		a, b := sgtin("P1"), sgtin("P2")
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b), packEv(sscc1, a, b), shipEv(whsGLN, sscc1))
		mustCapture(t, m, whs, stepEv("receiving", sscc1))
		must(t, m, reg, sscc1, "suspect")
		for _, epc := range []string{sscc1, a, b} {
			state(t, m, epc, chaincode.InvestigationSuspect, reg)
		}
		// The holder escalates; the regulator still answers for it.
		must(t, m, whs, sscc1, "quarantined")
		for _, epc := range []string{sscc1, a, b} {
			state(t, m, epc, chaincode.InvestigationQuarantined, reg)
		}
		refused(t, set(m, whs, sscc1, "cleared"))
		// The manufacturer shipped the pallet away: for a container it is
		// neither holder nor GTIN owner, so it may make no move, and its
		// refusal says nothing of the investigation: it is the refusal of
		// an SSCC never created (TestHiddenSSCC).
		err := set(m, mfr, sscc1, "cleared")
		if re := wantRule(t, err, chaincode.CodeNotFound, "unknown-epc", -1); strings.Contains(re.Detail, "regulator") || strings.Contains(re.Detail, reg) || strings.Contains(re.Detail, "quarantined") {
			t.Fatalf("the refusal tells a non-party of the investigation: %s", re.Detail)
		}
		// The GTIN owner does not clear a package of the pallet either.
		refused(t, set(m, mfr, a, "cleared"))
		for _, epc := range []string{sscc1, a, b} {
			state(t, m, epc, chaincode.InvestigationQuarantined, reg)
		}
		must(t, m, reg, sscc1, "cleared")
		for _, epc := range []string{sscc1, a, b} {
			state(t, m, epc, chaincode.InvestigationCleared, "")
		}
		// A new investigation is the new opener's; the GTIN owner clears its own.
		must(t, m, mfr, a, "suspect")
		state(t, m, a, chaincode.InvestigationSuspect, mfr)
		must(t, m, mfr, a, "cleared")
		state(t, m, a, chaincode.InvestigationCleared, "")
	})

	t.Run("case with a package under a regulator's investigation", func(t *testing.T) {
		m := newLedger(t)
		kase := "urn:epc:id:sgtin:0312345.167890.C1"
		a, b := sgtin("Q1"), sgtin("Q2")
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", kase, a, b), packEv(kase, a, b))
		must(t, m, reg, a, "suspect")
		// The GTIN owner suspects the case: the package the regulator
		// suspects stays the regulator's.
		must(t, m, mfr, kase, "suspect")
		state(t, m, kase, chaincode.InvestigationSuspect, mfr)
		state(t, m, a, chaincode.InvestigationSuspect, reg)
		state(t, m, b, chaincode.InvestigationSuspect, mfr)
		err := set(m, mfr, kase, "cleared")
		refused(t, err)
		if re := wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1); !strings.Contains(re.Detail, "inside") {
			t.Fatalf("the refusal does not name the package inside: %s", re.Detail)
		}
		state(t, m, kase, chaincode.InvestigationSuspect, mfr)
		state(t, m, a, chaincode.InvestigationSuspect, reg)
		state(t, m, b, chaincode.InvestigationSuspect, mfr)
		// Escalating the case is allowed and keeps each one's opener.
		must(t, m, mfr, kase, "illegitimate")
		state(t, m, a, chaincode.InvestigationIllegitimate, reg)
		state(t, m, b, chaincode.InvestigationIllegitimate, mfr)
	})

	t.Run("case cleared once the regulator clears its package", func(t *testing.T) {
		m := newLedger(t)
		kase := "urn:epc:id:sgtin:0312345.167890.C2"
		a, b := sgtin("R1"), sgtin("R2")
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", kase, a, b), packEv(kase, a, b))
		must(t, m, reg, a, "suspect")
		must(t, m, mfr, kase, "suspect")
		must(t, m, reg, a, "cleared")
		must(t, m, mfr, kase, "cleared")
		for _, epc := range []string{kase, a, b} {
			state(t, m, epc, chaincode.InvestigationCleared, "")
		}
	})
}

// TestRegulatorTakesOverPackageInContainer: a regulator's move of a
// container reaches a package inside that is already in the target state
// (the holder moved it there first). The package is then under the
// regulator's investigation like the rest of the container: its GTIN owner
// may not clear it, so the holder cannot unpack it and put it back into
// trade while the regulator investigates the container.
func TestRegulatorTakesOverPackageInContainer(t *testing.T) {
	type step struct{ org, epc, state string }
	a, b := sgtin("T1"), sgtin("T2")
	tests := []struct {
		name  string
		steps []step
		state chaincode.Investigation
	}{
		{"suspect", []step{{whs, a, "suspect"}, {reg, sscc1, "suspect"}}, chaincode.InvestigationSuspect},
		{"quarantined", []step{{whs, sscc1, "suspect"}, {whs, a, "quarantined"}, {reg, sscc1, "quarantined"}}, chaincode.InvestigationQuarantined},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b), packEv(sscc1, a, b), shipEv(whsGLN, sscc1))
			mustCapture(t, m, whs, stepEv("receiving", sscc1))
			for _, s := range tc.steps {
				if _, err := m.Submit(s.org, chaincode.FnSetInvestigation, nil, s.epc, s.state); err != nil {
					t.Fatalf("%s sets %s on %s: %v", s.org, s.state, s.epc, err)
				}
			}
			if ce := lastEvent(t, m); len(ce.AllSerials()) != 2 {
				t.Fatalf("the regulator's move reports %d serials, want both", len(ce.AllSerials()))
			}
			for _, epc := range []string{a, b} {
				if s := serialOf(t, m, epc); s.Investigation != tc.state || s.InvestigationBy != reg {
					t.Fatalf("%s is %q by %q, want %q by %s", epc, s.Investigation, s.InvestigationBy, tc.state, reg)
				}
			}
			_, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, a, "cleared")
			wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
			mustCapture(t, m, whs, unpackEv(sscc1, a))
			_, err = capture(t, m, whs, stepEv("dispensing", a))
			wantRule(t, err, chaincode.CodeInvalid, "under-investigation", 0)
		})
	}
}

// TestCaptureFlagsSuspect: a capture's transient "suspect" flags packages
// suspect in the same transaction as its events (a wholesaler that
// quarantines what it receives), leaves alone what is already under
// investigation, so that a retried capture succeeds, and refuses the whole
// capture when any entry breaks a rule.
func TestCaptureFlagsSuspect(t *testing.T) {
	m := newLedger(t)
	a, b, c, d := sgtin("F1"), sgtin("F2"), sgtin("F3"), sgtin("F4")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b, c, d), shipEv(whsGLN, a, b, c))
	withSuspect := func(events []epcis.Event, suspect ...string) map[string][]byte {
		tr := transient(t, events, nil)
		raw, err := json.Marshal(suspect)
		if err != nil {
			t.Fatal(err)
		}
		tr[chaincode.TransientSuspect] = raw
		return tr
	}
	receiveAB := []epcis.Event{stepEv("receiving", a, b)}

	res, err := captureWith(t, m, whs, withSuspect(receiveAB, sgtinDL("F1")))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Suspect) != 1 || res.Suspect[0] != sgtinDL("F1") {
		t.Fatalf("flagged %v, want [%s]", res.Suspect, sgtinDL("F1"))
	}
	if s := serialOf(t, m, a); s.Owner != whs || s.Investigation != chaincode.InvestigationSuspect || s.InvestigationBy != whs {
		t.Fatalf("a after the capture: %+v", s.Custody)
	}
	if s := serialOf(t, m, b); s.Owner != whs || s.Investigation != chaincode.InvestigationNone {
		t.Fatalf("b after the capture: %+v", s.Custody)
	}
	// One chaincode event carries the receipt and the flag.
	flagged := 0
	for _, s := range lastEvent(t, m).AllSerials() {
		if s.Owner != whs {
			t.Fatalf("event serial %+v not received", s)
		}
		if s.Investigation == chaincode.InvestigationSuspect {
			flagged++
		}
	}
	if flagged != 1 {
		t.Fatalf("the capture's event shows %d suspect serials, want 1", flagged)
	}

	// The same capture again: its events are duplicates and a is left as it
	// is (still the wholesaler's suspicion); nothing is flagged twice.
	again, err := captureWith(t, m, whs, withSuspect(receiveAB, sgtinDL("F1")))
	if err != nil {
		t.Fatalf("retried capture: %v", err)
	}
	if len(again.Suspect) != 0 || !again.Events[0].Duplicate {
		t.Fatalf("retried capture: %+v", again)
	}
	// Already under the manufacturer's investigation: left to it.
	if _, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, b, "suspect"); err != nil {
		t.Fatal(err)
	}

	// Each refusal refuses the receipt of c too.
	receiveC := []epcis.Event{stepEv("receiving", c)}
	for _, tc := range []struct {
		name       string
		tr         map[string][]byte
		code, rule string
	}{
		{"not held by the caller", withSuspect(receiveC, c, d), chaincode.CodeForbidden, "investigation-not-allowed"},
		{"never commissioned", withSuspect(receiveC, c, sgtin("NEVER")), chaincode.CodeNotFound, "unknown-epc"},
		{"not an EPC", withSuspect(receiveC, "F5"), chaincode.CodeInvalid, "bad-epc"},
		{"not a list", func() map[string][]byte {
			tr := transient(t, receiveC, nil)
			tr[chaincode.TransientSuspect] = []byte(`{"epc":"x"}`)
			return tr
		}(), chaincode.CodeInvalid, "suspect-decode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := captureWith(t, m, whs, tc.tr)
			re := wantRule(t, err, tc.code, tc.rule, -1)
			if tc.rule != "suspect-decode" && !strings.HasPrefix(re.Detail, chaincode.TransientSuspect+"[") {
				t.Errorf("detail %q does not name the list entry", re.Detail)
			}
			if s := serialOf(t, m, c); s.Owner != mfr || s.Status != chaincode.StatusInTransit || s.Investigation != chaincode.InvestigationNone {
				t.Fatalf("c after a refused capture: %+v", s.Custody)
			}
			if s := serialOf(t, m, d); s.Investigation != chaincode.InvestigationNone {
				t.Fatalf("d after a refused capture: %+v", s.Custody)
			}
		})
	}

	// b, already suspect, is skipped; c is received and flagged.
	res, err = captureWith(t, m, whs, withSuspect(receiveC, b, c))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Suspect) != 1 || res.Suspect[0] != c {
		t.Fatalf("flagged %v, want [%s]", res.Suspect, c)
	}
	if s := serialOf(t, m, b); s.InvestigationBy != mfr {
		t.Fatalf("b's investigation moved to %q", s.InvestigationBy)
	}
}

// TestFlagSuspect: FlagSuspect flags several packages in one transaction,
// leaves those already under investigation as they are (refusing, with no
// transaction, a flag of only such packages), and refuses them all when one
// may not be flagged by the caller.
func TestFlagSuspect(t *testing.T) {
	m := newLedger(t)
	a, b, c, d := sgtin("G1"), sgtin("G2"), sgtin("G3"), sgtin("G4")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b, c, d), shipEv(whsGLN, a, b, c))
	mustCapture(t, m, whs, stepEv("receiving", a, b, c))
	flag := func(org string, epcs ...string) (chaincode.FlagResult, error) {
		raw, err := json.Marshal(epcs)
		if err != nil {
			t.Fatal(err)
		}
		var r chaincode.FlagResult
		out, err := m.Submit(org, chaincode.FnFlagSuspect, nil, string(raw))
		if err == nil {
			err = json.Unmarshal(out, &r)
		}
		return r, err
	}
	r, err := flag(whs, a, b)
	if err != nil || len(r.Suspect) != 2 {
		t.Fatalf("flag a, b: %+v %v", r, err)
	}
	if ce := lastEvent(t, m); len(ce.AllSerials()) != 2 || ce.Function != chaincode.FnFlagSuspect {
		t.Fatalf("one event for both: %+v", ce)
	}
	height := m.Height()
	_, err = flag(whs, a, b)
	wantRule(t, err, chaincode.CodeInvalid, "already-under-investigation", -1)
	if m.Height() != height {
		t.Fatal("flagging them again wrote a transaction")
	}
	_, err = flag(whs, c, d)
	wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
	if s := serialOf(t, m, c); s.Investigation != chaincode.InvestigationNone {
		t.Fatalf("c after a refused flag: %+v", s.Custody)
	}
	_, err = flag(pharm, a)
	wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
	_, err = flag(whs, "not-an-epc")
	wantRule(t, err, chaincode.CodeInvalid, "bad-epc", -1)
}

package chaincode_test

import (
	"strings"
	"testing"

	"rxledger/chaincode"
)

// TestInvestigationMatrix tries every move of the investigation state
// machine, by every kind of organisation, from every state reached by every
// kind of opener, and compares the outcome with the specification, written
// here independently of the chaincode's tables:
//
//	from none or cleared:  suspect
//	from suspect:          quarantined, cleared, illegitimate
//	from quarantined:      illegitimate, cleared
//	from illegitimate:     nothing (final)
//
//	suspect:       holder, GTIN owner, regulator
//	quarantined:   holder, regulator
//	illegitimate:  holder, GTIN owner, regulator
//	cleared:       GTIN owner, regulator; and only a regulator when the
//	               investigation is a regulator's (a regulator opened it, or
//	               moved it on since)
//
// An organisation that is no party to the package (neither its holder, its
// GTIN owner nor a regulator) is refused as forbidden before anything else,
// with a detail that says nothing of the package's state. For a party, an
// impossible move is refused as invalid before its role is considered; a
// possible move by a party that may not make it is forbidden.
// After an allowed move the record names who answers for the investigation
// (investigationBy): the opener, a regulator once one has moved it, nobody
// once cleared. A refused move changes nothing.
func TestInvestigationMatrix(t *testing.T) {
	a := sgtin("M1")
	moves := map[string][]string{
		"":             {"suspect"},
		"cleared":      {"suspect"},
		"suspect":      {"quarantined", "cleared", "illegitimate"},
		"quarantined":  {"illegitimate", "cleared"},
		"illegitimate": nil,
	}
	type step struct{ org, state string }
	// starts are the ways to bring the package to a state: which
	// organisations moved it there, in order.
	starts := []struct {
		name string
		path []step
	}{
		{"none", nil},
		{"cleared after a regulator's investigation", []step{{reg, "suspect"}, {reg, "cleared"}}},
		{"cleared after the GTIN owner's investigation", []step{{mfr, "suspect"}, {mfr, "cleared"}}},
		{"suspect by the holder", []step{{whs, "suspect"}}},
		{"suspect by the GTIN owner", []step{{mfr, "suspect"}}},
		{"suspect by a regulator", []step{{reg, "suspect"}}},
		{"quarantined by the holder", []step{{whs, "suspect"}, {whs, "quarantined"}}},
		{"quarantined by the holder on the GTIN owner's suspicion", []step{{mfr, "suspect"}, {whs, "quarantined"}}},
		{"quarantined by the holder on a regulator's suspicion", []step{{reg, "suspect"}, {whs, "quarantined"}}},
		{"quarantined by a regulator on the GTIN owner's suspicion", []step{{mfr, "suspect"}, {reg, "quarantined"}}},
		{"quarantined by a regulator on the holder's suspicion", []step{{whs, "suspect"}, {reg, "quarantined"}}},
		{"quarantined by a regulator", []step{{reg, "suspect"}, {reg, "quarantined"}}},
		{"illegitimate by the holder", []step{{whs, "suspect"}, {whs, "illegitimate"}}},
		{"illegitimate by the GTIN owner", []step{{mfr, "suspect"}, {mfr, "illegitimate"}}},
		{"illegitimate by a regulator", []step{{reg, "suspect"}, {reg, "illegitimate"}}},
	}
	roles := []struct {
		name, org string
		party     bool
		may       map[string]bool
	}{
		{"holder", whs, true, map[string]bool{"suspect": true, "quarantined": true, "illegitimate": true}},
		{"GTIN owner", mfr, true, map[string]bool{"suspect": true, "illegitimate": true, "cleared": true}},
		{"regulator", reg, true, map[string]bool{"suspect": true, "quarantined": true, "illegitimate": true, "cleared": true}},
		{"bystander", pharm, false, map[string]bool{}},
	}
	// answerable follows a path: the opener answers, a regulator that moves
	// the package takes over, clearing ends the investigation.
	answerable := func(path []step) string {
		by := ""
		for _, s := range path {
			switch {
			case s.state == "cleared":
				by = ""
			case by == "", s.org == reg:
				by = s.org
			}
		}
		return by
	}
	tried := map[string]int{} // outcome -> count, to show every kind occurs
	for _, st := range starts {
		from := ""
		if n := len(st.path); n > 0 {
			from = st.path[n-1].state
		}
		for _, to := range []string{"suspect", "quarantined", "illegitimate", "cleared"} {
			for _, r := range roles {
				t.Run(st.name+" to "+to+" by "+r.name, func(t *testing.T) {
					m := newLedger(t)
					mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a), shipEv(whsGLN, a))
					mustCapture(t, m, whs, stepEv("receiving", a))
					for _, s := range st.path {
						if _, err := m.Submit(s.org, chaincode.FnSetInvestigation, nil, a, s.state); err != nil {
							t.Fatalf("reach: %s sets %s: %v", s.org, s.state, err)
						}
					}
					before := serialOf(t, m, a)
					by := answerable(st.path)
					if string(before.Investigation) != from || before.InvestigationBy != by {
						t.Fatalf("reached %q by %q, want %q by %q", before.Investigation, before.InvestigationBy, from, by)
					}
					_, err := m.Submit(r.org, chaincode.FnSetInvestigation, nil, a, to)
					possible := false
					for _, x := range moves[from] {
						possible = possible || x == to
					}
					regulators := by == reg && r.org != reg && to == "cleared"
					switch {
					case !r.party:
						re := wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
						for _, s := range []string{"suspect", "quarantined", "illegitimate", "cleared", "regulator", reg, whs, mfr} {
							if s != to && strings.Contains(re.Detail, s) {
								t.Fatalf("the refusal of a non-party names %q: %s", s, re.Detail)
							}
						}
						tried["forbidden: no party"]++
					case from == to && !r.may[to]:
						// A party that may not make the move is told so, not
						// that it is done.
						wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
						tried["forbidden: unchanged"]++
					case from == to && !(r.org == reg && to != "cleared" && by != reg):
						// A move that would change nothing is refused
						// (no transaction), told apart from an impossible one.
						wantRule(t, err, chaincode.CodeInvalid, "investigation-unchanged", -1)
						tried["invalid: unchanged"]++
					case from == to:
						// A regulator's move to the state of another's
						// investigation takes it over (falls through to the
						// allowed move below).
						if err != nil {
							t.Fatalf("a regulator's takeover refused: %v", err)
						}
						after := serialOf(t, m, a)
						if string(after.Investigation) != to || after.InvestigationBy != reg {
							t.Fatalf("after the takeover: %q by %q", after.Investigation, after.InvestigationBy)
						}
						tried["allowed: takeover"]++
						return
					case !possible:
						wantRule(t, err, chaincode.CodeInvalid, "investigation-transition", -1)
						tried["invalid"]++
					case !r.may[to]:
						wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
						tried["forbidden"]++
					case regulators:
						re := wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
						if !strings.Contains(re.Detail, "regulator") {
							t.Fatalf("the refusal does not say a regulator opened the investigation: %s", re.Detail)
						}
						tried["forbidden: the regulator's"]++
					case err != nil:
						t.Fatalf("allowed move refused: %v", err)
					default:
						after := serialOf(t, m, a)
						want := answerable(append(append([]step{}, st.path...), step{r.org, to}))
						if string(after.Investigation) != to || after.InvestigationBy != want {
							t.Fatalf("after the move: %q by %q, want %q by %q", after.Investigation, after.InvestigationBy, to, want)
						}
						tried["allowed"]++
						return
					}
					if after := serialOf(t, m, a); after.Investigation != before.Investigation || after.InvestigationBy != before.InvestigationBy {
						t.Fatalf("a refused move changed the record: %q by %q", after.Investigation, after.InvestigationBy)
					}
				})
			}
		}
	}
	for _, k := range []string{"invalid", "invalid: unchanged", "forbidden", "forbidden: unchanged", "forbidden: no party", "forbidden: the regulator's", "allowed", "allowed: takeover"} {
		if tried[k] == 0 {
			t.Errorf("no move ended %s", k)
		}
	}
	t.Logf("outcomes: %v", tried)
}

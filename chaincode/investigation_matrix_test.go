package chaincode_test

import (
	"testing"

	"rxledger/chaincode"
)

// TestInvestigationMatrix tries every move of the investigation state
// machine by every kind of organisation and compares the outcome with the
// specification, written here independently of the chaincode's tables:
//
//	from none or cleared:  suspect
//	from suspect:          quarantined, cleared, illegitimate
//	from quarantined:      illegitimate, cleared
//	from illegitimate:     nothing (final)
//
//	suspect:       holder, GTIN owner, regulator
//	quarantined:   holder, regulator
//	illegitimate:  holder, GTIN owner, regulator
//	cleared:       GTIN owner, regulator
//
// An impossible move is refused as invalid before the caller is considered;
// a possible move by an organisation that may not make it is forbidden.
func TestInvestigationMatrix(t *testing.T) {
	a := sgtin("M1")
	moves := map[string][]string{
		"":             {"suspect"},
		"cleared":      {"suspect"},
		"suspect":      {"quarantined", "cleared", "illegitimate"},
		"quarantined":  {"illegitimate", "cleared"},
		"illegitimate": nil,
	}
	// reach lists the regulator's moves that bring the package to a state.
	reach := map[string][]string{
		"":             nil,
		"suspect":      {"suspect"},
		"quarantined":  {"suspect", "quarantined"},
		"illegitimate": {"suspect", "illegitimate"},
		"cleared":      {"suspect", "cleared"},
	}
	roles := []struct {
		name, org string
		may       map[string]bool
	}{
		{"holder", whs, map[string]bool{"suspect": true, "quarantined": true, "illegitimate": true}},
		{"GTIN owner", mfr, map[string]bool{"suspect": true, "illegitimate": true, "cleared": true}},
		{"regulator", reg, map[string]bool{"suspect": true, "quarantined": true, "illegitimate": true, "cleared": true}},
		{"bystander", pharm, map[string]bool{}},
	}
	for from, path := range reach {
		for _, to := range []string{"suspect", "quarantined", "illegitimate", "cleared"} {
			for _, r := range roles {
				t.Run(orNone(from)+" to "+to+" by "+r.name, func(t *testing.T) {
					m := newLedger(t)
					mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a), shipEv(whsGLN, a))
					mustCapture(t, m, whs, stepEv("receiving", a))
					for _, s := range path {
						if _, err := m.Submit(reg, chaincode.FnSetInvestigation, nil, a, s); err != nil {
							t.Fatalf("reach %s: %v", s, err)
						}
					}
					_, err := m.Submit(r.org, chaincode.FnSetInvestigation, nil, a, to)
					possible := false
					for _, x := range moves[from] {
						possible = possible || x == to
					}
					switch {
					case !possible:
						wantRule(t, err, chaincode.CodeInvalid, "investigation-transition", -1)
					case !r.may[to]:
						wantRule(t, err, chaincode.CodeForbidden, "investigation-not-allowed", -1)
					case err != nil:
						t.Fatalf("allowed move refused: %v", err)
					default:
						if got := serialOf(t, m, a).Investigation; string(got) != to {
							t.Fatalf("state %q after the move", got)
						}
					}
				})
			}
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

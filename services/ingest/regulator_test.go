package ingest_test

import (
	"net/url"
	"slices"
	"testing"

	"rxledger/services/platform/auth"
)

// TestRegulatorRoleNeedsRegulatorOrg checks that the regulator role of an
// API key opens every organisation's events only for a regulator
// organisation: a regulator-role key issued to the wholesaler (by mistake
// or by a compromised key administrator) sees what a wholesaler key sees.
func TestRegulatorRoleNeedsRegulatorOrg(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	const posing = "wholesaler-with-regulator-role"
	key, _, err := e.store.Issue(auth.Grant{Org: whs, Role: auth.Regulator})
	if err != nil {
		t.Fatal(err)
	}
	e.keys[posing] = key

	tests := []struct {
		name, org string
		want      []string
	}{
		{"the regulator organisation sees everything", reg, s.ids("commission", "containers", "pack", "ship", "receive", "later", "inspect")},
		{"a wholesaler with the regulator role sees its own events only", posing, s.ids("ship", "receive")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := e.query(tt.org, "")
			if ids := idsOf(got); !slices.Equal(ids, tt.want) {
				t.Fatalf("sees %v, want %v", ids, tt.want)
			}
		})
	}
	t.Run("a single event of another organisation is unknown", func(t *testing.T) {
		resp, b := e.do("GET", posing, "/epcis/events/"+url.PathEscape(s.id["commission"]), "", nil, nil)
		if resp.StatusCode != 404 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
}

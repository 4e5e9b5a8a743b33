package fabric

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/services/partners"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// TestPartnersServiceOnFabric onboards an organisation over HTTP through the
// partners service on a real Fabric network, as serve --ledger fabric
// mounts it with its --regulators: the organisation writes its own record
// (201, then 200), may not write another's, and is attested by the
// regulator; a regulator key issued to the wholesaler is refused by the
// service, and the chaincode's refusals come back with their rule.
func TestPartnersServiceOnFabric(t *testing.T) {
	p := network(t)
	if !strings.Contains(" "+p["RXL_FABRIC_CHAINCODES"]+" ", " rxledger ") {
		t.Skip("SKIPPED: the network has no rxledger chaincode (chaincode/cmd/rxledger-cc is missing); " + howToRun)
	}
	name := fmt.Sprintf("rxl-partners-%x", rand.Uint32())
	if out, err := runScript("define", name, "rxledger"); err != nil {
		t.Fatalf("define chaincode %s: %v\n%s", name, err, out)
	}
	l := newTestLedger(t, name)
	store, err := auth.OpenStore(filepath.Join(t.TempDir(), auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for n, g := range map[string]auth.Grant{
		"whs":              {Org: wholesaler, Role: auth.Wholesaler},
		"reg":              {Org: regulator, Role: auth.Regulator},
		"whs-as-regulator": {Org: wholesaler, Role: auth.Regulator},
	} {
		if keys[n], _, err = store.Issue(g); err != nil {
			t.Fatal(err)
		}
	}
	engine := httpx.NewEngine(httpx.EngineConfig{})
	partners.New(l, []string{regulator}, nil).Mount(engine, auth.Middleware(store))
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	do := func(key, path, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPut, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body == "" {
			req.Method = http.MethodGet
		}
		req.Header.Set("Authorization", "Bearer "+keys[key])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	const licence = `{"authority":"FDA","number":"LIC-9","expiry":"2099-01-01T00:00:00Z"}`
	record := `{"name":"Northwind","roles":["wholesaler"],"glns":["0614141000012"],"companyPrefixes":["0614141"],"licenses":[` + licence + `]}`
	attestation := `{"roles":["wholesaler"],"glns":["0614141000012"],"companyPrefixes":["0614141"],"licenses":[` + licence + `]}`
	problemOf := func(b []byte) problem.Body {
		var pb problem.Body
		if err := json.Unmarshal(b, &pb); err != nil {
			t.Fatalf("not a problem: %s", b)
		}
		return pb
	}

	if st, b := do("reg", "/partners/"+wholesaler+"/attestation", attestation); st != http.StatusNotFound || problemOf(b).Rule != "unknown-partner" {
		t.Fatalf("attesting before the record: %d %s, want 404 unknown-partner", st, b)
	}
	if st, b := do("whs", "/partners/"+wholesaler, record); st != http.StatusCreated {
		t.Fatalf("the wholesaler writes its record: %d %s", st, b)
	}
	if st, b := do("whs", "/partners/"+wholesaler, record); st != http.StatusOK {
		t.Fatalf("the wholesaler rewrites its record: %d %s", st, b)
	}
	if st, b := do("whs", "/partners/"+manufacturer, record); st != http.StatusForbidden {
		t.Fatalf("the wholesaler writes the manufacturer's record: %d %s, want 403", st, b)
	}
	if st, b := do("whs-as-regulator", "/partners/"+wholesaler+"/attestation", attestation); st != http.StatusForbidden ||
		!strings.Contains(problemOf(b).Detail, "not a configured regulator") {
		t.Fatalf("a regulator key of the wholesaler attests: %d %s, want 403", st, b)
	}
	st, b := do("reg", "/partners/"+wholesaler+"/attestation", attestation)
	var w partners.Written
	if st != http.StatusOK || json.Unmarshal(b, &w) != nil || w.Partner.Attested == nil || w.Block == 0 {
		t.Fatalf("the regulator attests: %d %s", st, b)
	}
	st, b = do("whs", "/partners/"+wholesaler, "")
	var got struct {
		Attested *struct {
			Roles []string `json:"roles"`
		} `json:"attested"`
	}
	if st != http.StatusOK || json.Unmarshal(b, &got) != nil || got.Attested == nil || len(got.Attested.Roles) != 1 {
		t.Fatalf("reading the attested record: %d %s", st, b)
	}
}

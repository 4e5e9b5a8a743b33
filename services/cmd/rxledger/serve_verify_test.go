package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rxledger/services/platform/auth"
	"rxledger/services/platform/config"
	"rxledger/services/platform/redistest"
	"rxledger/services/verify"
)

// TestServeVerifyReturns starts serve with the verify and returns roles on
// Redis and checks the wiring: routes behind the API key middleware, the
// chaincode's answers (a regulator asking about an unknown GTIN gets 404, a
// wholesaler without a partner record 403), the readiness checks, the
// metrics, and the cache check degrading (not failing) when Redis dies.
func TestServeVerifyReturns(t *testing.T) {
	r := redistest.Start(t)
	data := t.TempDir()
	keys, err := auth.OpenStore(filepath.Join(data, auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	regKey, _, err := keys.Issue(auth.Grant{Org: "RegulatorMSP", Role: auth.Regulator})
	if err != nil {
		t.Fatal(err)
	}
	whsKey, _, err := keys.Issue(auth.Grant{Org: "WholesalerMSP", Role: auth.Wholesaler})
	if err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "--data", data, "--roles", "verify,returns", "--redis", r.URL)
	if out := strings.Join(s.out, "\n"); !strings.Contains(out, "services: verify, returns") {
		t.Fatalf("start message:\n%s", out)
	}
	const lms = "/verify/01/00312345678906/21/S1"
	if status, _, b := s.get(t, lms); status != http.StatusUnauthorized {
		t.Fatalf("no key: %d %s", status, b)
	}
	if status, _, b := s.get(t, lms, "Authorization", "Bearer "+regKey); status != http.StatusNotFound {
		t.Fatalf("regulator, unknown GTIN: %d %s", status, b)
	}
	if status, _, b := s.get(t, lms, "Authorization", "Bearer "+whsKey); status != http.StatusForbidden {
		t.Fatalf("wholesaler without a partner record: %d %s", status, b)
	}
	// Partner onboarding comes with the ingest role, not with these.
	if status, _, b := s.get(t, "/partners/WholesalerMSP", "Authorization", "Bearer "+regKey); status != http.StatusNotFound ||
		!strings.Contains(string(b), "no resource at /partners/WholesalerMSP") {
		t.Fatalf("partner record without the ingest role: %d %s", status, b)
	}
	// So do the ledger's records.
	if status, _, b := s.get(t, "/lots/00312345678906/L1", "Authorization", "Bearer "+regKey); status != http.StatusNotFound ||
		!strings.Contains(string(b), "no resource at /lots/00312345678906/L1") {
		t.Fatalf("lot without the ingest role: %d %s", status, b)
	}
	body, _ := json.Marshal(map[string]string{"gtin": "00312345678906", "serial": "S1", "returnedBy": "0377777000008"})
	req, err := http.NewRequest(http.MethodPost, s.url+"/returns/check", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+regKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("regulator returns check: %d, want 403 (role)", resp.StatusCode)
	}
	status, ready := s.readyz(t)
	for _, name := range []string{"ledger", "cache", "verify-projection"} {
		if ok, found := checkOK(ready, name); !ok || !found {
			t.Errorf("check %s: %+v (status %d)", name, ready.Checks, status)
		}
	}
	if _, _, b := s.get(t, "/metrics"); !bytes.Contains(b, []byte("rxledger_verify_cache_hit_ratio")) ||
		!bytes.Contains(b, []byte("rxledger_verify_projection_lag_blocks")) || !bytes.Contains(b, []byte("rxledger_verify_auditor_mismatches_total")) {
		t.Errorf("metrics lack the verify service's")
	}

	r.Kill()
	if status, _, b := s.get(t, lms, "Authorization", "Bearer "+regKey); status != http.StatusNotFound {
		t.Fatalf("with Redis down: %d %s", status, b)
	}
	status, ready = s.readyz(t)
	if ok, found := checkOK(ready, "cache"); status != http.StatusOK || !ok || !found {
		t.Fatalf("with Redis down: readyz %d %+v, want ready with the cache degraded", status, ready.Checks)
	}
	_, _, b := s.get(t, "/readyz")
	if !bytes.Contains(b, []byte(`"degraded":true`)) {
		t.Fatalf("readyz does not say degraded: %s", b)
	}
	// go-redis's own complaints (dial failures) are structured log lines.
	if !strings.Contains(s.logs.String(), `"component":"redis"`) {
		t.Errorf("no structured line of go-redis with Redis down:\n%s", s.logs.String())
	}
}

// TestVerifyOptions: the verification service gets the settings of serve
// that are its own: --responder-gln (RXLEDGER_RESPONDER_GLN) and
// --verify-max-lag.
func TestVerifyOptions(t *testing.T) {
	env := map[string]string{"RXLEDGER_RESPONDER_GLN": "0312345000004"}
	cfg, err := config.Parse([]string{"--verify-max-lag", "0"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o := verifyOptions(cfg); o.ResponderGLN != "0312345000004" || !o.NoLag || o.MaxLag != 0 {
		t.Errorf("options %+v, want responder GLN 0312345000004 and no lag", o)
	}
	cfg, err = config.Parse(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o := verifyOptions(cfg); o.ResponderGLN != "" || o.NoLag || o.MaxLag != config.DefaultVerifyMaxLag ||
		o.AuditEvery != verify.DefaultAuditEvery || o.AbsentTTL != verify.DefaultAbsentTTL {
		t.Errorf("default options %+v, want the verification service's own defaults", o)
	}
	env = map[string]string{"RXLEDGER_VERIFY_ABSENT_TTL": "5s"}
	cfg, err = config.Parse([]string{"--verify-audit-every", "0"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o := verifyOptions(cfg); o.AuditEvery >= 0 || o.AbsentTTL != 5*time.Second {
		t.Errorf("options %+v, want no audit (negative) and absences kept 5s", o)
	}
	cfg, err = config.Parse([]string{"--verify-audit-every", "50"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o := verifyOptions(cfg); o.AuditEvery != 50 {
		t.Errorf("options %+v, want one answer in 50 audited", o)
	}
	for _, args := range [][]string{{"--verify-audit-every", "-1"}, {"--verify-absent-ttl", "0s"}} {
		if _, err := config.Parse(args, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("serve %v: error %v, want one naming %s", args, err, args[0])
		}
	}
}

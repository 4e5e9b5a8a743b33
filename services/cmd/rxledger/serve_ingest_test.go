package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rxledger/services/ingest"
	"rxledger/services/platform/auth"
)

// TestServeIngest starts serve with the ingest role and walks its routes:
// a capture is accepted and its job reports the chaincode's refusal (no
// partner is registered on a fresh ledger), queries answer, a regulator may
// not capture, partner onboarding and the records routes are mounted, and
// readiness and metrics include the service.
func TestServeIngest(t *testing.T) {
	data := t.TempDir()
	keys, err := auth.OpenStore(filepath.Join(data, auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	mfrKey, _, err := keys.Issue(auth.Grant{Org: "ManufacturerMSP", Role: auth.Manufacturer})
	if err != nil {
		t.Fatal(err)
	}
	regKey, _, err := keys.Issue(auth.Grant{Org: "RegulatorMSP", Role: auth.Regulator})
	if err != nil {
		t.Fatal(err)
	}
	// A key of the regulator's organisation with a trading partner's role,
	// issued before serve knew who the regulators are: serve refuses it.
	regMfrKey, _, err := keys.Issue(auth.Grant{Org: "RegulatorMSP", Role: auth.Manufacturer})
	if err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "--data", data, "--roles", "ingest")
	if out := strings.Join(s.out, "\n"); !strings.Contains(out, "services: ingest") {
		t.Fatalf("start message:\n%s", out)
	}
	doc := `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
"creationDate":"2026-11-01T12:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-11-01T12:00:00Z",
"eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0312345.067890.S1"],"action":"ADD","bizStep":"commissioning"}]}}`
	post := func(key string) *http.Response {
		req, err := http.NewRequest("POST", s.url+"/epcis/capture", bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/ld+json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post(regKey); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("regulator capture: %d", resp.StatusCode)
	}
	if resp := post(regMfrKey); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("capture with a manufacturer key of the regulator: %d", resp.StatusCode)
	}
	resp := post(mfrKey)
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get(ingest.HeaderCaptureLimit) == "" {
		t.Fatalf("capture: %d %v", resp.StatusCode, resp.Header)
	}
	loc := resp.Header.Get("Location")
	var job ingest.Job
	for job.CaptureID == "" || job.Running {
		if job.Running {
			time.Sleep(5 * time.Millisecond) // polling, not timing: the test's deadline bounds it
		}
		status, _, b := s.get(t, loc, "Authorization", "Bearer "+mfrKey)
		if status != 200 || json.Unmarshal(b, &job) != nil {
			t.Fatalf("job: %d %s", status, b)
		}
	}
	if job.Success || len(job.Errors) != 1 || job.Errors[0].Rule != "caller-not-atp" {
		t.Fatalf("job on a ledger without partners: %+v", job)
	}
	if status, h, b := s.get(t, "/epcis/events", "Authorization", "Bearer "+regKey); status != 200 || h.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("query: %d %s", status, b)
	}
	// Partner onboarding is mounted with the ingest role: on a fresh
	// ledger the partners route answers that there is no record.
	if status, _, b := s.get(t, "/partners/ManufacturerMSP", "Authorization", "Bearer "+regKey); status != 404 ||
		!strings.Contains(string(b), "no partner record for ManufacturerMSP") {
		t.Fatalf("partner record: %d %s", status, b)
	}
	// So are the ledger's records: a lot, an item's history.
	if status, _, b := s.get(t, "/lots/00312345678906/L1", "Authorization", "Bearer "+regKey); status != 404 ||
		!strings.Contains(string(b), `no lot \"L1\" of GTIN 00312345678906`) {
		t.Fatalf("lot: %d %s", status, b)
	}
	if status, _, b := s.get(t, "/items/"+url.PathEscape("https://id.gs1.org/01/00312345678906/21/S1")+"/history",
		"Authorization", "Bearer "+regKey); status != 404 || !strings.Contains(string(b), `"rule":"unknown-epc"`) {
		t.Fatalf("history: %d %s", status, b)
	}
	status, r := s.readyz(t)
	if ok, found := checkOK(r, "ingest"); status != 200 || !ok || !found {
		t.Fatalf("readyz %d %+v", status, r)
	}
	if _, _, b := s.get(t, "/metrics"); !strings.Contains(string(b), "rxledger_ingest_capture_jobs_total") ||
		!strings.Contains(string(b), "rxledger_ingest_projection_lag_blocks") {
		t.Fatal("metrics lack the ingest service's")
	}
}

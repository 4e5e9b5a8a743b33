package ingest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"rxledger/services/ingest"
	"rxledger/services/platform/problem"
)

// TestCaptureBindings captures one document in each binding and finds its
// events through the query interface.
func TestCaptureBindings(t *testing.T) {
	e := newEnv(t, true, nil)
	for i, tt := range []struct {
		name, binding, contentType, format string
	}{
		{"JSON-LD", "json", ctJSON, "EPCIS 2.0 JSON-LD"},
		{"plain JSON media type", "json", "application/json", "EPCIS 2.0 JSON-LD"},
		{"XML 2.0", "xml", ctXML, "EPCIS 2.0 XML"},
		{"XML 1.2 as text/xml", "xml12", "text/xml; charset=utf-8", "EPCIS 1.2 XML"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lot := "L" + tt.binding + string(rune('A'+i))
			items := []string{sgtin(lot + "1"), sgtin(lot + "2")}
			doc := document(commission(i*10, lot, items...), ship(i*10+1, mfrSGLN, whsSGLN, items...))
			j := e.mustCapture(mfr, tt.contentType, encode(t, doc, tt.binding))
			if j.Format != tt.format || j.EventCount != 2 || j.EPCCount != 4 || j.TxID == "" || len(j.Errors) != 0 {
				t.Fatalf("job %+v", j)
			}
			if j.CaptureErrorBehaviour != ingest.BehaviourRollback || j.FinishedAt == nil {
				t.Fatalf("job %+v", j)
			}
			if len(j.T3) != 1 {
				t.Fatalf("the shipment's transaction information was not derived: job %+v", j)
			}
			got, _ := e.query(mfr, "MATCH_epc="+items[0])
			if want := hashIDs(t, doc.Events...); !slices.Equal(idsOf(got), want) {
				t.Fatalf("query found %v, want %v", idsOf(got), want)
			}
		})
	}
}

// TestCaptureResponses checks the job resource, its owner, and the limit
// headers on every capture response.
func TestCaptureResponses(t *testing.T) {
	e := newEnv(t, true, func(c *ingest.Config) { c.CaptureLimit, c.FileSizeLimit = 50, 200_000 })
	doc := encode(t, document(commission(0, "R1", sgtin("R1"))), "json")
	resp, b := e.do("POST", mfr, "/epcis/capture", ctJSON, doc, nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("capture: %d %s", resp.StatusCode, b)
	}
	if resp.Header.Get(ingest.HeaderCaptureLimit) != "50" || resp.Header.Get(ingest.HeaderCaptureFileSizeLimit) != "200000" {
		t.Fatalf("limits not advertised: %v", resp.Header)
	}
	var accepted ingest.Job
	if err := json.Unmarshal(b, &accepted); err != nil || accepted.CaptureID == "" || resp.Header.Get("Location") != "/epcis/capture/"+accepted.CaptureID {
		t.Fatalf("202 body %s, Location %q", b, resp.Header.Get("Location"))
	}
	// GS1's capture job table: running and successful is "still capturing,
	// no error so far"; running and not successful would be "rolling back".
	if !accepted.Running || !accepted.Success || len(accepted.Errors) != 0 {
		t.Fatalf("the 202's job %s: want running, successful so far, no errors", b)
	}
	j := e.job(mfr, resp.Header.Get("Location"))
	if !j.Success || j.CaptureID != accepted.CaptureID {
		t.Fatalf("job %+v", j)
	}

	tests := []struct {
		name, method, org, path string
		status                  int
	}{
		{"another organisation's job is unknown", "GET", whs, "/epcis/capture/" + j.CaptureID, http.StatusNotFound},
		{"unknown job", "GET", mfr, "/epcis/capture/00000000000000000000000000000000", http.StatusNotFound},
		{"no API key", "GET", "", "/epcis/capture/" + j.CaptureID, http.StatusUnauthorized},
		{"no API key to capture", "POST", "", "/epcis/capture", http.StatusUnauthorized},
		{"no API key to list the jobs", "GET", "", "/epcis/capture", http.StatusUnauthorized},
		{"regulator may not capture", "POST", reg, "/epcis/capture", http.StatusForbidden},
		{"options advertise the limits", "OPTIONS", mfr, "/epcis/capture", http.StatusNoContent},
		{"list of own jobs", "GET", mfr, "/epcis/capture", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do(tt.method, tt.org, tt.path, ctJSON, doc, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s: %d %s", tt.method, tt.path, resp.StatusCode, b)
			}
			// Every capture response advertises the limits, refusals of
			// the key or the role included.
			if resp.Header.Get(ingest.HeaderCaptureLimit) != "50" || resp.Header.Get(ingest.HeaderCaptureFileSizeLimit) != "200000" {
				t.Fatalf("limits not advertised: %v", resp.Header)
			}
			if tt.path == "/epcis/capture" && tt.status == http.StatusOK {
				var list []ingest.Job
				if err := json.Unmarshal(b, &list); err != nil || len(list) != 1 || list[0].CaptureID != j.CaptureID {
					t.Fatalf("job list %s", b)
				}
			}
			if tt.status >= 400 && resp.Header.Get("Content-Type") != problem.MediaType {
				t.Fatalf("error is not problem+json: %s", resp.Header.Get("Content-Type"))
			}
		})
	}
	// The other organisation's list does not show the job.
	_, b = e.do("GET", whs, "/epcis/capture", "", nil, nil)
	if string(b) != `[]` {
		t.Fatalf("wholesaler's job list %s", b)
	}
}

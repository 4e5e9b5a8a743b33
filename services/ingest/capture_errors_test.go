package ingest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ingest"
	"rxledger/services/platform/problem"
)

// TestCaptureRefusedDocuments sends documents that must be refused before
// anything is submitted, and checks each problem says where.
func TestCaptureRefusedDocuments(t *testing.T) {
	e := newEnv(t, true, func(c *ingest.Config) { c.CaptureLimit, c.FileSizeLimit = 3, 4000 })
	good := encode(t, document(commission(0, "X", sgtin("X1"))), "json")
	badEvent := document(commission(0, "X", sgtin("X1")), commission(1, "X", "not-a-uri"))
	badXML := strings.Replace(string(encode(t, badEvent, "xml")), "not-a-uri", "also not a uri", 1)
	tooMany := encode(t, document(commission(0, "X", sgtin("A")), commission(1, "X", sgtin("B")), commission(2, "X", sgtin("C")), commission(3, "X", sgtin("D"))), "json")
	big := encode(t, document(commission(0, "X", manySGTINs(200)...)), "json")
	badExpiry := commission(1, "X", sgtin("BE1"))
	badExpiry.ILMD[1].Text = "2028-02-30"
	longLot := commission(2, strings.Repeat("L", 21), sgtin("LL1"))
	tests := []struct {
		name        string
		contentType string
		body        []byte
		header      map[string]string
		status      int
		where       problem.Location // a location the problem must list
	}{
		{name: "malformed JSON says line and column", contentType: ctJSON, body: []byte("{\n  \"type\": \"EPCISDocument\",\n  oops\n}"),
			status: 400, where: problem.Location{Line: 3}},
		{name: "invalid event says index and field", contentType: ctJSON, body: encode(t, badEvent, "json"),
			status: 400, where: problem.Location{Index: problem.Index(1), Field: "epcisBody.eventList[1].epcList[0]"}},
		{name: "invalid XML event says index, line and column", contentType: ctXML, body: []byte(badXML),
			status: 400, where: problem.Location{Index: problem.Index(1)}},
		{name: "malformed XML says line", contentType: ctXML, body: []byte("<?xml version=\"1.0\"?>\n<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:2\">\n<EPCISBody><EventList><ObjectEvent></EventList>"),
			status: 400, where: problem.Location{Line: 3}},
		{name: "query document is not a capture", contentType: ctJSON,
			body:   encode(t, &epcis.Document{SchemaVersion: "2.0", CreationDate: base, Query: &epcis.QueryResults{QueryName: "SimpleEventQuery"}, Events: badEvent.Events[:1]}, "json"),
			status: 400},
		{name: "document without events", contentType: ctJSON, body: encode(t, document(), "json"), status: 400,
			where: problem.Location{Field: "epcisBody.eventList"}},
		{name: "unsupported media type", contentType: "text/csv", body: good, status: http.StatusUnsupportedMediaType},
		{name: "empty body", contentType: ctJSON, body: nil, status: 400},
		{name: "proceed behaviour is not supported", contentType: ctJSON, body: good, header: map[string]string{ingest.HeaderCaptureBehaviour: "proceed"},
			status: 400, where: problem.Location{Field: ingest.HeaderCaptureBehaviour}},
		{name: "unknown behaviour", contentType: ctJSON, body: good, header: map[string]string{ingest.HeaderCaptureBehaviour: "maybe"}, status: 400},
		{name: "more events than the capture limit", contentType: ctJSON, body: tooMany, status: 413},
		{name: "an expiry date that is no date, before the 202", contentType: ctJSON, body: encode(t, document(commission(0, "X", sgtin("OK1")), badExpiry), "json"),
			status: 400, where: problem.Location{Index: problem.Index(1)}},
		{name: "a lot too long, as XML, with its line", contentType: ctXML, body: encode(t, document(commission(0, "X", sgtin("OK1")), commission(1, "X", sgtin("OK2")), longLot), "xml"),
			status: 400, where: problem.Location{Index: problem.Index(2), Line: 7}},
		{name: "an EPC listed twice, before the 202", contentType: ctJSON, body: encode(t, document(commission(0, "X", sgtin("TW1"), sgtin("TW1"))), "json"),
			status: 400, where: problem.Location{Index: problem.Index(0)}},
		{name: "two eventList members, before the 202", contentType: ctJSON, status: 400, where: problem.Location{Field: "epcisBody.eventList"},
			body: bytes.Replace(encode(t, document(commission(0, "X", sgtin("DL1"))), "json"), []byte(`"eventList":[`), []byte(`"eventList":[],"eventList":[`), 1)},
		{name: "two EventList elements, before the 202", contentType: ctXML, status: 400,
			body: bytes.Replace(encode(t, document(commission(0, "X", sgtin("DL2"))), "xml"), []byte(`<EventList>`), []byte(`<EventList></EventList><EventList>`), 1)},
		{name: "larger than the file size limit", contentType: ctJSON, body: big, status: 413},
		{name: "an ILMD nested too deep", contentType: ctJSON, status: 413,
			body: []byte(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":["urn:epc:id:sgtin:0312345.067890.1"],"ilmd":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}]}}`)},
		{name: "nested too deep outside the events", contentType: ctJSON, status: 413,
			body: []byte(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z","x":` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `}`)},
	}
	h0, err := e.l.Height(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do("POST", mfr, "/epcis/capture", tt.contentType, tt.body, tt.header)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if resp.Header.Get("Content-Type") != problem.MediaType {
				t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
			if resp.Header.Get(ingest.HeaderCaptureLimit) != "3" || resp.Header.Get(ingest.HeaderCaptureFileSizeLimit) != "4000" {
				t.Fatalf("limits not advertised on a refusal: %v", resp.Header)
			}
			if resp.Header.Get("Location") != "" {
				t.Fatal("a refused document got a job")
			}
			var p problem.Body
			if err := json.Unmarshal(b, &p); err != nil || p.Detail == "" {
				t.Fatalf("problem %s", b)
			}
			if tt.where != (problem.Location{}) && !hasLocation(p.Errors, tt.where) {
				t.Fatalf("problem does not say where (%+v): %s", tt.where, b)
			}
			if slices.Contains(p.Errors, problem.Location{}) {
				t.Fatalf("problem lists an empty location: %s", b)
			}
		})
	}
	t.Run("XML problems carry line and column", func(t *testing.T) {
		_, b := e.do("POST", mfr, "/epcis/capture", ctXML, []byte(badXML), nil)
		var p problem.Body
		if err := json.Unmarshal(b, &p); err != nil || len(p.Errors) == 0 || p.Errors[0].Line == 0 || p.Errors[0].Column == 0 {
			t.Fatalf("problem %s", b)
		}
	})
	t.Run("a body without Content-Length is cut at the limit while read", func(t *testing.T) {
		req, err := http.NewRequestWithContext(t.Context(), "POST", e.url+"/epcis/capture", io.MultiReader(bytes.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ctJSON)
		req.Header.Set("Authorization", "Bearer "+e.keys[mfr])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if req.ContentLength > 0 || resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("Content-Type") != problem.MediaType {
			t.Fatalf("chunked over-limit body: length %d, status %d %s", req.ContentLength, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
	if h, err := e.l.Height(t.Context()); err != nil || h != h0 {
		t.Fatalf("refused documents reached the ledger: height %d -> %d (%v)", h0, h, err)
	}
}

// hasLocation reports whether list has a location with every field of want
// that is set.
func hasLocation(list []problem.Location, want problem.Location) bool {
	for _, l := range list {
		if want.Field != "" && l.Field != want.Field || want.Line != 0 && l.Line != want.Line ||
			want.Index != nil && (l.Index == nil || *l.Index != *want.Index) {
			continue
		}
		return true
	}
	return false
}

func manySGTINs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = sgtin("MANY" + strconv.Itoa(i))
	}
	return out
}

// TestRecapture captures the same document twice: both jobs succeed and
// the events are on the ledger and in the index once.
func TestRecapture(t *testing.T) {
	e := newEnv(t, true, nil)
	items := []string{sgtin("RC1"), sgtin("RC2")}
	doc := document(commission(0, "RC", items...), ship(1, mfrSGLN, whsSGLN, items...))
	for _, binding := range []string{"json", "xml"} { // the second time in another binding
		body := encode(t, doc, binding)
		first := e.mustCapture(mfr, map[string]string{"json": ctJSON, "xml": ctXML}[binding], body)
		if binding == "json" && first.Duplicates != 0 || binding == "xml" && first.Duplicates != 2 {
			t.Fatalf("%s capture: %d duplicates", binding, first.Duplicates)
		}
	}
	got, _ := e.query(reg, "MATCH_anyEPC="+items[1])
	if len(got) != 2 {
		t.Fatalf("%d events after capturing the document twice, want 2: %v", len(got), idsOf(got))
	}
}

// TestChaincodeRefusal captures a document whose second event breaks a
// rule: the job fails with the rule, the event index and the EPC, and the
// first event is not applied either.
func TestChaincodeRefusal(t *testing.T) {
	e := newEnv(t, true, nil)
	foreign := "urn:epc:id:sgtin:0614141.012345.F1" // a company prefix the manufacturer does not own
	doc := document(commission(0, "OK", sgtin("OK1")), commission(1, "BAD", foreign))
	j := e.job(mfr, e.capture(mfr, ctJSON, encode(t, doc, "json")))
	if j.Success || j.Running || len(j.Errors) != 1 || j.FinishedAt == nil {
		t.Fatalf("job %+v", j)
	}
	je := j.Errors[0]
	if je.Rule == "" || je.EventIndex == nil || *je.EventIndex != 1 || je.EPC != foreign || je.Detail == "" || je.Status < 400 || je.Type == "" {
		t.Fatalf("job error does not say what and where: %+v", je)
	}
	if len(je.Where) != 1 || je.Where[0].Index == nil || *je.Where[0].Index != 1 {
		t.Fatalf("job error's location %+v, want event index 1", je.Where)
	}
	e.synced()
	if got, _ := e.query(reg, "MATCH_epc="+sgtin("OK1")); len(got) != 0 {
		t.Fatalf("the first event of a refused document was applied: %v", idsOf(got))
	}
	if _, err := e.l.Evaluate(t.Context(), mfr, chaincode.FnReadSerial, sgtin("OK1")); !problem.Is(err, problem.NotFound) {
		t.Fatalf("serial of a refused document: %v", err)
	}
}

// slowUpload starts a capture of doc by org whose body is sent in part and
// held back, so that its handler waits for the rest, holding its place;
// finish sends the rest and returns the answer's status.
func slowUpload(t *testing.T, e *env, org string, doc []byte) (finish func() int) {
	t.Helper()
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(t.Context(), "POST", e.url+"/epcis/capture", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.keys[org])
	req.Header.Set("Content-Type", ctJSON)
	status := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	if _, err := pw.Write(doc[:10]); err != nil {
		t.Fatal(err)
	}
	return func() int {
		if _, err := pw.Write(doc[10:]); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		return <-status
	}
}

// captureOnceWaiting posts, as org, a document that is no capture until it
// is not refused as one: until a slow upload's handler holds its place, the
// document gets a place and is a 400 (storing nothing); then it waits for
// one, and its answer is returned.
func captureOnceWaiting(e *env, org string) (*http.Response, []byte) {
	for range 200 {
		resp, b := e.do("POST", org, "/epcis/capture", ctJSON, []byte(`{"not":"epcis"}`), nil)
		if resp.StatusCode != http.StatusBadRequest {
			return resp, b
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatal("the slow upload never held its place")
	return nil, nil
}

// TestCaptureAcceptsBoundedDocumentsAtOnce: while Config.MaxAccepting
// documents are being read (here one, uploaded slowly), another capture
// waits Config.AcceptWait and is a 503 with Retry-After, having stored
// nothing; once the upload ends, captures are accepted again.
func TestCaptureAcceptsBoundedDocumentsAtOnce(t *testing.T) {
	e := newEnv(t, true, func(c *ingest.Config) { c.MaxAccepting, c.AcceptWait = 1, 50*time.Millisecond })
	finish := slowUpload(t, e, mfr, encode(t, document(commission(0, "AB", sgtin("AB1"))), "json"))

	other := encode(t, document(commission(0, "AB", sgtin("AB2"))), "json")
	h0, err := e.l.Height(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Until the slow upload's handler has its place, a document that is no
	// capture at all (so that nothing is stored should it get one) is
	// refused as invalid; then it waits and is a 503.
	resp, b := captureOnceWaiting(e, whs)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a capture while the only place is taken: %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	var p problem.Body
	if err := json.Unmarshal(b, &p); err != nil || p.Code != problem.Unavailable || !strings.Contains(p.Detail, "retry") {
		t.Fatalf("problem %s", b)
	}
	resp, b = e.do("GET", whs, "/epcis/capture", "", nil, nil)
	if resp.StatusCode != http.StatusOK || string(bytes.TrimSpace(b)) != "[]" {
		t.Fatalf("the refused capture left a job: %d %s", resp.StatusCode, b)
	}

	if status := finish(); status != http.StatusAccepted {
		t.Fatalf("the slow upload: %d", status)
	}
	e.mustCapture(mfr, ctJSON, other)
	if h, _ := e.l.Height(t.Context()); h <= h0 {
		t.Fatalf("height %d, want the captures after the refusal committed", h)
	}
}

// TestCaptureAdmissionIsShared: an organisation holds at most a quarter of the
// places of documents being read (here one of two), so while its slow
// upload holds its share its next capture is a 503 saying so, and another
// organisation's capture is accepted meanwhile.
func TestCaptureAdmissionIsShared(t *testing.T) {
	e := newEnv(t, true, func(c *ingest.Config) { c.MaxAccepting, c.AcceptWait = 2, 50*time.Millisecond })
	finish := slowUpload(t, e, mfr, encode(t, document(commission(0, "AS", sgtin("AS1"))), "json"))
	// The manufacturer's next document waits for its share, then is a 503
	// (a document that is no capture while the slow one has no place yet).
	resp, b := captureOnceWaiting(e, mfr)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "its share") {
		t.Fatalf("the manufacturer's second capture: %d %s", resp.StatusCode, b)
	}
	// The wholesaler is not kept out by the manufacturer's upload.
	e.mustCapture(whs, ctJSON, encode(t, document(commission(0, "AS", "urn:epc:id:sgtin:0388888.067890.AS2")), "json"))

	if status := finish(); status != http.StatusAccepted {
		t.Fatalf("the slow upload: %d", status)
	}
}

// TestCaptureTooSlowIsCutOff: an upload slower than MinUploadRate after
// UploadGrace is cut off with a 408 that says so, its place freed for the
// captures that wait, and nothing stored.
func TestCaptureTooSlowIsCutOff(t *testing.T) {
	e := newEnv(t, true, func(c *ingest.Config) {
		c.MaxAccepting, c.AcceptWait = 1, 5*time.Second
		c.MinUploadRate, c.UploadGrace = 1<<10, 100*time.Millisecond
	})
	pr, pw := io.Pipe()
	defer pw.Close()
	req, err := http.NewRequestWithContext(t.Context(), "POST", e.url+"/epcis/capture", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.keys[mfr])
	req.Header.Set("Content-Type", ctJSON)
	answer := make(chan []byte, 1)
	status := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			status <- 0
			answer <- []byte(err.Error())
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		status <- resp.StatusCode
		answer <- b
	}()
	if _, err := pw.Write([]byte(`{"@context":`)); err != nil { // then nothing more
		t.Fatal(err)
	}
	// Another organisation's capture waits for the place, which the cut-off
	// frees well within its AcceptWait.
	e.mustCapture(whs, ctJSON, encode(t, document(commission(0, "TS", "urn:epc:id:sgtin:0388888.067890.TS1")), "json"))
	if got := <-status; got != http.StatusRequestTimeout {
		t.Fatalf("the trickling upload: %d %s", got, <-answer)
	}
	var p problem.Body
	if b := <-answer; json.Unmarshal(b, &p) != nil || p.Code != problem.RequestTimeout || !strings.Contains(p.Detail, "slower than 1024 bytes a second") {
		t.Fatalf("problem %s", b)
	}
	resp, b := e.do("GET", mfr, "/epcis/capture", "", nil, nil)
	if resp.StatusCode != http.StatusOK || string(bytes.TrimSpace(b)) != "[]" {
		t.Fatalf("the cut-off upload left a job: %d %s", resp.StatusCode, b)
	}
}

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rxledger/services/demo"
)

// response is an HTTP answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request with an API key (none when key is empty) and reads
// the answer; a transport error fails the test.
func (n *node) call(method, path, key, contentType string, body []byte) response {
	n.t.Helper()
	r, err := n.send(method, path, key, contentType, body)
	if err != nil {
		n.t.Fatalf("%s %s: %v\n%s", method, path, err, n.output())
	}
	return r
}

// send is call for goroutines other than the test's: it returns transport
// errors (a crashed process) instead of failing the test.
func (n *node) send(method, path, key, contentType string, body []byte) (response, error) {
	req, err := http.NewRequest(method, n.base+path, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read body: %w", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// decode decodes the JSON body into out after checking the status.
func (r response) decode(t *testing.T, want int, out any) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d; want %d: %s", r.status, want, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// problemBody is the RFC 9457 body of a refusal.
type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	// Errors say where the problem is.
	Errors []struct {
		Field string `json:"field"`
		Line  int    `json:"line"`
	} `json:"errors"`
}

// wantProblem checks that r is a problem+json refusal with the status.
func (r response) wantProblem(t *testing.T, status int) problemBody {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d; want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type %q; want application/problem+json", ct)
	}
	var p problemBody
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", r.body, err)
	}
	if p.Status != status || p.Title == "" || p.Detail == "" || p.Code == "" {
		t.Fatalf("problem %+v: want status %d, a title, a detail and a code", p, status)
	}
	return p
}

// credentials reads the node's demo-credentials.json by organisation.
func (n *node) credentials() map[string]demo.Credential {
	n.t.Helper()
	list, err := demo.ReadCredentials(filepath.Join(n.data, demo.CredentialsFile))
	if err != nil {
		n.t.Fatal(err)
	}
	out := map[string]demo.Credential{}
	for _, c := range list {
		if c.APIKey == "" || c.GLN == "" || c.Role == "" {
			n.t.Fatalf("demo credential %+v lacks apiKey, gln or role", c)
		}
		out[c.Org] = c
	}
	for _, org := range []string{demo.Manufacturer, demo.Wholesaler, demo.Pharmacy, demo.Regulator} {
		if _, ok := out[org]; !ok {
			n.t.Fatalf("no demo credential for %s in %v", org, list)
		}
	}
	return out
}

// job is the part of a capture job the tests read.
type job struct {
	CaptureID string `json:"captureID"`
	Running   bool   `json:"running"`
	Success   bool   `json:"success"`
	Errors    []struct {
		Code   string `json:"code"`
		Rule   string `json:"rule"`
		Detail string `json:"detail"`
	} `json:"errors"`
	EventCount int    `json:"eventCount"`
	Duplicates int    `json:"duplicates"`
	Block      uint64 `json:"block"`
	// T3 are the IDs of the transaction information records the capture
	// wrote.
	T3 []string `json:"t3"`
}

// capture posts an EPCIS 2.0 JSON-LD document and returns the answer.
func (n *node) capture(key string, doc []byte) response {
	n.t.Helper()
	return n.call(http.MethodPost, "/epcis/capture", key, "application/ld+json", doc)
}

// mustCapture posts a document, expects 202 and waits for the job to
// succeed.
func (n *node) mustCapture(key string, doc []byte) job {
	n.t.Helper()
	r := n.capture(key, doc)
	if r.status != http.StatusAccepted {
		n.t.Fatalf("capture: status %d; want 202: %s", r.status, r.body)
	}
	j := n.waitJob(key, r.header.Get("Location"))
	if !j.Success || len(j.Errors) > 0 {
		n.t.Fatalf("capture job %s did not succeed: %+v", j.CaptureID, j)
	}
	return j
}

// waitJob polls a capture job until it is no longer running.
func (n *node) waitJob(key, location string) job {
	n.t.Helper()
	if !strings.HasPrefix(location, "/epcis/capture/") {
		n.t.Fatalf("capture Location %q; want /epcis/capture/{id}", location)
	}
	deadline := time.Now().Add(waitBound)
	for {
		var j job
		n.call(http.MethodGet, location, key, "", nil).decode(n.t, http.StatusOK, &j)
		if !j.Running {
			return j
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("capture job %s still running: %+v", location, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// queryDoc is the part of an EPCIS query document the tests read.
type queryDoc struct {
	EPCISBody struct {
		QueryResults struct {
			ResultsBody struct {
				EventList []struct {
					EventID string   `json:"eventID"`
					BizStep string   `json:"bizStep"`
					EPCList []string `json:"epcList"`
				} `json:"eventList"`
			} `json:"resultsBody"`
		} `json:"queryResults"`
	} `json:"epcisBody"`
}

// events runs an EPCIS query as key, following every next page, and
// returns the event IDs with their bizSteps.
func (n *node) events(key string, params url.Values) map[string]string {
	n.t.Helper()
	out := map[string]string{}
	path := "/epcis/events?" + params.Encode()
	for page := 0; path != ""; page++ {
		if page > 1000 {
			n.t.Fatalf("query %s: more than 1000 pages", params.Encode())
		}
		r := n.call(http.MethodGet, path, key, "", nil)
		var doc queryDoc
		r.decode(n.t, http.StatusOK, &doc)
		for _, e := range doc.EPCISBody.QueryResults.ResultsBody.EventList {
			if _, dup := out[e.EventID]; dup {
				n.t.Fatalf("query %s: event %s listed twice", params.Encode(), e.EventID)
			}
			out[e.EventID] = e.BizStep
		}
		path = nextLink(r.header.Get("Link"))
	}
	return out
}

// nextLink returns the URL of the rel="next" Link, or "".
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if strings.Contains(part, `rel="next"`) {
			if i, j := strings.Index(part, "<"), strings.Index(part, ">"); i >= 0 && j > i {
				return part[i+1 : j]
			}
		}
	}
	return ""
}

// lms is the part of an LMS verification answer the tests read.
type lms struct {
	Verified                  bool   `json:"verified"`
	VerificationFailureReason string `json:"verificationFailureReason"`
	AdditionalInfo            string `json:"additionalInfo"`
	CorrUUID                  string `json:"corrUUID"`
	ResponderGLN              string `json:"responderGLN"`
	LedgerHeight              uint64 `json:"ledgerHeight"`
	Source                    string `json:"source"`
}

// verifyPath is the LMS request path of a package.
func verifyPath(gtin, serial, lot, expiry string, extra url.Values) string {
	q := url.Values{"linkType": {"verificationService"}}
	if lot != "" {
		q.Set("10", lot)
	}
	if expiry != "" {
		q.Set("17", expiry)
	}
	for k, v := range extra {
		q[k] = v
	}
	return "/verify/01/" + gtin + "/21/" + url.PathEscape(serial) + "?" + q.Encode()
}

// verify verifies a package as key and expects 200.
func (n *node) verify(key, path string) lms {
	n.t.Helper()
	var a lms
	n.call(http.MethodGet, path, key, "", nil).decode(n.t, http.StatusOK, &a)
	return a
}

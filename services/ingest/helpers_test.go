package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ingest"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/ledger/embedded/embeddedtest"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
)

// The test consortium (the demo organisations).
const (
	mfr   = "ManufacturerMSP"
	whs   = "WholesalerMSP"
	pharm = "PharmacyMSP"
	reg   = "RegulatorMSP"
)

// Party GLNs as SGLNs, and the manufacturer's GTIN (company prefix 0312345).
const (
	mfrSGLN   = "urn:epc:id:sgln:0312345.00000.0"
	whsSGLN   = "urn:epc:id:sgln:0388888.00000.0"
	pharmSGLN = "urn:epc:id:sgln:0377777.00000.0"
	regSGLN   = "urn:epc:id:sgln:0366666.00000.0"
	// The GS1 US guideline example's parties (company prefixes 030001, 039999).
	exMfrSGLN1 = "urn:epc:id:sgln:030001.111111.0"
	exMfrSGLN2 = "urn:epc:id:sgln:030001.111121.0"
	exWhsSGLN1 = "urn:epc:id:sgln:039999.999999.0"
	exWhsSGLN2 = "urn:epc:id:sgln:039999.345678.0"
)

var base = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// env is a real embedded ledger running the real chaincode, the ingest
// service on it, and an HTTP server in front.
type env struct {
	t      testing.TB
	l      *embedded.Ledger
	dir    string // the service's data directory
	keys   map[string]string
	store  *auth.Store
	cfg    func(*ingest.Config)
	svc    *ingest.Service
	url    string
	stopFn func()
	// run starts the service's workers when it was started without.
	run func()
}

// newEnv opens a ledger with the four partners registered and starts the
// service (running its workers when run is true).
func newEnv(t testing.TB, run bool, cfg func(*ingest.Config)) *env {
	t.Helper()
	e := &env{t: t, l: openLedger(t), dir: t.TempDir(), keys: map[string]string{}, cfg: cfg}
	t.Cleanup(func() {
		e.stop()
		if err := e.l.Close(); err != nil {
			t.Errorf("close ledger: %v", err)
		}
	})
	e.registerPartners()
	var err error
	if e.store, err = auth.OpenStore(filepath.Join(t.TempDir(), auth.KeysFile)); err != nil {
		t.Fatal(err)
	}
	for org, role := range map[string]auth.Role{mfr: auth.Manufacturer, whs: auth.Wholesaler, pharm: auth.Dispenser, reg: auth.Regulator} {
		key, _, err := e.store.Issue(auth.Grant{Org: org, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		e.keys[org] = key
	}
	e.start(run)
	return e
}

// openLedger opens a fresh embedded ledger of the demo consortium running
// the real chaincode (embeddedtest.OpenDemo: it is closed at the test's
// end, if its user has not closed it before).
func openLedger(t testing.TB) *embedded.Ledger { return embeddedtest.OpenDemo(t) }

func (e *env) registerPartners() {
	e.t.Helper()
	gln := func(s string) string {
		g, err := chaincode.ParseGLN(s)
		if err != nil {
			e.t.Fatal(err)
		}
		return g
	}
	lic := []chaincode.License{{Authority: "FDA", Number: "LIC-1", Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}
	for _, p := range []chaincode.Partner{
		{ID: mfr, Name: "Acme Pharma", Roles: []chaincode.Role{chaincode.RoleManufacturer}, CompanyPrefixes: []string{"0312345", "030001"},
			GLNs: []string{gln(mfrSGLN), gln(exMfrSGLN1), gln(exMfrSGLN2)}, Licenses: lic},
		{ID: whs, Name: "Big Wholesale", Roles: []chaincode.Role{chaincode.RoleWholesaler}, CompanyPrefixes: []string{"0388888", "039999"},
			GLNs: []string{gln(whsSGLN), gln(exWhsSGLN1), gln(exWhsSGLN2)}, Licenses: lic},
		{ID: pharm, Name: "Corner Pharmacy", Roles: []chaincode.Role{chaincode.RoleDispenser}, GLNs: []string{gln(pharmSGLN)}, Licenses: lic},
		{ID: reg, Name: "FDA", Roles: []chaincode.Role{chaincode.RoleRegulator}, GLNs: []string{gln(regSGLN)}},
	} {
		raw, err := json.Marshal(p)
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.l.Submit(e.t.Context(), p.ID, ledgerTx(chaincode.FnPutPartner, string(raw))); err != nil {
			e.t.Fatalf("register %s: %v", p.ID, err)
		}
		att, err := json.Marshal(p.Claims())
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.l.Submit(e.t.Context(), reg, ledgerTx(chaincode.FnAttestPartner, p.ID, string(att))); err != nil {
			e.t.Fatalf("attest %s: %v", p.ID, err)
		}
	}
}

// start builds the service on the env's data directory and serves it.
func (e *env) start(run bool) {
	e.t.Helper()
	cfg := ingest.Config{Ledger: e.l, DataDir: e.dir}
	if e.cfg != nil {
		e.cfg(&cfg)
	}
	svc, err := ingest.New(cfg)
	if err != nil {
		e.t.Fatalf("new ingest service: %v", err)
	}
	engine := httpx.NewEngine(httpx.EngineConfig{MaxBodyBytes: 64 << 20})
	svc.Mount(engine, auth.Middleware(e.store))
	srv := httptest.NewServer(engine)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	running := false
	e.run = func() {
		running = true
		go func() { done <- svc.Run(ctx) }()
	}
	if run {
		e.run()
	}
	e.svc, e.url = svc, srv.URL
	e.stopFn = func() {
		srv.Close()
		cancel()
		if !running {
			done <- nil
		}
		if err := <-done; err != nil {
			e.t.Errorf("run: %v", err)
		}
		if err := svc.Close(); err != nil {
			e.t.Errorf("close service: %v", err)
		}
	}
}

func (e *env) stop() {
	if e.stopFn != nil {
		e.stopFn()
		e.stopFn = nil
	}
}

// restart stops the service and starts it again on the same data.
func (e *env) restart(run bool) {
	e.t.Helper()
	e.stop()
	e.start(run)
}

// do sends a request as org ("" for no key).
func (e *env) do(method, org, path, contentType string, body []byte, header map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if org != "" {
		req.Header.Set("Authorization", "Bearer "+e.keys[org])
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// capture posts a document and returns the job's Location.
func (e *env) capture(org, contentType string, doc []byte) string {
	e.t.Helper()
	resp, b := e.do("POST", org, "/epcis/capture", contentType, doc, nil)
	if resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("capture: %d %s", resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/epcis/capture/") {
		e.t.Fatalf("capture Location %q", loc)
	}
	return loc
}

// job polls a job until it has finished.
func (e *env) job(org, loc string) ingest.Job {
	e.t.Helper()
	for {
		resp, b := e.do("GET", org, loc, "", nil, nil)
		if resp.StatusCode != http.StatusOK {
			e.t.Fatalf("GET %s: %d %s", loc, resp.StatusCode, b)
		}
		var j ingest.Job
		if err := json.Unmarshal(b, &j); err != nil {
			e.t.Fatalf("decode job %s: %v", b, err)
		}
		if !j.Running {
			return j
		}
		select {
		case <-e.t.Context().Done():
			e.t.Fatalf("job %s still running when the test ended", loc)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// mustCapture captures a document, expects the job to succeed and waits
// until the query index holds it.
func (e *env) mustCapture(org, contentType string, doc []byte) ingest.Job {
	e.t.Helper()
	j := e.job(org, e.capture(org, contentType, doc))
	if !j.Success {
		e.t.Fatalf("capture job failed: %+v", j.Errors)
	}
	e.synced()
	return j
}

// synced waits until the query index holds every committed block.
func (e *env) synced() {
	e.t.Helper()
	if err := e.svc.WaitProjected(e.t.Context()); err != nil {
		e.t.Fatalf("wait for the projection: %v", err)
	}
}

// query runs GET /epcis/events?params as org and returns the events and
// the next page link.
func (e *env) query(org, params string) ([]epcis.Event, string) {
	e.t.Helper()
	resp, b := e.do("GET", org, "/epcis/events?"+params, "", nil, nil)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("query %s: %d %s", params, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/ld+json" {
		e.t.Fatalf("query Content-Type %q", ct)
	}
	doc, err := epcis.DecodeJSON(bytes.NewReader(b))
	if err != nil {
		e.t.Fatalf("decode query answer: %v\n%s", err, b)
	}
	if doc.Query == nil {
		e.t.Fatalf("answer is not an EPCISQueryDocument: %s", b)
	}
	return doc.Events, resp.Header.Get("Link")
}

// nextParams is the query string of a Link header's next page.
func nextParams(link string) string {
	return strings.TrimSuffix(strings.TrimPrefix(link, "</epcis/events?"), `>; rel="next"`)
}

// onePage is a query and the story's events it answers, on one page.
type onePage struct {
	name, params string
	want         []string
}

// checkOnePage runs each query as the regulator and checks its answer is
// the story's events named, in order, with no next page.
func checkOnePage(t *testing.T, e *env, s *story, tests []onePage) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, link := e.query(reg, tt.params)
			if want := s.ids(tt.want...); !slices.Equal(idsOf(got), want) {
				t.Fatalf("got %v\nwant %v", idsOf(got), want)
			}
			if link != "" {
				t.Fatalf("a single page has a next link %q", link)
			}
		})
	}
}

func ledgerTx(fn string, args ...string) ledger.Transaction {
	return ledger.Transaction{Function: fn, Args: args}
}

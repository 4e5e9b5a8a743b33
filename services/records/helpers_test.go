package records_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/ledger/embedded/embeddedtest"
	"rxledger/services/ledger/ledgertest"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/httpx/httpxtest"
	"rxledger/services/platform/problem"
	"rxledger/services/records"
)

// The demo consortium's organisations; RegulatorMSP is the chaincode's
// regulator.
const (
	mfr   = "ManufacturerMSP"
	whs   = "WholesalerMSP"
	pharm = "PharmacyMSP"
	reg   = "RegulatorMSP"
)

// Their party GLNs, as SGLNs.
const (
	mfrSGLN   = "urn:epc:id:sgln:0312345.00000.0"
	whsSGLN   = "urn:epc:id:sgln:0388888.00000.0"
	pharmSGLN = "urn:epc:id:sgln:0377777.00000.0"
	regSGLN   = "urn:epc:id:sgln:0366666.00000.0"
)

// The manufacturer's products (company prefix 0312345): a package GTIN,
// its case GTIN (indicator digit 1), and an expiry.
const (
	gtin     = "00312345678906"
	unitRef  = "0312345.067890."
	caseRef  = "0312345.167890."
	ssccRef  = "0312345."
	expiry   = "2099-12-31"
	ssccURN1 = "urn:epc:id:sscc:" + ssccRef + "1000000001"
)

// The API keys of the tests, by name: one per organisation with its own
// role, and some whose role does not fit their organisation.
const (
	keyMfr = "manufacturer"
	keyWhs = "wholesaler"
	keyPha = "pharmacy"
	keyReg = "regulator"
	// keyWhsRepackager is a repackager key of the wholesaler: it may ask
	// for a recall, which the chaincode refuses (not the lot's owner).
	keyWhsRepackager = "wholesaler with the repackager role"
	// keyWhsRegulator is a regulator-role key issued to the wholesaler,
	// which is not a configured regulator.
	keyWhsRegulator = "wholesaler with the regulator role"
	// keyRegWholesaler is a key of the regulator organisation without the
	// regulator role.
	keyRegWholesaler = "regulator with the wholesaler role"
)

// env is a real embedded ledger running the real chaincode (regulator
// RegulatorMSP) with the four demo organisations registered and attested,
// the records service on it behind the API key middleware, and an HTTP
// server in front.
type env struct {
	t      *testing.T
	l      *embedded.Ledger
	spy    *ledgertest.CountingClient
	url    string
	keys   map[string]string
	minute atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	l := embeddedtest.OpenDemo(t)
	e := &env{t: t, l: l, spy: &ledgertest.CountingClient{Client: l}, keys: map[string]string{}}
	e.registerPartners()
	store, err := auth.OpenStore(filepath.Join(t.TempDir(), auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]auth.Grant{
		keyMfr:           {Org: mfr, Role: auth.Manufacturer},
		keyWhs:           {Org: whs, Role: auth.Wholesaler},
		keyPha:           {Org: pharm, Role: auth.Dispenser},
		keyReg:           {Org: reg, Role: auth.Regulator},
		keyWhsRepackager: {Org: whs, Role: auth.Repackager},
		keyWhsRegulator:  {Org: whs, Role: auth.Regulator},
		keyRegWholesaler: {Org: reg, Role: auth.Wholesaler},
	} {
		if e.keys[name], _, err = store.Issue(g); err != nil {
			t.Fatal(err)
		}
	}
	// As serve does: the store knows the regulators (keyRegWholesaler,
	// issued before, is refused at every request).
	store.SetRegulators([]string{reg})
	engine := httpx.NewEngine(httpx.EngineConfig{})
	records.New(e.spy, []string{reg}, nil).Mount(engine, auth.Middleware(store))
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// gln is the GLN of an SGLN.
func (e *env) gln(sgln string) string {
	e.t.Helper()
	g, err := chaincode.ParseGLN(sgln)
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

// registerPartners writes each organisation's record and has the
// regulator attest it, licences valid until 2099.
func (e *env) registerPartners() {
	e.t.Helper()
	lic := []chaincode.License{{Authority: "FDA", Number: "LIC-1", Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}
	for _, p := range []chaincode.Partner{
		{ID: mfr, Name: "Acme Pharma", Roles: []chaincode.Role{chaincode.RoleManufacturer}, CompanyPrefixes: []string{"0312345"},
			GLNs: []string{e.gln(mfrSGLN)}, Licenses: lic},
		{ID: whs, Name: "Big Wholesale", Roles: []chaincode.Role{chaincode.RoleWholesaler}, CompanyPrefixes: []string{"0388888"},
			GLNs: []string{e.gln(whsSGLN)}, Licenses: lic},
		{ID: pharm, Name: "Corner Pharmacy", Roles: []chaincode.Role{chaincode.RoleDispenser}, GLNs: []string{e.gln(pharmSGLN)}, Licenses: lic},
		{ID: reg, Name: "FDA", Roles: []chaincode.Role{chaincode.RoleRegulator}, GLNs: []string{e.gln(regSGLN)}},
	} {
		e.submit(p.ID, chaincode.FnPutPartner, mustJSON(e.t, p))
		e.submit(reg, chaincode.FnAttestPartner, p.ID, mustJSON(e.t, p.Claims()))
	}
}

// submit submits a transaction straight to the ledger and expects it to
// be committed.
func (e *env) submit(org, fn string, args ...string) ledger.Receipt {
	e.t.Helper()
	r, err := e.l.Submit(e.t.Context(), org, ledger.Transaction{Function: fn, Args: args})
	if err != nil {
		e.t.Fatalf("%s as %s: %v", fn, org, err)
	}
	return r
}

// evaluate runs a query straight on the ledger and decodes its result.
func (e *env) evaluate(org string, out any, fn string, args ...string) error {
	e.t.Helper()
	raw, err := e.l.Evaluate(e.t.Context(), org, fn, args...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		e.t.Fatalf("decode %s: %v", raw, err)
	}
	return nil
}

// Event builders. Each event gets its own minute, so its own hash ID.

func (e *env) event(typ epcis.EventType, action epcis.Action, step string) epcis.Event {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(e.minute.Add(1)) * time.Minute)
	return epcis.Event{Type: typ, Action: action, BizStep: step, EventTime: at, EventTimeZoneOffset: "+00:00"}
}

func (e *env) commission(lot string, epcs ...string) epcis.Event {
	ev := e.event(epcis.ObjectEventType, epcis.ActionAdd, "commissioning")
	ev.EPCList, ev.Disposition = epcs, "active"
	ev.ILMD = []epcis.Element{
		{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot},
		{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: expiry},
	}
	return ev
}

func (e *env) pack(parent string, children ...string) epcis.Event {
	ev := e.event(epcis.AggregationEventType, epcis.ActionAdd, "packing")
	ev.ParentID, ev.ChildEPCs = parent, children
	return ev
}

// ship ships epcs to the organisation of the party SGLN to.
func (e *env) ship(to string, epcs ...string) epcis.Event {
	ev := e.event(epcis.ObjectEventType, epcis.ActionObserve, "shipping")
	ev.EPCList, ev.Disposition = epcs, "in_transit"
	ev.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/" + e.gln(to)}}
	return ev
}

func (e *env) step(bizStep string, epcs ...string) epcis.Event {
	ev := e.event(epcis.ObjectEventType, epcis.ActionObserve, bizStep)
	ev.EPCList = epcs
	return ev
}

// capture submits events (and T3 records) as org, with a salt.
func (e *env) capture(org string, t3s []chaincode.T3, events ...epcis.Event) (chaincode.CaptureResult, error) {
	e.t.Helper()
	tr := map[string][]byte{chaincode.TransientEvents: []byte(mustJSON(e.t, events)), chaincode.TransientSalt: chaincode.NewSalt()}
	if t3s != nil {
		tr[chaincode.TransientT3] = []byte(mustJSON(e.t, t3s))
	}
	var res chaincode.CaptureResult
	r, err := e.l.Submit(e.t.Context(), org, ledger.Transaction{Function: chaincode.FnCapture, Transient: tr})
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal(r.Result, &res); err != nil {
		e.t.Fatalf("decode capture result %s: %v", r.Result, err)
	}
	return res, nil
}

func (e *env) mustCapture(org string, t3s []chaincode.T3, events ...epcis.Event) chaincode.CaptureResult {
	e.t.Helper()
	res, err := e.capture(org, t3s, events...)
	if err != nil {
		e.t.Fatalf("capture as %s: %v", org, err)
	}
	return res
}

// sgtin is the SGTIN URN of a package of the manufacturer's GTIN.
func sgtin(serial string) string { return "urn:epc:id:sgtin:" + unitRef + url.PathEscape(serial) }

// caseSGTIN is the SGTIN URN of a case.
func caseSGTIN(serial string) string { return "urn:epc:id:sgtin:" + caseRef + serial }

// link is the canonical Digital Link of an SGTIN or SSCC.
func link(t *testing.T, epc string) string {
	t.Helper()
	id, err := chaincode.ParseItemID(epc)
	if err != nil {
		t.Fatal(err)
	}
	return id.DigitalLink()
}

// itemPath is the path of an item's route: the identifier as one segment
// (a Digital Link's '/' as %2F), then sub ("", "/history", "/investigation").
func itemPath(epc, sub string) string { return "/items/" + url.PathEscape(epc) + sub }

// response is an HTTP answer, read whole.
type response = httpxtest.Response

// do sends a request with the named key ("" for none) and reads the answer.
func (e *env) do(method, key, path, body string) response {
	e.t.Helper()
	apiKey := ""
	if key != "" {
		apiKey = e.keys[key]
	}
	return httpxtest.Do(e.t, method, e.url+path, apiKey, body)
}

// get sends a GET as key, expects 200 and decodes the answer into out.
func (e *env) get(key, path string, out any) {
	e.t.Helper()
	e.do(http.MethodGet, key, path, "").Decode(e.t, http.StatusOK, out)
}

// height is the ledger's height.
func (e *env) height() uint64 {
	e.t.Helper()
	h, err := e.l.Height(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// refusal is a request that must be refused, and how.
type refusal struct {
	name   string
	method string
	key    string // "" for none
	path   string
	body   string
	status int
	code   problem.Code
	// rule is the chaincode's rule, "" for a refusal the service made.
	rule string
	// fields are where the problem says it is.
	fields []string
	// submits is 0 when the service refuses before submitting (or the
	// route only reads), 1 when the chaincode refuses a submission.
	submits int64
	// detail is part of the problem's detail.
	detail string
}

// check sends the request and checks the refusal, and that it changed
// nothing on the ledger: its height is the same and state, a reading of
// what the request is about, reads the same after it.
func (tt refusal) check(t *testing.T, e *env, state func() string) {
	t.Helper()
	h, before, n := e.height(), state(), e.spy.Submits()
	r := e.do(tt.method, tt.key, tt.path, tt.body)
	b := r.Problem(t, tt.status)
	if b.Code != tt.code {
		t.Errorf("code %q, want %q", b.Code, tt.code)
	}
	if b.Rule != tt.rule {
		t.Errorf("rule %q, want %q", b.Rule, tt.rule)
	}
	if got := httpxtest.Fields(b); strings.Join(got, ",") != strings.Join(tt.fields, ",") {
		t.Errorf("errors at %q, want %q: %s", got, tt.fields, r.Body)
	}
	if !strings.Contains(b.Detail, tt.detail) {
		t.Errorf("detail %q lacks %q", b.Detail, tt.detail)
	}
	if got := e.spy.Submits() - n; got != tt.submits {
		t.Errorf("%d submissions, want %d", got, tt.submits)
	}
	if got := e.height(); got != h {
		t.Errorf("ledger height %d after the refusal, was %d", got, h)
	}
	if after := state(); after != before {
		t.Errorf("the refusal changed the ledger:\n was %s\n now %s", before, after)
	}
}

// mustJSON encodes v.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

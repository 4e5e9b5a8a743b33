package partners_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/ledger/embedded"
	"rxledger/services/ledger/embedded/embeddedtest"
	"rxledger/services/ledger/ledgertest"
	"rxledger/services/partners"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/httpx/httpxtest"
	"rxledger/services/platform/problem"
)

// The demo consortium's organisations; RegulatorMSP is the chaincode's
// regulator.
const (
	mfr   = "ManufacturerMSP"
	whs   = "WholesalerMSP"
	pharm = "PharmacyMSP"
	reg   = "RegulatorMSP"
)

// Their GLNs and company prefixes.
const (
	mfrGLN    = "0312345000011"
	whsGLN    = "0614141000012"
	pharmGLN  = "0861234000019"
	regGLN    = "0869999000015"
	mfrPrefix = "0312345"
	whsPrefix = "0614141"
)

// The API keys of the tests, by name: one per organisation with its own
// role, and two whose role does not fit their organisation.
const (
	keyMfr   = "manufacturer"
	keyWhs   = "wholesaler"
	keyPharm = "pharmacy"
	keyReg   = "regulator"
	// keyWhsRegulator is a regulator-role key issued to the wholesaler,
	// which is not a configured regulator of the chaincode.
	keyWhsRegulator = "wholesaler with the regulator role"
	// keyRegWholesaler is a key of the regulator organisation without the
	// regulator role.
	keyRegWholesaler = "regulator with the wholesaler role"
)

// env is a real embedded ledger running the real chaincode (regulator
// RegulatorMSP), the partners service on it behind the API key middleware,
// and an HTTP server in front.
type env struct {
	t    *testing.T
	l    *embedded.Ledger
	spy  *ledgertest.CountingClient
	url  string
	keys map[string]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	l := embeddedtest.OpenDemo(t)
	store, err := auth.OpenStore(filepath.Join(t.TempDir(), auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, l: l, spy: &ledgertest.CountingClient{Client: l}, keys: map[string]string{}}
	for name, g := range map[string]auth.Grant{
		keyMfr:           {Org: mfr, Role: auth.Manufacturer},
		keyWhs:           {Org: whs, Role: auth.Wholesaler},
		keyPharm:         {Org: pharm, Role: auth.Dispenser},
		keyReg:           {Org: reg, Role: auth.Regulator},
		keyWhsRegulator:  {Org: whs, Role: auth.Regulator},
		keyRegWholesaler: {Org: reg, Role: auth.Wholesaler},
	} {
		if e.keys[name], _, err = store.Issue(g); err != nil {
			t.Fatal(err)
		}
	}
	engine := httpx.NewEngine(httpx.EngineConfig{})
	partners.New(e.spy, []string{reg}, nil).Mount(engine, auth.Middleware(store))
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// response is an HTTP answer, read whole.
type response = httpxtest.Response

// do sends a request with the named key ("" for none) and reads the answer.
func (e *env) do(method, key, path, body string) response {
	e.t.Helper()
	apiKey := ""
	if key != "" {
		var ok bool
		if apiKey, ok = e.keys[key]; !ok {
			apiKey = key // a key the store never issued
		}
	}
	return httpxtest.Do(e.t, method, e.url+path, apiKey, body)
}

// written decodes the answer of a write after checking its status.
func written(t *testing.T, r response, status int) partners.Written {
	t.Helper()
	var w partners.Written
	r.Decode(t, status, &w)
	if w.TxID == "" || w.Block == 0 {
		t.Fatalf("answer %s names no transaction and block", r.Body)
	}
	return w
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

// record reads msp's partner record from the ledger ("" when there is none).
func (e *env) record(msp string) string {
	e.t.Helper()
	raw, err := e.l.Evaluate(e.t.Context(), reg, chaincode.FnReadPartner, msp)
	if problem.Is(err, problem.NotFound) {
		return ""
	}
	if err != nil {
		e.t.Fatalf("read partner %s: %v", msp, err)
	}
	return string(raw)
}

// refused runs send, a request that must be refused, and checks that it
// changed nothing: the same ledger height and record of msp, and submits
// submissions made (0 for a refusal made before submitting, 1 for one the
// chaincode made).
func (e *env) refused(t *testing.T, msp string, submits int64, send func() response) response {
	t.Helper()
	h, rec, n := e.height(), e.record(msp), e.spy.Submits()
	r := send()
	if got := e.spy.Submits() - n; got != submits {
		t.Errorf("%d submissions, want %d", got, submits)
	}
	if got := e.height(); got != h {
		t.Errorf("ledger height %d after the refusal, was %d", got, h)
	}
	if got := e.record(msp); got != rec {
		t.Errorf("record of %s changed by the refusal:\n was %s\n now %s", msp, rec, got)
	}
	return r
}

// put writes msp's record as key and expects status.
func (e *env) put(key, msp, body string, status int) partners.Written {
	e.t.Helper()
	return written(e.t, e.do(http.MethodPut, key, "/partners/"+msp, body), status)
}

// attest attests msp as the regulator and expects 200.
func (e *env) attest(msp, body string) partners.Written {
	e.t.Helper()
	return written(e.t, e.do(http.MethodPut, keyReg, "/partners/"+msp+"/attestation", body), http.StatusOK)
}

// licence is a licence valid until 2099, as JSON.
const licence = `{"authority":"FDA","number":"LIC-1","expiry":"2099-01-01T00:00:00Z"}`

// recordOf is the body of a record with one role, GLN, optional prefix and
// the licence.
func recordOf(name, role, gln, prefix string) string {
	prefixes := "[]"
	if prefix != "" {
		prefixes = `["` + prefix + `"]`
	}
	return `{"name":"` + name + `","roles":["` + role + `"],"glns":["` + gln + `"],"companyPrefixes":` + prefixes +
		`,"licenses":[` + licence + `]}`
}

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(b))
}

package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
	"rxledger/services/platform/redistest"
	"rxledger/services/verify/verifytest"
)

// fixture is the verify service over HTTP on a real embedded ledger, with a
// Redis or an in-process cache.
type fixture struct {
	t     testing.TB
	w     *verifytest.World
	svc   *Service
	cache Cache
	redis *redistest.Server // nil for the in-process cache
	url   string

	mu      sync.Mutex
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

func newFixture(t testing.TB, useRedis bool, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t, w: verifytest.New(t)}
	if useRedis {
		f.redis = redistest.Start(t)
		f.cache = NewRedisCache(f.redis.Client(), "")
	} else {
		f.cache = NewMemoryCache()
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	f.svc = New(f.w.Ledger, f.cache, opts)
	engine := httpx.NewEngine(httpx.EngineConfig{})
	f.svc.Mount(engine, auth.Middleware(f.w.Keys))
	hs := httptest.NewServer(engine)
	t.Cleanup(hs.Close)
	f.url = hs.URL
	t.Cleanup(f.stopWorkers)
	f.startWorkers()
	return f
}

// startWorkers runs the projector and the auditor until stopWorkers.
func (f *fixture) startWorkers() {
	f.mu.Lock()
	defer f.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	for _, run := range []func(context.Context) error{f.svc.RunProjector, f.svc.RunAuditor} {
		f.workers.Go(func() {
			if err := run(ctx); err != nil {
				f.t.Errorf("worker: %v", err)
			}
		})
	}
}

func (f *fixture) stopWorkers() {
	f.mu.Lock()
	cancel := f.cancel
	f.cancel = nil
	f.mu.Unlock()
	if cancel != nil {
		cancel()
		f.workers.Wait()
	}
}

// caughtUp waits until the projection has written every block.
func (f *fixture) caughtUp() {
	f.t.Helper()
	verifytest.Eventually(f.t, "projection caught up with the ledger", func() bool {
		h, err := f.w.Ledger.Height(context.Background())
		return err == nil && f.svc.projected.Load() >= h
	})
}

// do sends a request as org ("" for no key) and returns status and body.
func (f *fixture) do(method, path, org string, body any) (int, []byte) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if org != "" {
		key := f.w.APIKey[org]
		if key == "" {
			key = org // a literal key
		}
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// verify asks GET path as org and decodes a 200 answer.
func (f *fixture) verify(org, path string) Response {
	f.t.Helper()
	status, body := f.do(http.MethodGet, path, org, nil)
	if status != http.StatusOK {
		f.t.Fatalf("GET %s as %s: %d %s", path, org, status, body)
	}
	var r Response
	if err := json.Unmarshal(body, &r); err != nil {
		f.t.Fatalf("decode %s: %v", body, err)
	}
	return r
}

// path is the LMS path of a serial of the test GTIN with a query.
func path(serial, query string) string {
	p := "/verify/01/" + verifytest.GTIN + "/21/" + serial
	if query != "" {
		p += "?" + query
	}
	return p
}

// wantProblem checks a problem+json answer's status, code and field.
func wantProblem(t *testing.T, status int, body []byte, wantStatus int, code problem.Code, field string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
	}
	var p problem.Body
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", body, err)
	}
	if p.Code != code || p.Status != wantStatus || p.Detail == "" {
		t.Fatalf("problem %+v, want code %s", p, code)
	}
	if field == "" {
		return
	}
	for _, l := range p.Errors {
		if l.Field == field {
			return
		}
	}
	t.Fatalf("problem %s names no field %q", body, field)
}

// cacheImpls names the two cache implementations for table tests.
var cacheImpls = []struct {
	name  string
	redis bool
}{{"memory", false}, {"redis", true}}

func problemCode(s string) problem.Code { return problem.Code(s) }

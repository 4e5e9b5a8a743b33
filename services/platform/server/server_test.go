package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
	"rxledger/services/platform/server"
	"rxledger/services/platform/telemetry"
)

// running is a server started by start.
type running struct {
	url    string
	addr   string
	cancel context.CancelFunc
	done   chan error
}

// start serves e on a free loopback port until the test ends.
func start(t *testing.T, e http.Handler, grace time.Duration, workers map[string]server.Worker) *running {
	t.Helper()
	ln, err := server.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(server.Options{Handler: e, ShutdownTimeout: grace})
	for name, w := range workers {
		s.Go(name, w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{url: "http://" + ln.Addr().String(), addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func platformEngine(ready *server.Readiness) *gin.Engine {
	e := httpx.NewEngine(httpx.EngineConfig{})
	server.Routes(e, ready, telemetry.NewMetrics().Handler())
	return e
}

func TestPlatformEndpoints(t *testing.T) {
	ready := server.NewReadiness(nil)
	r := start(t, platformEngine(ready), time.Second, nil)

	t.Run("healthz", func(t *testing.T) {
		status, _, b := get(t, r.url+"/healthz")
		if status != 200 || !strings.Contains(string(b), `"ok"`) {
			t.Errorf("healthz %d %s", status, b)
		}
	})
	t.Run("readyz with no checks", func(t *testing.T) {
		status, _, b := get(t, r.url+"/readyz")
		if status != 200 || !strings.Contains(string(b), `"ready":true`) {
			t.Errorf("readyz %d %s", status, b)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		status, _, b := get(t, r.url+"/metrics")
		if status != 200 || !strings.Contains(string(b), "go_goroutines") {
			t.Errorf("metrics %d", status)
		}
	})
}

func TestReadiness(t *testing.T) {
	ok := func(context.Context) error { return nil }
	failing := func(context.Context) error { return errors.New("dial tcp 10.1.2.3:6379: refused") }
	hanging := func(ctx context.Context) error { select {} }
	panicking := func(context.Context) error { panic("boom") }
	tests := []struct {
		name    string
		checks  map[string]server.Check
		order   []string
		ready   bool
		failing []string
	}{
		{name: "all pass", checks: map[string]server.Check{"ledger": ok, "cache": ok}, order: []string{"ledger", "cache"}, ready: true},
		{name: "one fails", checks: map[string]server.Check{"ledger": ok, "cache": failing}, order: []string{"ledger", "cache"}, failing: []string{"cache"}},
		{name: "hanging check times out", checks: map[string]server.Check{"ledger": hanging, "cache": ok}, order: []string{"ledger", "cache"}, failing: []string{"ledger"}},
		{name: "panicking check fails", checks: map[string]server.Check{"projection": panicking}, order: []string{"projection"}, failing: []string{"projection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready := server.NewReadiness(nil)
			ready.Timeout = 50 * time.Millisecond
			for _, name := range tt.order {
				ready.Add(name, tt.checks[name])
			}
			r := start(t, platformEngine(ready), time.Second, nil)
			status, header, b := get(t, r.url+"/readyz")
			var body struct {
				problem.Body
				Ready  bool                 `json:"ready"`
				Checks []server.CheckResult `json:"checks"`
			}
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			if len(body.Checks) != len(tt.order) {
				t.Fatalf("checks %+v, want %v", body.Checks, tt.order)
			}
			for i, res := range body.Checks {
				if res.Name != tt.order[i] {
					t.Errorf("check %d is %q, want %q", i, res.Name, tt.order[i])
				}
			}
			if tt.ready {
				if status != 200 || !body.Ready {
					t.Errorf("readyz %d %s, want 200 ready", status, b)
				}
				return
			}
			if status != 503 || body.Ready || header.Get("Content-Type") != problem.MediaType || body.Code != problem.Unavailable {
				t.Errorf("readyz %d %s %s, want a 503 unavailable problem", status, header.Get("Content-Type"), b)
			}
			for _, name := range tt.failing {
				if !strings.Contains(body.Detail, name) {
					t.Errorf("detail %q does not name %s", body.Detail, name)
				}
			}
			if strings.Contains(string(b), "10.1.2.3") || strings.Contains(string(b), "boom") {
				t.Errorf("readyz leaks a check's error: %s", b)
			}
		})
	}
	t.Run("Add replaces a check of the same name", func(t *testing.T) {
		ready := server.NewReadiness(nil)
		ready.Add("cache", failing)
		ready.Add("cache", ok)
		results, all := ready.Run(context.Background())
		if !all || len(results) != 1 {
			t.Errorf("Run = %+v, %v", results, all)
		}
	})
}

func TestGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	ctxErr := make(chan error, 1)
	e := httpx.NewEngine(httpx.EngineConfig{})
	e.GET("/slow", func(c *gin.Context) {
		close(started)
		<-release
		ctxErr <- c.Request.Context().Err()
		c.String(200, "done")
	})
	workerStopped := make(chan struct{})
	r := start(t, e, 10*time.Second, map[string]server.Worker{
		"projector": func(ctx context.Context) error {
			<-ctx.Done()
			close(workerStopped)
			return ctx.Err()
		},
	})

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(r.url + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	<-started
	r.cancel()
	<-workerStopped
	waitRefused(t, r.addr)
	close(release)

	res := <-got
	if res.err != nil || res.status != 200 || res.body != "done" {
		t.Errorf("in-flight request got %+v, want 200 done", res)
	}
	if err := <-ctxErr; err != nil {
		t.Errorf("in-flight request's context ended during the grace period: %v", err)
	}
	if err := <-r.done; err != nil {
		t.Errorf("Serve = %v, want nil after a stop", err)
	}
	r.done <- nil // for the cleanup
}

// waitRefused waits until the listener no longer accepts connections.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	for range 1000 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("listener still accepting after shutdown began")
}

func TestGraceExceeded(t *testing.T) {
	started := make(chan struct{})
	e := httpx.NewEngine(httpx.EngineConfig{})
	e.GET("/stuck", func(c *gin.Context) {
		close(started)
		<-c.Request.Context().Done() // ends only when the server gives up
	})
	r := start(t, e, 20*time.Millisecond, nil)
	go func() {
		resp, err := http.Get(r.url + "/stuck")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	r.cancel()
	err := <-r.done
	if err == nil || !strings.Contains(err.Error(), "shut down http") {
		t.Errorf("Serve = %v, want a shutdown error", err)
	}
	r.done <- nil
}

func TestWorkerFailureStopsServer(t *testing.T) {
	boom := errors.New("checkpoint store corrupt")
	otherStopped := make(chan struct{})
	r := start(t, httpx.NewEngine(httpx.EngineConfig{}), time.Second, map[string]server.Worker{
		"auditor": func(ctx context.Context) error { return boom },
		"projector": func(ctx context.Context) error {
			<-ctx.Done()
			close(otherStopped)
			return nil
		},
	})
	err := <-r.done
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "worker auditor") {
		t.Errorf("Serve = %v, want the auditor's failure", err)
	}
	<-otherStopped
	r.done <- nil
}

func TestListenRefusesBadAddress(t *testing.T) {
	if _, err := server.Listen("127.0.0.1:notaport"); err == nil {
		t.Error("Listen accepted a bad address")
	}
}

package main

import (
	"rxledger/internal/testenv"

	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"rxledger/services/platform/problem"
	"rxledger/services/platform/redistest"
)

// clearServeEnv empties, for the test, the environment variables that
// would change what serve does, so that a developer's shell does not.
func clearServeEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"RXLEDGER_ADDR", "RXLEDGER_DATA", "RXLEDGER_REDIS", "RXLEDGER_ROLES", "RXLEDGER_DEMO", "RXLEDGER_LEDGER",
		"RXLEDGER_CONSORTIUM", "RXLEDGER_SIGNING_KEYS", "RXLEDGER_REGULATORS", "RXLEDGER_METRICS_ADDR", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
		t.Setenv(k, "")
	}
}

// served is a running `rxledger serve`.
type served struct {
	url    string
	out    []string // the start message
	logs   *testenv.Buffer
	cancel context.CancelFunc
	code   chan int
}

// startServe runs `rxledger serve args...` through run() on a free port and
// returns once it has printed its start message.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	clearServeEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &served{logs: &testenv.Buffer{}, cancel: cancel, code: make(chan int, 1)}
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)
	go func() {
		s.code <- run(ctx, full, strings.NewReader(""), pw, s.logs)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		s.out = append(s.out, line)
		if u, ok := strings.CutPrefix(line, "rxledger serving "); ok {
			s.url = u
		}
		if line == "stop with Ctrl-C" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if s.url == "" {
		cancel()
		t.Fatalf("no start message; exit %d; output %q; logs:\n%s", <-s.code, s.out, s.logs.String())
	}
	t.Cleanup(func() {
		cancel()
		if code := <-s.code; code != 0 {
			t.Errorf("serve exited %d after stop; logs:\n%s", code, s.logs.String())
		}
	})
	return s
}

func (s *served) get(t *testing.T, path string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

type readiness struct {
	problem.Body
	Ready  bool `json:"ready"`
	Checks []struct {
		Name   string `json:"name"`
		OK     bool   `json:"ok"`
		Reason string `json:"reason"`
	} `json:"checks"`
}

func (s *served) readyz(t *testing.T) (int, readiness) {
	t.Helper()
	status, _, b := s.get(t, "/readyz")
	var r readiness
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("readyz %s: %v", b, err)
	}
	return status, r
}

func checkOK(r readiness, name string) (ok, found bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c.OK, true
		}
	}
	return false, false
}

func TestServePlatformOnly(t *testing.T) {
	// With no role, serve mounts nothing and answers only the platform
	// endpoints.
	s := startServe(t, "--roles", "none")
	out := strings.Join(s.out, "\n")
	for _, want := range []string{"/healthz", "/readyz", "/metrics", "roles:    none (", "services: none (--roles none)", "apikeys.json", "cache: none (only verify and returns keep one)"} {
		if !strings.Contains(out, want) {
			t.Errorf("start message lacks %q:\n%s", want, out)
		}
	}
	// The services are built; with no role the process simply mounts none.
	if strings.Contains(out, "not built") {
		t.Errorf("start message says services are not built:\n%s", out)
	}
	t.Run("healthz", func(t *testing.T) {
		if status, _, b := s.get(t, "/healthz"); status != 200 {
			t.Errorf("healthz %d %s", status, b)
		}
	})
	t.Run("readyz says no service is mounted", func(t *testing.T) {
		status, r := s.readyz(t)
		ok, found := checkOK(r, "services")
		if status != 503 || r.Ready || !found || ok {
			t.Errorf("readyz %d %+v, want 503 with the services check failing", status, r)
		}
		for _, c := range r.Checks {
			if c.Name == "services" && !strings.Contains(c.Reason, "--roles none") {
				t.Errorf("the services check's reason %q does not say why", c.Reason)
			}
		}
	})
	t.Run("metrics count requests by route", func(t *testing.T) {
		s.get(t, "/healthz")
		status, _, b := s.get(t, "/metrics")
		if status != 200 || !strings.Contains(string(b), `route="/healthz"`) {
			t.Errorf("metrics %d lack the /healthz route", status)
		}
	})
	t.Run("no service routes", func(t *testing.T) {
		for _, path := range []string{"/v1/verify", "/epcis/capture", "/"} {
			status, h, b := s.get(t, path)
			if status != 404 || h.Get("Content-Type") != problem.MediaType {
				t.Errorf("GET %s = %d %s %s, want a 404 problem", path, status, h.Get("Content-Type"), b)
			}
		}
	})
	t.Run("access log carries the request ID", func(t *testing.T) {
		_, h, _ := s.get(t, "/healthz", "X-Request-ID", "serve-test-42")
		if h.Get("X-Request-ID") != "serve-test-42" {
			t.Errorf("X-Request-ID %q", h.Get("X-Request-ID"))
		}
		var found bool
		for _, l := range strings.Split(s.logs.String(), "\n") {
			if strings.Contains(l, `"requestId":"serve-test-42"`) && strings.Contains(l, `"component":"http"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no access log line with the request ID:\n%s", s.logs.String())
		}
	})
}

// TestServeMetricsAddr: with --metrics-addr, /metrics answers there alone
// (the node's totals are for the operator), and the API address answers it
// 404 like any unknown route.
func TestServeMetricsAddr(t *testing.T) {
	s := startServe(t, "--roles", "none", "--metrics-addr", "127.0.0.1:0")
	var metricsURL string
	for _, l := range s.out {
		if rest, ok := strings.CutPrefix(l, "  metrics:  "); ok {
			metricsURL, _, _ = strings.Cut(rest, " ")
		}
	}
	if metricsURL == "" || strings.HasPrefix(metricsURL, s.url) {
		t.Fatalf("start message names metrics at %q, want an address of their own:\n%s", metricsURL, strings.Join(s.out, "\n"))
	}
	s.get(t, "/healthz")
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `route="/healthz"`) {
		t.Errorf("GET %s = %d, want the metrics with the API's /healthz request counted:\n%.300s", metricsURL, resp.StatusCode, b)
	}
	if status, h, b := s.get(t, "/metrics"); status != 404 || h.Get("Content-Type") != problem.MediaType {
		t.Errorf("GET /metrics on the API address = %d %s %s, want a 404 problem", status, h.Get("Content-Type"), b)
	}
}

// TestServeRedisReadiness: a process without verify or returns keeps no
// cache, so a Redis it is given is not its readiness (an ingest node stayed
// unready through a Redis outage although captures went on); with the
// verify role the cache check degrades instead of failing
// (TestServeVerifyReturns).
func TestServeRedisReadiness(t *testing.T) {
	r := redistest.Start(t)
	s := startServe(t, "--redis", r.URL, "--roles", "none")
	if out := strings.Join(s.out, "\n"); !strings.Contains(out, "cache: none") {
		t.Errorf("start message does not say this process keeps no cache:\n%s", out)
	}
	_, ready := s.readyz(t)
	if _, found := checkOK(ready, "cache"); found {
		t.Errorf("cache check %+v in a process that keeps no cache", ready.Checks)
	}
	if !strings.Contains(s.logs.String(), "does not use it") {
		t.Errorf("no warning that --redis is unused:\n%s", s.logs.String())
	}
}

func TestServeUsage(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		errHas  string
		helpHas string
	}{
		{name: "help", args: []string{"serve", "-h"}, code: 0, helpHas: "RXLEDGER_REDIS"},
		{name: "bad flag value", args: []string{"serve", "--ledger", "postgres"}, code: 2, errHas: "--ledger"},
		{name: "unknown flag", args: []string{"serve", "--colour"}, code: 2, errHas: "colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.errHas) || !strings.Contains(stderr.String(), tt.helpHas) {
				t.Errorf("stderr %q lacks %q / %q", stderr.String(), tt.errHas, tt.helpHas)
			}
		})
	}
}

func TestServeRefusesBusyAddress(t *testing.T) {
	s := startServe(t)
	addr := strings.TrimPrefix(s.url, "http://")
	var stderr strings.Builder
	code := run(context.Background(), []string{"serve", "--addr", addr, "--data", t.TempDir()}, strings.NewReader(""), io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "listen") {
		t.Errorf("exit %d, stderr %q; want 1 and a listen error", code, stderr.String())
	}
}

package load

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// startServer serves h on a free loopback port for the test.
func startServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

func mustTemplate(t *testing.T, tmpl Template) *Template {
	t.Helper()
	s, err := NewTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRunCountsByStatus(t *testing.T) {
	var served atomic.Int64
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if n%4 == 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	s := mustTemplate(t, Template{URL: url + "/{seq}"})
	res, err := Run(context.Background(), NewClient(4, time.Second), s,
		Config{Concurrency: 4, Duration: time.Minute, MaxRequests: 400})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 400 || served.Load() != 400 {
		t.Fatalf("requests %d, served %d; want 400 each", res.Requests, served.Load())
	}
	if res.OK != 300 || res.ByStatus[200] != 300 || res.ByStatus[503] != 100 || res.Failed() != 100 {
		t.Errorf("ok %d by status %v", res.OK, res.ByStatus)
	}
	if res.CPU <= 0 || res.CPUPerRequest() != res.CPU/400 {
		t.Errorf("cpu %v, per request %v", res.CPU, res.CPUPerRequest())
	}
	if res.Latencies.Count() != 400 || res.Latencies.Max() <= 0 {
		t.Errorf("latencies count %d max %v", res.Latencies.Count(), res.Latencies.Max())
	}
	if res.Lag.Count() != 0 {
		t.Errorf("lag recorded as fast as possible: %d", res.Lag.Count())
	}
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0], "503") {
		t.Errorf("failures %v", res.Failures)
	}
}

func TestRunWarmupIsNotMeasured(t *testing.T) {
	var served atomic.Int64
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	res, err := Run(context.Background(), NewClient(2, time.Second), mustTemplate(t, Template{URL: url}),
		Config{Concurrency: 2, Duration: time.Minute, Warmup: 50 * time.Millisecond, MaxRequests: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 100 {
		t.Errorf("measured %d requests, want 100", res.Requests)
	}
	if served.Load() < 100 {
		t.Errorf("served %d, want at least the 100 measured", served.Load())
	}
}

func TestRunTransportErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // nothing listens: every request fails to connect
	res, err := Run(context.Background(), NewClient(2, time.Second), mustTemplate(t, Template{URL: url}),
		Config{Concurrency: 2, Duration: time.Minute, MaxRequests: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 20 || res.OK != 0 || res.ByStatus[0] != 20 {
		t.Errorf("requests %d ok %d by status %v", res.Requests, res.OK, res.ByStatus)
	}
	if len(res.Failures) == 0 || !strings.Contains(res.Failures[0], "transport") {
		t.Errorf("failures %v", res.Failures)
	}
}

func TestFixedRateSchedulesNoMoreThanRateTimesDuration(t *testing.T) {
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	// At 100 req/s for 200ms, requests are scheduled at 0, 10ms, ..., 190ms:
	// at most 20, however fast or slow the machine is.
	res, err := Run(context.Background(), NewClient(8, time.Second), mustTemplate(t, Template{URL: url}),
		Config{Concurrency: 8, Rate: 100, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests > 20 || res.Requests == 0 {
		t.Errorf("%d requests at 100/s for 200ms, want 1 to 20", res.Requests)
	}
	if res.Lag.Count() != res.Requests {
		t.Errorf("lag recorded for %d of %d requests", res.Lag.Count(), res.Requests)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, NewClient(2, time.Second), mustTemplate(t, Template{URL: url}),
		Config{Concurrency: 2, Duration: time.Minute})
	if err == nil {
		t.Error("Run with an ended context returned no error")
	}
}

func TestConfigRefused(t *testing.T) {
	s := mustTemplate(t, Template{URL: "http://127.0.0.1:1/"})
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "no workers", cfg: Config{Concurrency: 0, Duration: time.Second}},
		{name: "too many workers", cfg: Config{Concurrency: 5000, Duration: time.Second}},
		{name: "no duration", cfg: Config{Concurrency: 1}},
		{name: "too long", cfg: Config{Concurrency: 1, Duration: time.Hour}},
		{name: "negative rate", cfg: Config{Concurrency: 1, Duration: time.Second, Rate: -1}},
		{name: "negative warm-up", cfg: Config{Concurrency: 1, Duration: time.Second, Warmup: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), http.DefaultClient, s, tt.cfg); err == nil {
				t.Error("Run accepted the configuration")
			}
		})
	}
}

func TestBaselineAnswers(t *testing.T) {
	b, err := StartBaseline()
	if err != nil {
		t.Fatal(err)
	}
	s := mustTemplate(t, Template{URL: b.URL, Expect: 200, Validate: func(body []byte) error {
		if string(body) != BaselineBody {
			return context.Canceled
		}
		return nil
	}})
	res, err := Run(context.Background(), NewClient(2, time.Second), s, Config{Concurrency: 2, Duration: time.Minute, MaxRequests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 50 {
		t.Errorf("ok %d of %d: %v", res.OK, res.Requests, res.Failures)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

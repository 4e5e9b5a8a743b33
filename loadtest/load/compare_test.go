package load

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// result makes a Result with n successes in 1s, f failures and a p99 of p99.
func result(n, f uint64, p99 time.Duration) Result {
	h := NewHistogram()
	for range n + f {
		h.Record(p99)
	}
	return Result{Elapsed: time.Second, Requests: n + f, OK: n, Latencies: h}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		name string
		c    Comparison
		ok   bool
		why  string
	}{
		{name: "meets", c: Comparison{Baseline: result(1000, 0, time.Millisecond), Target: result(600, 0, time.Millisecond), AtHalf: result(500, 0, 4*time.Millisecond)}, ok: true},
		{name: "exactly half", c: Comparison{Baseline: result(1000, 0, time.Millisecond), Target: result(500, 0, time.Millisecond), AtHalf: result(500, 0, 5*time.Millisecond)}, ok: true},
		{name: "too slow", c: Comparison{Baseline: result(1000, 0, time.Millisecond), Target: result(400, 0, time.Millisecond), AtHalf: result(500, 0, time.Millisecond)}, why: "throughput 40%"},
		{name: "p99 too high", c: Comparison{Baseline: result(1000, 0, time.Millisecond), Target: result(900, 0, time.Millisecond), AtHalf: result(500, 0, 8*time.Millisecond)}, why: "p99"},
		{name: "failures", c: Comparison{Baseline: result(1000, 0, time.Millisecond), Target: result(900, 3, time.Millisecond), AtHalf: result(500, 0, time.Millisecond)}, why: "3 failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := tt.c.Verdict()
			if ok != tt.ok || !strings.Contains(why, tt.why) {
				t.Errorf("Verdict = %v, %q; want %v containing %q", ok, why, tt.ok, tt.why)
			}
		})
	}
}

func TestCompareRunsFourPhases(t *testing.T) {
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	b, err := StartBaseline()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := Compare(context.Background(), NewClient(2, time.Second), b.URL, 0, mustTemplate(t, Template{Label: "noop", URL: url}),
		Config{Concurrency: 2, Duration: time.Minute, MaxRequests: 200}) // bounded by count, not by a clock
	if err != nil {
		t.Fatal(err)
	}
	if c.Baseline.Scenario != "baseline net/http" || c.Target.Scenario != "noop" || !strings.HasPrefix(c.AtHalf.Scenario, "noop @ ") {
		t.Errorf("scenarios %q, %q, %q", c.Baseline.Scenario, c.Target.Scenario, c.AtHalf.Scenario)
	}
	if c.Baseline.OK == 0 || c.Target.OK == 0 || c.AtHalf.OK == 0 {
		t.Errorf("a phase did nothing: %d %d %d; failures %v %v %v", c.Baseline.OK, c.Target.OK, c.AtHalf.OK,
			c.Baseline.Failures, c.Target.Failures, c.AtHalf.Failures)
	}
	if c.AtHalf.Config.Rate <= 0 || c.AtHalf.Config.Rate != c.Baseline.Throughput()/2 {
		t.Errorf("half rate %g for baseline %g", c.AtHalf.Config.Rate, c.Baseline.Throughput())
	}
	if !strings.HasPrefix(c.BaselineAtHalf.Scenario, "baseline net/http @ ") || c.BaselineAtHalf.OK == 0 ||
		c.BaselineAtHalf.Config.Rate != c.AtHalf.Config.Rate {
		t.Errorf("baseline at half: %q, %d ok, rate %g (want %g)", c.BaselineAtHalf.Scenario, c.BaselineAtHalf.OK,
			c.BaselineAtHalf.Config.Rate, c.AtHalf.Config.Rate)
	}
	if ref := c.Reference(); !strings.Contains(ref, "reference: the baseline at the same rate has p99 ") {
		t.Errorf("reference line %q", ref)
	}
}

func TestWriteTableWarnsOfLag(t *testing.T) {
	late := result(100, 0, time.Millisecond)
	late.Scenario = "late"
	late.Lag = NewHistogram()
	for range 100 {
		late.Lag.Record(50 * time.Millisecond)
	}
	onTime := result(100, 0, time.Millisecond)
	onTime.Scenario = "on time"
	onTime.Lag = NewHistogram()
	onTime.Lag.Record(10 * time.Microsecond)
	var b strings.Builder
	WriteTable(&b, late, onTime)
	out := b.String()
	if !strings.Contains(out, "late: the load tool fell behind") || strings.Contains(out, "on time: the load tool fell behind") {
		t.Errorf("lag warnings wrong:\n%s", out)
	}
}

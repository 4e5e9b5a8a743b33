package load

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// The targets of rxledger's verification path.
const (
	// TargetRatio is the share of the baseline's throughput a scenario must reach.
	TargetRatio = 0.5
	// TargetP99 bounds the scenario's p99 latency at half the baseline's rate.
	TargetP99 = 5 * time.Millisecond
)

// Comparison is a scenario measured side by side with the baseline server in
// one run, with the same client.
type Comparison struct {
	Baseline Result // baseline, as fast as it goes
	Target   Result // the scenario, as fast as it goes
	AtHalf   Result // the scenario at half the baseline's throughput
	// BaselineAtHalf is the baseline at the same fixed rate: not judged,
	// it tells what p99 the machine and the client allow at that rate.
	BaselineAtHalf Result
}

// Reference says how the baseline itself fared at half its throughput.
func (c Comparison) Reference() string {
	p99 := c.BaselineAtHalf.Latencies.Quantile(0.99)
	return fmt.Sprintf("reference: the baseline at the same rate has p99 %s (%s against the target)", fmtDuration(p99), verdictWord(p99 <= TargetP99))
}

func verdictWord(ok bool) string {
	if ok {
		return "within"
	}
	return "over"
}

// Ratio is the scenario's throughput over the baseline's.
func (c Comparison) Ratio() float64 {
	if c.Baseline.Throughput() == 0 {
		return 0
	}
	return c.Target.Throughput() / c.Baseline.Throughput()
}

// Verdict says whether the scenario meets TargetRatio and TargetP99 (and
// failed no request), and why not.
func (c Comparison) Verdict() (bool, string) {
	var why []string
	if r := c.Ratio(); r < TargetRatio {
		why = append(why, fmt.Sprintf("throughput %.0f%% of the baseline, want at least %.0f%%", r*100, TargetRatio*100))
	}
	if p := c.AtHalf.Latencies.Quantile(0.99); p > TargetP99 {
		why = append(why, fmt.Sprintf("p99 %s at half the baseline's rate, want at most %s", fmtDuration(p), TargetP99))
	}
	if f := c.Target.Failed() + c.AtHalf.Failed(); f > 0 {
		why = append(why, fmt.Sprintf("%d failed requests", f))
	}
	if len(why) == 0 {
		return true, "meets the targets"
	}
	return false, fmt.Sprint(why)
}

// Compare measures the baseline server at baselineURL and then s as fast as
// cfg's workers go, then s at a fixed rate of half the baseline's
// throughput, then the baseline at that rate, all with one client. cfg.Rate is ignored; cfg.ServerPID is the
// target's process and baselinePID the baseline's (0: their CPU is not
// measured). For a fair comparison the baseline should run the way the
// target does (its own process when the target is one: see the loadtest
// command).
func Compare(ctx context.Context, client *http.Client, baselineURL string, baselinePID int, s Scenario, cfg Config) (Comparison, error) {
	var c Comparison
	base, err := NewTemplate(Template{Label: "baseline net/http", URL: baselineURL, Expect: http.StatusOK})
	if err != nil {
		return c, err
	}
	cfg.Rate = 0
	bcfg := cfg
	bcfg.ServerPID = baselinePID
	if c.Baseline, err = Run(ctx, client, base, bcfg); err != nil {
		return c, err
	}
	if c.Target, err = Run(ctx, client, s, cfg); err != nil {
		return c, err
	}
	half := cfg
	half.Rate = c.Baseline.Throughput() / 2
	if c.AtHalf, err = Run(ctx, client, s, half); err != nil {
		return c, err
	}
	c.AtHalf.Scenario += fmt.Sprintf(" @ %.0f req/s", half.Rate)
	bhalf := bcfg
	bhalf.Rate = half.Rate
	if c.BaselineAtHalf, err = Run(ctx, client, base, bhalf); err != nil {
		return c, err
	}
	c.BaselineAtHalf.Scenario += fmt.Sprintf(" @ %.0f req/s", half.Rate)
	return c, nil
}

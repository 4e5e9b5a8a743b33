package load

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// WriteTable writes one line per result: requests, successful requests per
// second, latency percentiles, this process's CPU per request (cpu/req), the
// server process's when it was measured (srv cpu/req, "-" when not), and
// failures by status.
func WriteTable(w io.Writer, results ...Result) {
	width := len("scenario")
	for _, r := range results {
		width = max(width, len(r.Scenario))
	}
	fmt.Fprintf(w, "%-*s %5s %9s %10s %9s %9s %9s %9s %9s %9s %8s %12s  %s\n", width,
		"scenario", "conc", "requests", "ok/s", "mean", "p50", "p90", "p99", "p99.9", "max", "cpu/req", "srv cpu/req", "failures")
	for _, r := range results {
		h := r.Latencies
		srv := "-"
		if r.ServerCPU > 0 {
			srv = fmtDuration(r.ServerCPUPerRequest())
		}
		fmt.Fprintf(w, "%-*s %5d %9d %10.0f %9s %9s %9s %9s %9s %9s %8s %12s  %s\n", width,
			r.Scenario, r.Config.Concurrency, r.Requests, r.Throughput(),
			fmtDuration(h.Mean()), fmtDuration(h.Quantile(0.5)), fmtDuration(h.Quantile(0.9)),
			fmtDuration(h.Quantile(0.99)), fmtDuration(h.Quantile(0.999)), fmtDuration(h.Max()),
			fmtDuration(r.CPUPerRequest()), srv, failures(r))
	}
	for _, r := range results {
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  %s: %s\n", r.Scenario, f)
		}
		if r.Lag != nil && r.Lag.Count() > 0 && r.Lag.Quantile(0.99) > LagWarning {
			fmt.Fprintf(w, "  %s: the load tool fell behind its schedule (send lag p50 %s, p99 %s, max %s): "+
				"the machine is busy or -c is too low, and the latencies above include that wait\n",
				r.Scenario, fmtDuration(r.Lag.Quantile(0.5)), fmtDuration(r.Lag.Quantile(0.99)), fmtDuration(r.Lag.Max()))
		}
	}
}

// LagWarning is the send lag p99 above which a report warns that the load
// tool did not keep its schedule.
const LagWarning = time.Millisecond

// failures summarises failed requests and every status seen, e.g.
// "13 failed; all by status: 200×900 503×12 transport×1".
func failures(r Result) string {
	if r.Failed() == 0 {
		return "none"
	}
	codes := make([]int, 0, len(r.ByStatus))
	for c := range r.ByStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "transport"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, r.ByStatus[c]))
	}
	return fmt.Sprintf("%d failed; all by status: %s", r.Failed(), strings.Join(parts, " "))
}

// fmtDuration prints a latency with three significant figures.
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d)
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

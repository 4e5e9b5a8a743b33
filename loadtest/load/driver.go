package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Limits that keep every run bounded.
const (
	MaxDuration        = 5 * time.Minute
	DefaultMaxRequests = 10_000_000
	maxErrorSamples    = 5
)

// Config is how hard and how long to drive a scenario.
type Config struct {
	Concurrency int           // workers, each with its own keep-alive connection
	Rate        float64       // requests/s over all workers; 0 drives as fast as the workers go
	Duration    time.Duration // measured time, at most MaxDuration
	Warmup      time.Duration // unmeasured time before (connections, caches, JIT of the target)
	MaxRequests uint64        // stop after this many measured requests (DefaultMaxRequests if 0)
	Timeout     time.Duration // per request (5s if 0)
	// ServerPID is the process serving the scenario when it runs in a
	// process of its own (0: not measured): its CPU is Result.ServerCPU.
	ServerPID int
}

func (c Config) validate() error {
	switch {
	case c.Concurrency < 1 || c.Concurrency > 4096:
		return fmt.Errorf("concurrency %d: want 1 to 4096", c.Concurrency)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("duration %s: want more than 0 and at most %s", c.Duration, MaxDuration)
	case c.Warmup < 0 || c.Warmup > MaxDuration:
		return fmt.Errorf("warmup %s: want 0 to %s", c.Warmup, MaxDuration)
	case c.Rate < 0:
		return fmt.Errorf("rate %g: must not be negative", c.Rate)
	}
	return nil
}

// Result is what one measured run saw.
type Result struct {
	Scenario  string
	Config    Config
	Elapsed   time.Duration
	Requests  uint64         // completed (success or failure)
	OK        uint64         // succeeded per Scenario.Check
	ByStatus  map[int]uint64 // every completed request by HTTP status; 0 for transport errors
	Failures  []string       // up to a few distinct failure messages
	Latencies *Histogram     // of every completed request; at a fixed rate, from its scheduled start
	// Lag is, at a fixed rate, how late each request left after its
	// scheduled start: large values mean the load tool itself could not keep
	// the schedule (too few workers, or the machine is busy), and the
	// latencies include that wait. Empty when driving as fast as possible.
	Lag *Histogram
	// CPU is the CPU time this process (the load tool, and the target when it
	// runs in process like the baseline server) used during the run.
	CPU time.Duration
	// ServerCPU is the CPU time Config.ServerPID used during the run (0 when
	// not measured).
	ServerCPU time.Duration
}

// CPUPerRequest is CPU over completed requests.
func (r Result) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// ServerCPUPerRequest is ServerCPU over completed requests (0 when not
// measured).
func (r Result) ServerCPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.ServerCPU / time.Duration(r.Requests)
}

// Throughput is successful requests per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Failed is the number of requests that did not succeed.
func (r Result) Failed() uint64 { return r.Requests - r.OK }

// Run drives s with cfg using client: a warm-up, then the measured run. At a
// fixed rate, request n is scheduled at start + n/rate and its latency counts
// from then, so a slow server is charged for the requests it delayed
// (no coordinated omission). Run stops at the duration, at MaxRequests or
// when ctx ends, whichever is first.
func Run(ctx context.Context, client *http.Client, s Scenario, cfg Config) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	if cfg.MaxRequests == 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	var seq atomic.Uint64
	if cfg.Warmup > 0 {
		phase(ctx, client, s, cfg, cfg.Warmup, &seq, 0)
	}
	res := phase(ctx, client, s, cfg, cfg.Duration, &seq, cfg.MaxRequests)
	if res.Requests == 0 && ctx.Err() != nil {
		return res, fmt.Errorf("run %s: %w", s.Name(), ctx.Err())
	}
	return res, nil
}

// workerStats is one worker's private tally.
type workerStats struct {
	hist     *Histogram
	lag      *Histogram
	requests uint64
	ok       uint64
	byStatus map[int]uint64
	failures map[string]bool
}

// phase runs the workers for d (limit requests when it is not 0).
func phase(ctx context.Context, client *http.Client, s Scenario, cfg Config, d time.Duration, seq *atomic.Uint64, limit uint64) Result {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cpuStart := processCPU()
	serverStart := serverCPU(cfg.ServerPID)
	start := time.Now()
	end := start.Add(d)
	first := seq.Load()
	stats := make([]*workerStats, cfg.Concurrency)
	var wg sync.WaitGroup
	for w := range stats {
		st := &workerStats{hist: NewHistogram(), lag: NewHistogram(), byStatus: map[int]uint64{}, failures: map[string]bool{}}
		stats[w] = st
		wg.Go(func() {
			// One timer per worker, reset for each wait: a fixed rate
			// waits before nearly every request.
			pace := time.NewTimer(time.Hour)
			defer pace.Stop()
			for ctx.Err() == nil {
				n := seq.Add(1) - 1
				if limit > 0 && n-first >= limit {
					return
				}
				began := time.Now()
				if cfg.Rate > 0 {
					began = start.Add(time.Duration(float64(n-first) / cfg.Rate * float64(time.Second)))
					if wait := time.Until(began); wait > 0 {
						if !began.Before(end) {
							return
						}
						pace.Reset(wait)
						select {
						case <-pace.C:
						case <-ctx.Done():
							return
						}
					}
				}
				if !began.Before(end) {
					return
				}
				if cfg.Rate > 0 {
					st.lag.Record(time.Since(began))
				}
				status, err := do(ctx, client, s, n)
				if ctx.Err() != nil && err != nil {
					return // stopped mid-request: not a server failure
				}
				st.hist.Record(time.Since(began))
				st.requests++
				st.byStatus[status]++
				if err != nil {
					if len(st.failures) < maxErrorSamples {
						st.failures[err.Error()] = true
					}
					continue
				}
				st.ok++
			}
		})
	}
	// Stop the workers at the end even if a request hangs until its timeout.
	timer := time.AfterFunc(time.Until(end)+cfg.timeout(), cancel)
	wg.Wait()
	timer.Stop()
	elapsed := time.Since(start)
	if elapsed > d {
		elapsed = d // requests in flight at the end finish after it; the window is d
	}

	res := Result{Scenario: s.Name(), Config: cfg, Elapsed: elapsed, ByStatus: map[int]uint64{}, Latencies: NewHistogram(),
		Lag: NewHistogram(), CPU: processCPU() - cpuStart}
	if cfg.ServerPID != 0 {
		res.ServerCPU = serverCPU(cfg.ServerPID) - serverStart
	}
	seen := map[string]bool{}
	for _, st := range stats {
		res.Latencies.Merge(st.hist)
		res.Lag.Merge(st.lag)
		res.Requests += st.requests
		res.OK += st.ok
		for k, v := range st.byStatus {
			res.ByStatus[k] += v
		}
		for f := range st.failures {
			if !seen[f] && len(res.Failures) < maxErrorSamples {
				seen[f] = true
				res.Failures = append(res.Failures, f)
			}
		}
	}
	sort.Strings(res.Failures)
	return res
}

// serverCPU is PIDCPU of pid, 0 for none or when it cannot be read.
func serverCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	d, _ := PIDCPU(pid)
	return d
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 5 * time.Second
}

// do sends request n and judges the response; status is 0 when no response
// arrived.
func do(ctx context.Context, client *http.Client, s Scenario, n uint64) (int, error) {
	req, err := s.Request(n)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the method and URL are the same for every request
		}
		return 0, fmt.Errorf("transport: %w", err)
	}
	defer resp.Body.Close()
	var body []byte
	if s.NeedsBody() {
		body, err = io.ReadAll(io.LimitReader(resp.Body, MaxCheckedBody))
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return resp.StatusCode, fmt.Errorf("read response: %w", err)
	}
	return resp.StatusCode, s.Check(resp.StatusCode, body)
}

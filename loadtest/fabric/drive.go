package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// result is what one load run measured.
type result struct {
	elapsed   time.Duration
	latencies []time.Duration // of committed transactions
	failures  map[problem.Code]int
	firstErr  map[problem.Code]error
	retries   int // Conflict answers resubmitted
}

// conflictRetries is how often a transaction answered with Conflict (the
// port's "retry") is submitted again, as an application would.
const conflictRetries = 3

// submit submits tx, again after a Conflict, and returns the error of the
// last attempt and the number of retries.
func submit(ctx context.Context, l ledger.Ledger, tx ledger.Transaction) (retries int, err error) {
	for {
		_, err = l.Submit(ctx, submitter, tx)
		if problem.CodeOf(err) != problem.Conflict || err == nil || retries == conflictRetries {
			return retries, err
		}
		retries++
	}
}

// drive submits n transactions of w from concurrency workers and waits for
// all of them.
func drive(ctx context.Context, l ledger.Ledger, w *workload, n, concurrency int) result {
	var (
		mu  sync.Mutex
		res = result{failures: map[problem.Code]int{}, firstErr: map[problem.Code]error{}}
		wg  sync.WaitGroup
	)
	start := time.Now()
	for worker := range concurrency {
		wg.Go(func() {
			for i := worker; i < n; i += concurrency {
				tx, err := w.tx(worker, i)
				t0 := time.Now()
				retries := 0
				if err == nil {
					retries, err = submit(ctx, l, tx)
				}
				took := time.Since(t0)
				mu.Lock()
				res.retries += retries
				if err != nil {
					code := problem.CodeOf(err)
					res.failures[code]++
					if res.firstErr[code] == nil {
						res.firstErr[code] = err
					}
				} else {
					res.latencies = append(res.latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func (r result) print(out io.Writer, itemsPerTx int) {
	slices.Sort(r.latencies)
	ok := len(r.latencies)
	tps := float64(ok) / r.elapsed.Seconds()
	fmt.Fprintf(out, "committed %d in %.1f s: %.1f tx/s", ok, r.elapsed.Seconds(), tps)
	if itemsPerTx > 1 {
		fmt.Fprintf(out, " (%.0f serials/s)", tps*float64(itemsPerTx))
	}
	fmt.Fprintln(out)
	if ok > 0 {
		fmt.Fprintf(out, "commit latency p50 %s p90 %s p99 %s max %s\n",
			pct(r.latencies, 50), pct(r.latencies, 90), pct(r.latencies, 99), r.latencies[ok-1].Round(time.Millisecond))
	}
	if r.retries > 0 {
		fmt.Fprintf(out, "resubmitted after a conflict: %d\n", r.retries)
	}
	codes := make([]string, 0, len(r.failures))
	for c := range r.failures {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(out, "failed %d (%s), first: %v\n", r.failures[problem.Code(c)], c, r.firstErr[problem.Code(c)])
	}
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i].Round(time.Millisecond)
}

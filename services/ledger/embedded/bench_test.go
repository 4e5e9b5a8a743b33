package embedded

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"rxledger/services/ledger"
)

// The benchmarks run with durability on: every block is committed with fsync
// before its submitters are answered. Results are recorded in BENCHMARKS.md.

// BenchmarkSubmitSingleEvent: one key and one chaincode event per
// transaction, from many concurrent submitters (b.RunParallel with 64
// goroutines per CPU).
func BenchmarkSubmitSingleEvent(b *testing.B) {
	l, _ := openBench(b, Options{})
	var seq atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := fmt.Sprintf("key-%d", seq.Add(1))
			if _, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "putEvent", Args: []string{k, "value"}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	reportBlocks(b, l)
}

// BenchmarkSubmitBatch1000: 1,000 new keys per transaction (each read, then
// written, like commissioning), from 8 concurrent submitters.
func BenchmarkSubmitBatch1000(b *testing.B) {
	l, dir := openBench(b, Options{})
	var seq atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := fmt.Sprintf("batch%d-", seq.Add(1))
			if _, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "putMany", Args: []string{p, "1000"}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "keys/s")
	reportBlocks(b, l)
	l.Close()
	b.ReportMetric(float64(dirBytes(b, dir))/float64(b.N*1000), "disk-bytes/key")
}

// BenchmarkEvaluateGet: in-process point reads through the chaincode.
func BenchmarkEvaluateGet(b *testing.B) {
	l, _ := openBench(b, Options{})
	for i := 0; i < 10; i++ {
		if _, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "putMany", Args: []string{fmt.Sprintf("r%d-", i), "1000"}}); err != nil {
			b.Fatal(err)
		}
	}
	var seq atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			k := fmt.Sprintf("r%d-%07d", i%10, i%1000)
			v, err := l.Evaluate(context.Background(), mfr, "get", k)
			if err != nil || v == nil {
				b.Errorf("get %s = %q, %v", k, v, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

func openBench(b *testing.B, opts Options) (*Ledger, string) {
	b.Helper()
	dir := b.TempDir()
	if opts.Logger == nil {
		opts.Logger = quietOptions().Logger
	}
	l, err := Open(dir, testConsortium(), (&kvChaincode{}).invoke, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l, dir
}

// reportBlocks reports the mean transactions per block.
func reportBlocks(b *testing.B, l *Ledger) {
	h, _ := l.Tip()
	if h > 1 {
		b.ReportMetric(float64(b.N)/float64(h-1), "tx/block")
	}
}

// dirBytes is the size of the files under dir.
func dirBytes(b *testing.B, dir string) int64 {
	b.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkBlockCutting compares block-cutting settings on single-event
// transactions from 128 concurrent submitters: throughput, block fill and
// the mean time a submitter waits for its commit.
func BenchmarkBlockCutting(b *testing.B) {
	for _, maxTxs := range []int{100, 1000} {
		for _, wait := range []time.Duration{-1, time.Millisecond, 5 * time.Millisecond} {
			b.Run(fmt.Sprintf("maxTxs=%d/wait=%s", maxTxs, wait), func(b *testing.B) {
				l, _ := openBench(b, Options{MaxBlockTxs: maxTxs, MaxBlockWait: wait})
				var seq, waited atomic.Int64
				b.SetParallelism(64)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						k := fmt.Sprintf("key-%d", seq.Add(1))
						start := time.Now()
						if _, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "putEvent", Args: []string{k, "value"}}); err != nil {
							b.Error(err)
							return
						}
						waited.Add(int64(time.Since(start)))
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
				b.ReportMetric(float64(waited.Load())/float64(b.N)/1e3, "µs/submit")
				reportBlocks(b, l)
			})
		}
	}
}

package embedded

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
)

// Support for BenchmarkDSCSAVerifyAtScale: building a large ledger once and
// reusing it across runs, and read-path settings from the environment so
// they can be compared on the same ledger.

// benchLedgerDir is the directory of the scale benchmark's ledger and whether
// it already holds n loaded serials. Without RXLEDGER_BENCH_DIR it is a fresh
// temporary directory. With it, the ledger lives in $RXLEDGER_BENCH_DIR/ledger
// and a marker file records the number of serials once the load has finished
// and been verified, so later runs reuse it; a directory whose marker names a
// different number is refused rather than mixed.
func benchLedgerDir(b *testing.B, n int) (string, bool) {
	b.Helper()
	root := os.Getenv("RXLEDGER_BENCH_DIR")
	if root == "" {
		return b.TempDir(), false
	}
	dir := filepath.Join(root, "ledger")
	marker := filepath.Join(root, "serials")
	raw, err := os.ReadFile(marker)
	switch {
	case err == nil:
		have, perr := strconv.Atoi(strings.TrimSpace(string(raw)))
		if perr != nil || have != n {
			b.Fatalf("RXLEDGER_BENCH_DIR=%s holds a ledger of %q serials, want %d: use another directory", root, raw, n)
		}
		return dir, true
	case errors.Is(err, os.ErrNotExist):
		if _, serr := os.Stat(dir); serr == nil {
			b.Fatalf("RXLEDGER_BENCH_DIR=%s has a ledger without a finished load: remove it", root)
		}
		b.Cleanup(func() {
			if !b.Failed() {
				if werr := os.WriteFile(marker, []byte(strconv.Itoa(n)+"\n"), 0o644); werr != nil {
					b.Errorf("write %s: %v", marker, werr)
				}
			}
		})
		return dir, false
	default:
		b.Fatalf("read %s: %v", marker, err)
		return "", false
	}
}

// buildVerifyLedger commissions n serials into a new ledger in dir, compacts
// and closes it, and verifies the whole stored ledger, logging the time each
// step took and the bytes at rest per serial.
func buildVerifyLedger(b *testing.B, dir string, n int) {
	b.Helper()
	l := openDSCSA(b, dir, Options{})
	dscsaPartners(b, l)
	start := time.Now()
	loadSerials(b, l, n)
	b.Logf("loaded %d serials in %s (%.0f EPCs/s)", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	// Settle and reopen so reads start from the store, not from the
	// loader's memtables.
	perSerial := float64(settle(b, l)) / float64(n)
	b.Logf("%.1f bytes at rest per serial", perSerial)
	vstart := time.Now()
	if _, err := Verify(dir); err != nil {
		b.Fatalf("verify: %v", err)
	}
	b.Logf("ledger verify of %d serials took %s (%.1f µs/serial)", n, time.Since(vstart).Round(time.Millisecond),
		float64(time.Since(vstart).Microseconds())/float64(n))
}

// benchReadOptions are the options the scale benchmark reads with: the
// defaults, or a block cache of RXLEDGER_BENCH_CACHE_MB mebibytes.
func benchReadOptions(b *testing.B) Options {
	b.Helper()
	var o Options
	if s := os.Getenv("RXLEDGER_BENCH_CACHE_MB"); s != "" {
		mb, err := strconv.Atoi(s)
		if err != nil || mb < 1 {
			b.Fatalf("RXLEDGER_BENCH_CACHE_MB=%q: want a positive number", s)
		}
		o.CacheBytes = int64(mb) << 20
	}
	return o
}

// warmBenchCache, when RXLEDGER_BENCH_WARM is set, reads the whole world
// state once before the timed loop, so the loop measures a block cache that
// has seen the state (as a long-running node's has) rather than a cold one.
func warmBenchCache(b *testing.B, l *Ledger) {
	b.Helper()
	if os.Getenv("RXLEDGER_BENCH_WARM") == "" {
		return
	}
	start := time.Now()
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceState}, UpperBound: []byte{spaceState + 1}})
	if err != nil {
		b.Fatal(err)
	}
	keys := 0
	for it.First(); it.Valid(); it.Next() {
		keys++
	}
	if err := it.Close(); err != nil {
		b.Fatal(err)
	}
	m := l.db.Metrics()
	b.Logf("warmed: %d state keys read in %s; block cache %d MiB in use", keys, time.Since(start).Round(time.Millisecond), m.BlockCache.Size>>20)
}

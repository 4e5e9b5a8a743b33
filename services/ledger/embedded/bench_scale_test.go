package embedded

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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
	want := strconv.Itoa(n)
	if randomSerials {
		want += " random"
	}
	raw, err := os.ReadFile(marker)
	switch {
	case err == nil:
		if have := strings.TrimSpace(string(raw)); have != want {
			b.Fatalf("RXLEDGER_BENCH_DIR=%s holds a ledger of %q serials, want %q: use another directory", root, have, want)
		}
		return dir, true
	case errors.Is(err, os.ErrNotExist):
		if _, serr := os.Stat(dir); serr == nil {
			b.Fatalf("RXLEDGER_BENCH_DIR=%s has a ledger without a finished load: remove it", root)
		}
		b.Cleanup(func() {
			if !b.Failed() {
				if werr := os.WriteFile(marker, []byte(want+"\n"), 0o644); werr != nil {
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
// defaults, or a block cache of RXLEDGER_BENCH_CACHE_MB mebibytes and a state
// cache of RXLEDGER_BENCH_STATE_CACHE_MB, and WarmCache when
// RXLEDGER_BENCH_WARM is set.
func benchReadOptions(b *testing.B) Options {
	b.Helper()
	var o Options
	o.CacheBytes = benchMebibytes(b, "RXLEDGER_BENCH_CACHE_MB")
	o.StateCacheBytes = benchMebibytes(b, "RXLEDGER_BENCH_STATE_CACHE_MB")
	o.WarmCache = os.Getenv("RXLEDGER_BENCH_WARM") != ""
	return o
}

// benchMebibytes is the size in bytes that the environment variable name
// gives in mebibytes, 0 (the default) when it is unset.
func benchMebibytes(b *testing.B, name string) int64 {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return 0
	}
	mb, err := strconv.Atoi(s)
	if err != nil || mb < 1 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return int64(mb) << 20
}

// warmBenchCache, when RXLEDGER_BENCH_WARM is set (and so the ledger was
// opened with WarmCache), waits for the warm-up to finish before the timed
// loop, so the loop measures the block cache of a node that has been up for
// a while rather than a cold one.
func warmBenchCache(b *testing.B, l *Ledger) {
	b.Helper()
	if l.scan == nil {
		return
	}
	start := time.Now()
	// The whole pass (the key filter too), so that none of it runs inside
	// the measured reads.
	<-l.scan.done
	b.Logf("warm-up and key filter took %s; block cache %d MiB in use", time.Since(start).Round(time.Millisecond), l.db.Metrics().BlockCache.Size>>20)
}

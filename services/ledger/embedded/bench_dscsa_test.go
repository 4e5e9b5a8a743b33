package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Benchmarks of the real DSCSA chaincode on the embedded ledger, durability
// on. See BENCHMARKS.md for recorded results and how to run the large-scale
// comparison.

// BenchmarkDSCSACommission1000 commissions 1,000 serials per transaction
// (one EPCIS commissioning event, one lot per transaction) from concurrent
// submitters. RXLEDGER_BENCH_METRICS=1 logs the store's metrics (flushes,
// compactions and bytes per level) at the end of each run.
func BenchmarkDSCSACommission1000(b *testing.B) {
	dir := b.TempDir()
	l := openDSCSA(b, dir, Options{})
	dscsaPartners(b, l)
	var seq atomic.Int64
	cpu0 := cpuSeconds()
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(seq.Add(1))
			tx := commissionTx(b, "L"+strconv.Itoa(n), benchSerials("C", n*1000, 1000))
			if _, err := submitRetrying(l, tx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	epcs := float64(b.N) * 1000
	b.ReportMetric(epcs/b.Elapsed().Seconds(), "EPCs/s")
	b.ReportMetric((cpuSeconds()-cpu0)*1e6/epcs, "cpu-µs/EPC")
	// The CPU of flushing what the memtables still hold at the end, so that
	// larger memtables do not look cheaper by leaving work undone.
	if err := l.db.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric((cpuSeconds()-cpu0)*1e6/epcs, "flushed-cpu-µs/EPC")
	if os.Getenv("RXLEDGER_BENCH_METRICS") != "" {
		b.Logf("store metrics after %d transactions:\n%s", b.N, l.db.Metrics())
	}
	reportBlocks(b, l)
	b.ReportMetric(float64(settle(b, l))/epcs, "disk-bytes/EPC")
}

// BenchmarkDSCSAShipOne runs single-event transactions: each ships one
// commissioned serial (then voids the shipment, alternately), from many
// concurrent submitters on distinct serials.
func BenchmarkDSCSAShipOne(b *testing.B) {
	l := openDSCSA(b, b.TempDir(), Options{})
	dscsaPartners(b, l)
	const pool = 20000
	for i := 0; i < pool/1000; i++ {
		if _, err := l.Submit(context.Background(), mfr, commissionTx(b, "LS", serialRange("P", i*1000, 1000))); err != nil {
			b.Fatal(err)
		}
	}
	var seq atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(seq.Add(1)) - 1
			serial := "P" + strconv.Itoa(i%pool)
			step, disp := "shipping", "in_transit"
			if (i/pool)%2 == 1 {
				step, disp = "void_shipping", "active"
			}
			tx := singleEventTx(b, step, disp, dscsaSGTIN(serial), i)
			if _, err := submitRetrying(l, tx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	reportBlocks(b, l)
}

// BenchmarkDSCSAVerify runs the chaincode's Verify query in process, from
// concurrent callers, over 10,000 commissioned serials.
func BenchmarkDSCSAVerify(b *testing.B) {
	l := openDSCSA(b, b.TempDir(), Options{})
	dscsaPartners(b, l)
	loadSerials(b, l, 10000)
	reqs := make([]string, 1024)
	for i := range reqs {
		reqs[i] = verifyRequest(b, benchSerial("V", rand.IntN(10000)), lotOf(rand.IntN(10000)))
	}
	var seq atomic.Int64
	cpu0 := cpuSeconds()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := l.Evaluate(context.Background(), "PharmacyMSP", chaincode.FnVerify, reqs[seq.Add(1)%int64(len(reqs))])
			if err != nil || len(out) == 0 {
				b.Errorf("verify: %s, %v", out, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	b.ReportMetric((cpuSeconds()-cpu0)*1e6/float64(b.N), "cpu-µs/verification")
}

// BenchmarkDSCSAVerifyAtScale measures one caller's verification latency
// (ns/op) on random serials among RXLEDGER_BENCH_SERIALS commissioned ones
// (default 10,000), the process CPU per verification, and the block cache
// hit rate of the timed reads.
// Compare runs at 10 thousand and 10 million (see BENCHMARKS.md). The first
// run loads, compacts and verifies the ledger (logging its load rate, bytes at
// rest and verify time); with RXLEDGER_BENCH_DIR set it keeps that ledger for
// later runs. RXLEDGER_BENCH_CACHE_MB overrides the block cache size and
// RXLEDGER_BENCH_WARM=1 reads the state once before timing.
// RXLEDGER_BENCH_METRICS=1 logs the store's metrics (tables and bytes per
// level) after the timed loop.
// openScaleLedger opens the scale benchmarks' ledger of
// RXLEDGER_BENCH_SERIALS commissioned serials (default 10,000; see
// BenchmarkDSCSAVerifyAtScale), building it first when it is not kept from
// an earlier run, and returns it with its number of serials.
func openScaleLedger(b *testing.B) (*Ledger, int) {
	b.Helper()
	n := 10000
	if s := os.Getenv("RXLEDGER_BENCH_SERIALS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1000 {
			b.Fatalf("RXLEDGER_BENCH_SERIALS=%q: want a number of at least 1000", s)
		}
		n = v / 1000 * 1000
	}
	dir, reused := benchLedgerDir(b, n)
	if !reused {
		buildVerifyLedger(b, dir, n)
	}
	l := openDSCSA(b, dir, benchReadOptions(b))
	if reused {
		// A ledger kept from an earlier run may predate regulator
		// attestations; writing the partners again (with attestation) is
		// idempotent in effect and makes the requester a current ATP.
		dscsaPartners(b, l)
		// Compact those writes now, not in the background of the
		// measured reads.
		if err := l.db.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := l.db.Compact([]byte{0}, []byte{0xff}, true); err != nil {
			b.Fatal(err)
		}
	}
	warmBenchCache(b, l)
	return l, n
}

// BenchmarkDSCSAClassRefusalAtScale measures refusing a class-level event
// (the GTIN pattern of every serial of the scale ledger) to a partner that
// holds none of it: the holdings index answers without reading the GTIN's
// serials, so the cost should not grow with RXLEDGER_BENCH_SERIALS (the
// chaincode before the index read all of them: 17.4 s at 10 million).
func BenchmarkDSCSAClassRefusalAtScale(b *testing.B) {
	l, _ := openScaleLedger(b)
	one := 1.0
	e := epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "inspecting",
		EventTime: dscsaEventTime, EventTimeZoneOffset: "+00:00",
		QuantityList: []epcis.QuantityElement{{EPCClass: "urn:epc:idpat:sgtin:0312345.067890.*", Quantity: &one, HasQuantity: true}}}
	raw, err := json.Marshal([]epcis.Event{e})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_, err := l.Submit(context.Background(), "WholesalerMSP", ledger.Transaction{Function: chaincode.FnCapture,
			Transient: map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}})
		if !problem.Is(err, problem.Forbidden) {
			b.Fatalf("a non-holder's class-level event: %v, want forbidden (not-class-holder)", err)
		}
	}
}

func BenchmarkDSCSAVerifyAtScale(b *testing.B) {
	l, n := openScaleLedger(b)
	rng := rand.New(rand.NewPCG(1, 2))
	c0 := l.db.Metrics().BlockCache
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for b.Loop() {
		i := rng.IntN(n)
		out, err := l.Evaluate(context.Background(), "PharmacyMSP", chaincode.FnVerify, verifyRequest(b, benchSerial("V", i), lotOf(i)))
		if err != nil {
			b.Fatal(err)
		}
		var v chaincode.VerifyResult
		if err := json.Unmarshal(out, &v); err != nil || !v.Verified {
			b.Fatalf("serial V%d not verified: %s %v", i, out, err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuSeconds()-cpu0)*1e6/float64(b.N), "cpu-µs/op")
	c1 := l.db.Metrics().BlockCache
	if os.Getenv("RXLEDGER_BENCH_METRICS") != "" {
		// Printed, not logged: the benchmark log truncates long output.
		fmt.Fprintf(os.Stderr, "store metrics after %d verifications:\n%s\n", b.N, l.db.Metrics())
	}
	if lookups := (c1.Hits - c0.Hits) + (c1.Misses - c0.Misses); lookups > 0 {
		b.ReportMetric(100*float64(c1.Hits-c0.Hits)/float64(lookups), "cache-hit-%")
	}
}

// randomSerials makes the benchmarks' serials randomised
// (RXLEDGER_BENCH_RANDOM_SERIALS set) instead of consecutive.
var randomSerials = os.Getenv("RXLEDGER_BENCH_RANDOM_SERIALS") != ""

// benchSerial is the benchmarks' serial i with prefix: prefix and i
// ("V1234": consecutive serials share the chaincode's blocks of 1,000), or,
// with randomSerials, prefix and 12 digits scattered over the serial space
// (i times an odd multiplier not divisible by 5, modulo 10^12: distinct for
// distinct i, and no two serials of a load share a block), as a system
// issuing randomised serials would.
func benchSerial(prefix string, i int) string {
	if randomSerials {
		return fmt.Sprintf("%s%012d", prefix, uint64(i)*2654435761%1_000_000_000_000)
	}
	return prefix + strconv.Itoa(i)
}

// benchSerials is n serials from benchSerial(prefix, from) on.
func benchSerials(prefix string, from, n int) []string {
	out := make([]string, n)
	for k := range out {
		out[k] = benchSerial(prefix, from+k)
	}
	return out
}

// lotOf is the lot loadSerials commissioned serial i in.
func lotOf(i int) string { return "LV" + strconv.Itoa(i/1000) }

// loadSerials commissions serials V0..V(n-1), 1,000 per transaction and lot,
// from two concurrent submitters.
func loadSerials(b *testing.B, l *Ledger, n int) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)-1) * 1000
				if i >= n {
					return
				}
				if _, err := submitRetrying(l, commissionTx(b, lotOf(i), benchSerials("V", i, 1000))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("load: %v", err)
	}
}

// singleEventTx is a one-event Capture transaction on epc: a shipment to
// the wholesaler, or the voiding of one.
func singleEventTx(b *testing.B, step, disposition, epc string, second int) ledgerTransaction {
	b.Helper()
	e := epcis.Event{
		Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: step, Disposition: disposition,
		EPCList: []string{epc}, EventTime: dscsaEventTime.Add(time.Duration(second) * time.Second), EventTimeZoneOffset: "+00:00",
	}
	if step == "shipping" {
		e.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/0388888000009"}}
	}
	raw, err := json.Marshal([]epcis.Event{e})
	if err != nil {
		b.Fatal(err)
	}
	return ledgerTransaction{Function: chaincode.FnCapture, Transient: map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}}
}

// submitRetrying submits as the manufacturer, retrying MVCC conflicts as a
// client would.
func submitRetrying(l *Ledger, tx ledgerTransaction) (ledgerReceipt, error) {
	for {
		r, err := l.Submit(context.Background(), mfr, tx)
		if problem.Is(err, problem.Conflict) {
			continue
		}
		if err != nil {
			return r, fmt.Errorf("submit %s: %w", tx.Function, err)
		}
		return r, nil
	}
}

// cpuSeconds is the CPU time this process has used (user and system), so a
// benchmark can report cost independent of what else the machine runs.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// settle flushes the memtables to tables, compacts, closes the ledger and
// returns the bytes of its live tables: what the data takes at rest (neither
// the write-ahead log nor obsolete tables awaiting deletion, which a
// directory listing would count).
func settle(b *testing.B, l *Ledger) int64 {
	b.Helper()
	if err := l.db.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := l.db.Compact([]byte{0}, []byte{0xff}, true); err != nil {
		b.Fatal(err)
	}
	live := l.db.Metrics().Total().Size
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	return live
}

// BenchmarkDSCSAHistory runs the chaincode's History query (custody chain of
// one serial) on uniformly random serials among 10,000 commissioned ones, of
// which the first 1,000 were also shipped (two entries), after the store is
// flushed to tables. Each entry's value is read from its block.
func BenchmarkDSCSAHistory(b *testing.B) {
	l := openDSCSA(b, b.TempDir(), Options{})
	dscsaPartners(b, l)
	const n, shipped = 10000, 1000
	loadSerials(b, l, n)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < shipped; i += 8 {
				if _, err := submitRetrying(l, singleEventTx(b, "shipping", "in_transit", dscsaSGTIN(benchSerial("V", i)), i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	if err := l.db.Flush(); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	entries := 0
	b.ResetTimer()
	for b.Loop() {
		i := rng.IntN(n)
		out, err := l.Evaluate(context.Background(), mfr, chaincode.FnHistory, dscsaSGTIN(benchSerial("V", i)))
		if err != nil {
			b.Fatal(err)
		}
		var h []chaincode.CustodyEntry
		if err := json.Unmarshal(out, &h); err != nil {
			b.Fatal(err)
		}
		if want := 1 + btoi(i < shipped); len(h) != want {
			b.Fatalf("history of V%d has %d entries, want %d: %s", i, len(h), want, out)
		}
		entries += len(h)
	}
	b.ReportMetric(float64(entries)/float64(b.N), "entries/op")
}

func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

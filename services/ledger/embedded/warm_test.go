package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/ledger"
)

// TestWarmCache checks that a ledger opened with WarmCache has read the
// world state into the block cache, so that verifications afterwards are
// served from the cache, and that one without it has not.
func TestWarmCache(t *testing.T) {
	dir := t.TempDir()
	l := openDSCSA(t, dir, Options{})
	dscsaPartners(t, l)
	if _, err := l.Submit(context.Background(), mfr, commissionTx(t, "LW", serialRange("W", 0, 500))); err != nil {
		t.Fatalf("commission: %v", err)
	}
	if err := l.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		warm     bool
		wantHits bool
	}{
		{"without warm-up reads miss the cache", false, false},
		{"with warm-up reads hit the cache", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := openDSCSA(t, dir, Options{WarmCache: tc.warm})
			if l.warm != nil {
				<-l.warm.done
			}
			before := l.db.Metrics().BlockCache
			out, err := l.Evaluate(context.Background(), "PharmacyMSP", chaincode.FnVerify, verifyRequest(t, "W321", "LW"))
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			var v chaincode.VerifyResult
			if err := json.Unmarshal(out, &v); err != nil || !v.Verified {
				t.Fatalf("serial W321 not verified: %s %v", out, err)
			}
			after := l.db.Metrics().BlockCache
			misses := after.Misses - before.Misses
			if tc.wantHits && misses != 0 {
				t.Errorf("verification after warm-up missed the block cache %d times", misses)
			}
			if !tc.wantHits && misses == 0 {
				t.Error("verification on a cold cache had no misses: the test does not exercise the warm-up")
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestWarmCacheClose checks that closing a ledger right after opening it
// with WarmCache stops the warm-up before the store closes, and that the
// ledger reopens cleanly.
func TestWarmCacheClose(t *testing.T) {
	dir := t.TempDir()
	l := openDSCSA(t, dir, Options{})
	dscsaPartners(t, l)
	if _, err := l.Submit(context.Background(), mfr, commissionTx(t, "LC", serialRange("C", 0, 200))); err != nil {
		t.Fatalf("commission: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		l := openDSCSA(t, dir, Options{WarmCache: true})
		if err := l.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
		select {
		case <-l.warm.done:
		default:
			t.Fatalf("close %d returned while the warm-up was still running", i)
		}
	}
}

// reopenWarm closes l and reopens its store with WarmCache and opts, waiting
// for the pass over the state to end.
func reopenWarm(t *testing.T, l *Ledger, dir string, opts Options) *Ledger {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	opts.WarmCache = true
	l = openAt(t, dir, &kvChaincode{}, opts)
	<-l.scan.done
	return l
}

// cacheMisses is the number of state reads the state cache did not answer.
func cacheMisses(l *Ledger) int64 { return l.values.misses.Load() }

// TestWarmFillsStateCache: the pass over the state at Open puts every stored
// value in the state cache, so that the first read of any key (a random
// serial among millions is read once) is answered without reading the store.
func TestWarmFillsStateCache(t *testing.T) {
	l, dir := openTest(t, &kvChaincode{}, Options{})
	const n = 3000
	submit(t, l, mfr, "putMany", "w", fmt.Sprint(n))
	l = reopenWarm(t, l, dir, Options{})
	for i := range n {
		k := fmt.Sprintf("w%07d", i)
		if _, val, ok := cacheEntry(l, k); !ok || string(val) != "v"+k {
			t.Fatalf("after the pass, %s is cached %v as %q, want %q", k, ok, val, "v"+k)
		}
	}
	before := cacheMisses(l)
	for _, i := range []int{0, 1234, n - 1} {
		k := fmt.Sprintf("w%07d", i)
		if got := string(evaluate(t, l, mfr, "get", k)); got != "v"+k {
			t.Fatalf("get %s = %q", k, got)
		}
	}
	if reads := cacheMisses(l) - before; reads != 0 {
		t.Errorf("first reads of warmed keys made %d store reads, want none", reads)
	}

	// Without WarmCache nothing is filled: a first read goes to the store.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openAt(t, dir, &kvChaincode{}, Options{})
	if _, ok := cached(l, "w0001234"); ok {
		t.Fatal("a key is cached without a pass or a read")
	}
	before = cacheMisses(l)
	evaluate(t, l, mfr, "get", "w0001234")
	if cacheMisses(l) == before {
		t.Error("a first read without the pass missed no cache: the test does not tell the fill apart")
	}
}

// TestWarmFillUnderCommits: a commit during the pass never leaves an old
// value in the state cache (the batch read from the pass's older view is
// dropped), and the pass goes on filling on the latest state after it.
func TestWarmFillUnderCommits(t *testing.T) {
	l, dir := openTest(t, &kvChaincode{}, Options{})
	const n = 3000 // about a dozen fill batches
	submit(t, l, mfr, "putMany", "w", fmt.Sprint(n))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// After the first batch is offered, commit new values of a key the
	// pass has offered (w0000001), of keys its iterator has yet to read
	// from its older view (w0000300, in the second batch; w0002999, the
	// last), and a new key.
	changed := map[string]string{"w0000001": "n1", "w0000300": "n300", "w0002999": "n2999", "w0001500x": "new"}
	var committed chan struct{}
	var ledgerOf func() *Ledger
	batches := 0
	opts := quietOptions()
	opts.WarmCache = true
	opts.afterFill = func() {
		batches++
		if batches != 1 {
			return
		}
		for k, v := range changed {
			if _, err := ledgerOf().Submit(context.Background(), mfr, ledger.Transaction{Function: "put", Args: []string{k, v}}); err != nil {
				t.Errorf("put %s: %v", k, err)
			}
		}
		close(committed)
	}
	committed = make(chan struct{})
	var lp *Ledger
	ready := make(chan struct{})
	ledgerOf = func() *Ledger { <-ready; return lp }
	lp = openAt(t, dir, &kvChaincode{}, opts)
	close(ready)
	<-lp.scan.done
	select {
	case <-committed:
	default:
		t.Fatal("the pass offered no batch: the test did not run the commits during it")
	}
	l = lp
	want := func(k string) string {
		if v, ok := changed[k]; ok {
			return v
		}
		return "v" + k
	}
	filledAfter := 0
	for i := range n {
		k := fmt.Sprintf("w%07d", i)
		if got := string(evaluate(t, l, mfr, "get", k)); got != want(k) {
			t.Fatalf("get %s = %q, want %q", k, got, want(k))
		}
		if _, val, ok := cacheEntry(l, k); ok {
			if string(val) != want(k) {
				t.Errorf("the state cache holds %q for %s, whose committed value is %q", val, k, want(k))
			}
			if _, written := changed[k]; i >= 512 && !written { // the commits cache what they write
				filledAfter++
			}
		}
	}
	if filledAfter == 0 {
		t.Error("nothing after the commit was cached: the pass stopped filling at the first commit")
	}
}

// TestStateCacheFullness: the pass stops filling at its share of the budget.
func TestStateCacheFullness(t *testing.T) {
	c := newStateCache(minStateCacheBytes)
	if c.full() {
		t.Fatal("an empty cache is full")
	}
	val := make([]byte, versionLen+1000)
	added := 0
	for i := 0; !c.full(); i++ {
		if i > 2*minStateCacheBytes/len(val) {
			t.Fatalf("added %d values of %d bytes to a cache of %d bytes and it is not full", i, len(val), minStateCacheBytes)
		}
		keys, raws := [][]byte{}, [][]byte{}
		for j := range scanFillBatch {
			keys = append(keys, fmt.Appendf(nil, "k%09d", i*scanFillBatch+j))
			raws = append(raws, val)
		}
		if !c.fill(0, keys, raws) {
			t.Fatal("fill refused with no commit")
		}
		added += len(keys)
	}
	if bytes := added * len(val); bytes < minStateCacheBytes/2 {
		t.Errorf("full after %d bytes of values, under half of %d", bytes, minStateCacheBytes)
	}
	c.commitStart(nil)
	if c.fill(0, [][]byte{[]byte("late")}, [][]byte{val}) {
		t.Error("fill accepted values read before a commit started")
	}
}

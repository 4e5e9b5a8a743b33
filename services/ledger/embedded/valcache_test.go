package embedded

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// cached reports the version of key's entry in the state cache, if any.
func cached(l *Ledger, key string) (Version, bool) {
	v, _, ok := cacheEntry(l, key)
	return v, ok
}

// cacheEntry reports key's entry in either tier of the state cache, if any.
func cacheEntry(l *Ledger, key string) (Version, []byte, bool) {
	l.values.mu.RLock()
	e, ok := l.values.hot[string(stateKey(key))]
	l.values.mu.RUnlock()
	if ok {
		return e.v, e.val, true
	}
	raw, ok := l.values.c.HasGet(nil, stateKey(key))
	if !ok {
		return Version{}, nil, false
	}
	v, val, err := splitVersioned(raw)
	if err != nil {
		panic(err)
	}
	return v, val, true
}

// heldReader is a read-only transaction state whose snapshot is taken now,
// the way Evaluate takes one.
func heldReader(t *testing.T, l *Ledger) *txState {
	t.Helper()
	gen, ok := l.values.begin()
	snap := l.db.NewSnapshot()
	t.Cleanup(func() { snap.Close() })
	st := newTxState(snap, l.cons, newTxID(), time.Now().UTC(), mfr, nil, true)
	st.useCache(l.values, gen, ok)
	return st
}

// TestStateCacheFollowsCommits: a key read repeatedly is served from the
// state cache, and every read returns what its own snapshot holds: new
// values after a commit, and the old value to a reader whose snapshot
// predates the commit, whose reads neither use nor fill the cache.
func TestStateCacheFollowsCommits(t *testing.T) {
	l, _ := openTest(t, &kvChaincode{}, Options{})
	submit(t, l, mfr, "put", "k", "v1")
	for range 3 {
		if got := string(evaluate(t, l, mfr, "get", "k")); got != "v1" {
			t.Fatalf("get k = %q, want v1", got)
		}
	}
	v1, ok := cached(l, "k")
	if !ok {
		t.Fatal("a key read three times is not cached")
	}

	// A reader whose snapshot is taken before the next commit.
	old := heldReader(t, l)
	submit(t, l, mfr, "put", "k", "v2")
	if v, ok := cached(l, "k"); ok && v == v1 {
		t.Fatalf("entry of version %v survived a commit that wrote the key", v)
	}
	// The old reader sees its snapshot's value, and its reads (the key is
	// no longer new to the admission table) do not put v1 in the cache.
	oldReads := func() {
		t.Helper()
		for range 3 {
			raw, err := old.GetState("k")
			if err != nil || string(raw) != "v1" {
				t.Fatalf("old snapshot reads %q, %v; want v1", raw, err)
			}
		}
	}
	oldReads()
	if v, ok := cached(l, "k"); ok && v == v1 {
		t.Fatalf("the old snapshot's read cached version %v", v)
	}
	for range 3 {
		if got := string(evaluate(t, l, mfr, "get", "k")); got != "v2" {
			t.Fatalf("get k after the commit = %q, want v2", got)
		}
	}
	v2, ok := cached(l, "k")
	if !ok || v2 == v1 {
		t.Fatalf("cache holds version %v (present %v), want the new version (old %v)", v2, ok, v1)
	}
	// With v2 cached, the old reader still sees v1.
	oldReads()
	if v, _ := cached(l, "k"); v != v2 {
		t.Fatalf("cache holds version %v after the old reader, want %v", v, v2)
	}

	// Deletion: the entry goes, and readers see the key absent.
	submit(t, l, mfr, "del", "k")
	for range 3 {
		if got := evaluate(t, l, mfr, "get", "k"); got != nil {
			t.Fatalf("get of a deleted key = %q", got)
		}
	}
	if _, ok := cached(l, "k"); ok {
		t.Fatal("a deleted key is cached")
	}
}

// TestStateCacheVersionsInReadSets: a transaction that read a key from the
// cache records the cached version, so a commit of the key while it is held
// makes it an MVCC conflict, as a read from the store would.
func TestStateCacheVersionsInReadSets(t *testing.T) {
	g := newGates("A")
	l, _ := openTest(t, &kvChaincode{gate: g.wait}, Options{})
	submit(t, l, mfr, "put", "n", "1")
	for range 3 {
		evaluate(t, l, mfr, "get", "n")
	}
	if _, ok := cached(l, "n"); !ok {
		t.Fatal("n is not cached")
	}
	held := submitAsync(l, "waitIncr", "n", "A")
	<-g.reached["A"]
	submit(t, l, mfr, "put", "n", "5")
	close(g.release["A"])
	out := <-held
	wantCode(t, out.err, problem.Conflict)
	if got := string(evaluate(t, l, mfr, "get", "n")); got != "5" {
		t.Fatalf("n = %q, want 5", got)
	}
	// Without a meddling commit, the cached read validates.
	for range 3 {
		evaluate(t, l, mfr, "get", "n")
	}
	submit(t, l, mfr, "incr", "n")
	if got := string(evaluate(t, l, mfr, "get", "n")); got != "6" {
		t.Fatalf("n = %q, want 6", got)
	}
}

// TestStateCacheAgreesWithSnapshotUnderCommits: while commits change a key,
// transactions (evaluations and submissions) read it with GetState, which
// may be served by the state cache, and with Range, which always reads the
// transaction's snapshot; both must give the same value, whatever the
// interleaving of the reader's snapshot with the commits, and a chaincode
// that scribbles on a value it read changes nothing another reads.
func TestStateCacheAgreesWithSnapshotUnderCommits(t *testing.T) {
	kv := &kvChaincode{}
	cc := func(st chaincode.State, fn string, args []string) ([]byte, error) {
		if fn != "agree" {
			return kv.invoke(st, fn, args)
		}
		var got [3][]byte
		for i := range 2 { // twice: the second read of a key admits it to the cache
			v, err := st.GetState("k")
			if err != nil {
				return nil, err
			}
			got[i] = v
		}
		if err := st.Range("k", "k\x00", func(key string, value []byte) (bool, error) {
			got[2] = value
			return true, nil
		}); err != nil {
			return nil, err
		}
		if !bytes.Equal(got[0], got[1]) || !bytes.Equal(got[0], got[2]) {
			return nil, fmt.Errorf("GetState read %q then %q, Range %q", got[0], got[1], got[2])
		}
		out := bytes.Clone(got[0])
		for i := range 2 { // a chaincode may scribble on what it read
			for j := range got[i] {
				got[i][j] = 'x'
			}
		}
		if len(args) > 0 {
			return out, st.PutState(args[0], out)
		}
		return out, nil
	}
	opts := quietOptions()
	l, err := Open(t.TempDir(), testConsortium(), cc, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ctx := context.Background()
	submit(t, l, mfr, "put", "k", "0")

	const commits = 150
	done := make(chan struct{})
	var writers, readers sync.WaitGroup
	writers.Go(func() {
		for range commits {
			if _, err := l.Submit(ctx, mfr, ledger.Transaction{Function: "incr", Args: []string{"k"}}); err != nil &&
				!problem.Is(err, problem.Conflict) {
				t.Errorf("incr: %v", err)
				return
			}
		}
	})
	var reads atomic.Int64
	for r := range 3 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				var err error
				if r == 0 { // a submission, whose reads are validated
					_, err = l.Submit(ctx, mfr, ledger.Transaction{Function: "agree", Args: []string{"copy"}})
					if problem.Is(err, problem.Conflict) {
						err = nil
					}
				} else {
					_, err = l.Evaluate(ctx, mfr, "agree")
				}
				if err != nil {
					t.Errorf("agree: %v", err)
					return
				}
				reads.Add(1)
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()
	if reads.Load() == 0 {
		t.Fatal("no transaction read the key")
	}
	// The cache was in use: the key is cached once commits stop.
	for range 2 {
		evaluate(t, l, mfr, "agree")
	}
	if _, ok := cached(l, "k"); !ok {
		t.Error("the key read repeatedly is not cached")
	}
}

// TestCommitsFillStateCache: a block's writes go into the state cache as it
// commits, so the first read of a key written since Open needs no store
// read; when one block writes a key several times (a small value, a value
// too large to cache, a deletion, in any order), the cache ends with what
// the store holds.
func TestCommitsFillStateCache(t *testing.T) {
	opts := quietOptions()
	opts.MaxBlockWait = 20 * time.Millisecond // the writes of a key share a block
	l, _ := openTest(t, &kvChaincode{}, opts)
	r := submit(t, l, mfr, "put", "a", "1")
	v, val, ok := cacheEntry(l, "a")
	if !ok || string(val) != "1" || v.Block != r.Block {
		t.Fatalf("after its commit, a is cached %v as %q at %v, want \"1\" at block %d", ok, val, v, r.Block)
	}
	before := cacheMisses(l)
	if got := string(evaluate(t, l, mfr, "get", "a")); got != "1" {
		t.Fatalf("get a = %q", got)
	}
	if reads := cacheMisses(l) - before; reads != 0 {
		t.Errorf("the first read of a key written since Open made %d store reads, want none", reads)
	}

	big := strings.Repeat("b", stateCacheMaxValue+1)
	orders := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	const keys = 20
	sameBlock := 0
	for i := range keys {
		k := fmt.Sprintf("x%02d", i)
		submit(t, l, mfr, "put", k, "old") // cached: a stale entry would show
		// Each key gets the three writes in another order, submitted a
		// moment apart so that the block keeps that order.
		writes := [][]string{{"put", k, "small"}, {"put", k, big}, {"del", k}}
		order := orders[i%len(orders)]
		var outs []chan outcome
		for _, w := range order {
			outs = append(outs, submitAsync(l, writes[w][0], writes[w][1:]...))
			time.Sleep(time.Millisecond)
		}
		blocks := map[uint64]bool{}
		for _, ch := range outs {
			out := <-ch
			if out.err != nil {
				t.Fatalf("write %s: %v", k, out.err)
			}
			blocks[out.r.Block] = true
		}
		if len(blocks) == 1 {
			sameBlock++
		}
		stored := evaluate(t, l, mfr, "get", k)
		if _, val, ok := cacheEntry(l, k); ok && !bytes.Equal(val, stored) {
			t.Errorf("%s: the state cache holds %.20q, the store %.20q", k, val, stored)
		}
	}
	if sameBlock == 0 {
		t.Fatal("no key had its three writes in one block: the test did not exercise the order within a block")
	}
}

// TestCommitEndKeepsTheLastWrite: when a block writes a key more than once,
// the bulk tier ends with the block's last write: its value if it is small
// enough to cache, no entry if it is a deletion or too large.
func TestCommitEndKeepsTheLastWrite(t *testing.T) {
	small := Version{Block: 7}.append(nil)
	small = append(small, "small"...)
	big := append(Version{Block: 7, Tx: 1}.append(nil), strings.Repeat("b", stateCacheMaxValue+1)...)
	tests := []struct {
		name   string
		writes [][]byte
		want   []byte // nil: no entry
	}{
		{"value then deletion", [][]byte{small, nil}, nil},
		{"deletion then value", [][]byte{nil, small}, small},
		{"value then a value too large", [][]byte{small, big}, nil},
		{"a value too large then value", [][]byte{big, small}, small},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newStateCache(minStateCacheBytes)
			sk := stateKey("k")
			c.fill(0, [][]byte{sk}, [][]byte{append(Version{Block: 3}.append(nil), "old"...)})
			keys := make([][]byte, len(tc.writes))
			for i := range keys {
				keys[i] = sk
			}
			c.commitStart(keys)
			c.commitEnd(keys, tc.writes)
			g, ok := c.begin()
			if !ok {
				t.Fatal("a commit is still in flight after commitEnd")
			}
			v, val, cached := c.get(sk, g)
			switch {
			case tc.want == nil && cached:
				t.Errorf("cached %q at %v, want no entry", val, v)
			case tc.want != nil && (!cached || !bytes.Equal(append(v.append(nil), val...), tc.want)):
				t.Errorf("cached %v: %q at %v, want %q", cached, val, v, tc.want[versionLen:])
			}
		})
	}
}

// TestCommitEndLargeKey: fastcache silently refuses an entry whose key,
// value and lengths reach 64 KiB, whatever the value's size alone. When a
// block writes such a key first with a value small enough for the key to fit
// and then with one that does not, the bulk tier must not keep the first
// write: a reader would get the value and version of the block's earlier
// transaction instead of what the store holds.
func TestCommitEndLargeKey(t *testing.T) {
	c := newStateCache(minStateCacheBytes)
	// A key that fits with a short value but not with one of
	// stateCacheMaxValue bytes.
	sk := stateKey(strings.Repeat("k", 64<<10-versionLen-stateCacheMaxValue))
	first := append(Version{Block: 7}.append(nil), "small"...)
	last := append(Version{Block: 7, Tx: 1}.append(nil), strings.Repeat("v", stateCacheMaxValue)...)
	keys := [][]byte{sk, sk}
	c.commitStart(keys)
	c.commitEnd(keys, [][]byte{first, last})
	g, _ := c.begin()
	if v, val, ok := c.get(sk, g); ok && !bytes.Equal(append(v.append(nil), val...), last) {
		t.Fatalf("the bulk tier holds %.10q at %v for a key the block last wrote at %v", val, v, Version{Block: 7, Tx: 1})
	}
	// bulkFits agrees with what fastcache stores, around its limit.
	raw := make([]byte, versionLen+stateCacheMaxValue)
	for _, n := range []int{-2, -1, 0, 1} {
		k := make([]byte, fastcacheMaxEntry-fastcacheEntryOverhead-len(raw)+n)
		k[0] = byte(n + 2)
		c.c.Set(k, raw)
		if stored := c.c.Has(k); stored != bulkFits(k, raw) {
			t.Errorf("a %d-byte key with a %d-byte value: fastcache stores it %v, bulkFits says %v", len(k), len(raw), stored, bulkFits(k, raw))
		}
	}
}

// TestLargeKeyWrittenTwiceInABlock: TestCommitEndLargeKey through the
// ledger: two transactions of one block write the key, and a later read
// returns the last write.
func TestLargeKeyWrittenTwiceInABlock(t *testing.T) {
	opts := quietOptions()
	opts.MaxBlockWait = 50 * time.Millisecond
	l, _ := openTest(t, &kvChaincode{}, opts)
	key := strings.Repeat("k", 64<<10-versionLen-stateCacheMaxValue)
	big := strings.Repeat("v", stateCacheMaxValue)
	for try := 0; ; try++ {
		a := submitAsync(l, "put", key, fmt.Sprint("small", try))
		time.Sleep(5 * time.Millisecond)
		b := submitAsync(l, "put", key, big)
		ra, rb := <-a, <-b
		if ra.err != nil || rb.err != nil {
			t.Fatalf("put: %v, %v", ra.err, rb.err)
		}
		if ra.r.Block != rb.r.Block || !smallFirst(t, l, ra.r.TxID, rb.r.TxID, ra.r.Block) {
			// The sleep orders the submissions but not the block: only a
			// block with the small write first, then the large, counts.
			if try == 50 {
				t.Fatal("in 50 tries the two writes never shared a block in that order: the test did not exercise a block writing the key twice")
			}
			continue
		}
		if got := string(evaluate(t, l, mfr, "get", key)); got != big {
			t.Fatalf("after a block wrote a small value then a %d-byte one, get returns %.10q (%d bytes)", len(big), got, len(got))
		}
		return
	}
}

// smallFirst reports whether transaction first comes before second in
// block n.
func smallFirst(t *testing.T, l *Ledger, first, second string, n uint64) bool {
	t.Helper()
	b, err := l.Block(n)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(b.Txs, func(tx Tx) bool { return tx.ID == first })
	j := slices.IndexFunc(b.Txs, func(tx Tx) bool { return tx.ID == second })
	return i >= 0 && j > i
}

// TestCommitEndAfterAFailedCommit: when a block's batch fails, the bulk tier
// keeps no entry of the keys it wrote (their stored values are unknown).
func TestCommitEndAfterAFailedCommit(t *testing.T) {
	c := newStateCache(minStateCacheBytes)
	sk := stateKey("k")
	c.fill(0, [][]byte{sk}, [][]byte{append(Version{Block: 3}.append(nil), "old"...)})
	keys := [][]byte{sk}
	c.commitStart(keys)
	c.commitEnd(keys, nil)
	g, ok := c.begin()
	if !ok {
		t.Fatal("a commit is still in flight after commitEnd")
	}
	if v, val, cached := c.get(sk, g); cached {
		t.Errorf("after a failed commit the bulk tier holds %q at %v", val, v)
	}
}

// TestBulkHitsMoveUp: a key found in the bulk tier a second time moves up
// to the hot tier, and a block that writes it afterwards still replaces it
// there (no stale hot entry).
func TestBulkHitsMoveUp(t *testing.T) {
	c := newStateCache(minStateCacheBytes)
	sk := stateKey("lot")
	c.fill(0, [][]byte{sk}, [][]byte{append(Version{Block: 3}.append(nil), "old"...)})
	hot := func() bool {
		c.mu.RLock()
		defer c.mu.RUnlock()
		_, ok := c.hot[string(sk)]
		return ok
	}
	for read := 1; read <= 2; read++ {
		g, _ := c.begin()
		if _, val, ok := c.get(sk, g); !ok || string(val) != "old" {
			t.Fatalf("read %d: %q %v", read, val, ok)
		}
		if got, want := hot(), read == 2; got != want {
			t.Fatalf("after read %d: in the hot tier %v, want %v", read, got, want)
		}
	}
	newer := append(Version{Block: 4}.append(nil), "new"...)
	c.commitStart([][]byte{sk})
	c.commitEnd([][]byte{sk}, [][]byte{newer})
	g, _ := c.begin()
	if v, val, ok := c.get(sk, g); !ok || string(val) != "new" || v.Block != 4 {
		t.Fatalf("after a block wrote it: %q at %v (%v), want the block's value", val, v, ok)
	}
}

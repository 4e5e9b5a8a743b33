package embedded

import (
	"bytes"
	"context"
	"fmt"
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
	if v, ok := cached(l, "k"); ok {
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
	if v, ok := cached(l, "k"); ok {
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

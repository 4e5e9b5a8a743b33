package embedded

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// gates lets a test hold named transactions after their reads.
type gates struct {
	mu      sync.Mutex
	reached map[string]chan struct{}
	release map[string]chan struct{}
}

func newGates(names ...string) *gates {
	g := &gates{reached: map[string]chan struct{}{}, release: map[string]chan struct{}{}}
	for _, n := range names {
		g.reached[n] = make(chan struct{})
		g.release[n] = make(chan struct{})
	}
	return g
}

func (g *gates) wait(name string) {
	g.mu.Lock()
	reached, release := g.reached[name], g.release[name]
	g.mu.Unlock()
	close(reached)
	<-release
}

type outcome struct {
	r   ledger.Receipt
	err error
}

// submitAsync submits in the background.
func submitAsync(l *Ledger, fn string, args ...string) chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		r, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: fn, Args: args})
		ch <- outcome{r, err}
	}()
	return ch
}

func blockCodes(t *testing.T, l *Ledger, n uint64) map[string]ValidationCode {
	t.Helper()
	b, err := l.Block(n)
	if err != nil {
		t.Fatalf("block %d: %v", n, err)
	}
	m := make(map[string]ValidationCode)
	for _, tx := range b.Txs {
		m[tx.ID] = tx.Code
	}
	return m
}

func TestStaleReadIsAConflict(t *testing.T) {
	tests := []struct {
		name     string
		held     []string // function and args of the held transaction (gate "A")
		writes   string   // the key the held transaction writes
		meddle   []string // committed while it is held
		conflict bool
		code     ValidationCode
	}{
		{"key written meanwhile", []string{"waitIncr", "n", "A"}, "n", []string{"put", "n", "5"}, true, TxMVCCConflict},
		{"key deleted meanwhile", []string{"waitIncr", "d", "A"}, "d", []string{"del", "d"}, true, TxMVCCConflict},
		{"other key written meanwhile", []string{"waitIncr", "n", "A"}, "n", []string{"put", "m", "5"}, false, TxValid},
		{"key inserted into a range read", []string{"waitCount", "p~", "p~~", "count", "A"}, "count", []string{"put", "p~new", "x"}, true, TxPhantomConflict},
		{"key of a range read changed", []string{"waitCount", "p~", "p~~", "count", "A"}, "count", []string{"put", "p~1", "y"}, true, TxPhantomConflict},
		{"key outside a range read written", []string{"waitCount", "p~", "p~~", "count", "A"}, "count", []string{"put", "q~1", "x"}, false, TxValid},
	}
	// The committer checks recent writes in memory and older ones in the
	// store; a window limit of -1 restarts the window after every block, so
	// every check goes to the store.
	windows := []struct {
		name  string
		limit int
	}{{"in-memory window", recentWritesLimit}, {"store lookups", -1}}
	for _, w := range windows {
		for _, tc := range tests {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				g := newGates("A")
				l, _ := openTest(t, &kvChaincode{gate: g.wait}, Options{})
				l.recent.limit = w.limit
				submit(t, l, mfr, "put", "p~1", "x")
				submit(t, l, mfr, "put", "d", "1")
				held := submitAsync(l, tc.held[0], tc.held[1:]...)
				<-g.reached["A"]
				submit(t, l, mfr, tc.meddle[0], tc.meddle[1:]...)
				before := string(evaluate(t, l, mfr, "get", tc.writes))
				close(g.release["A"])
				out := <-held
				if !tc.conflict {
					if out.err != nil {
						t.Fatalf("held transaction failed: %v", out.err)
					}
					return
				}
				le := wantCode(t, out.err, problem.Conflict)
				if le.TxID == "" {
					t.Fatal("conflict error names no transaction")
				}
				h, _ := l.Height(context.Background())
				b, err := l.Block(h - 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(b.Txs) != 1 || b.Txs[0].ID != le.TxID || b.Txs[0].Code != tc.code {
					t.Fatalf("last block holds %+v, want only %s with code %s", b.Txs, le.TxID, tc.code)
				}
				if got := string(evaluate(t, l, mfr, "get", tc.writes)); got != before {
					t.Errorf("the invalid transaction changed %s from %q to %q", tc.writes, before, got)
				}
				if ev := b.projection().Events; len(ev) != 0 {
					t.Errorf("invalid transaction's event was published: %+v", ev)
				}
			})
		}
	}
}

func TestConflictWithinOneBlock(t *testing.T) {
	g := newGates("A", "B")
	// Hold blocks open until two transactions are in.
	l, _ := openTest(t, &kvChaincode{gate: g.wait}, Options{MaxBlockTxs: 2, MaxBlockWait: time.Hour})
	a := submitAsync(l, "waitIncr", "n", "A")
	b := submitAsync(l, "waitIncr", "n", "B")
	<-g.reached["A"]
	<-g.reached["B"] // both read n before either is ordered
	close(g.release["A"])
	close(g.release["B"])
	ra, rb := <-a, <-b
	var won ledger.Receipt
	var lost error
	switch {
	case ra.err == nil && rb.err != nil:
		won, lost = ra.r, rb.err
	case rb.err == nil && ra.err != nil:
		won, lost = rb.r, ra.err
	default:
		t.Fatalf("want exactly one to win: %v / %v", ra.err, rb.err)
	}
	le := wantCode(t, lost, problem.Conflict)
	codes := blockCodes(t, l, won.Block)
	if len(codes) != 2 || codes[won.TxID] != TxValid || codes[le.TxID] != TxMVCCConflict {
		t.Errorf("block %d codes %v, want %s valid and %s MVCC conflict", won.Block, codes, won.TxID, le.TxID)
	}
	if got := string(evaluate(t, l, mfr, "get", "n")); got != "1" {
		t.Errorf("n = %q, want 1", got)
	}
}

func TestConcurrentIncrementsStayConsistent(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	const workers, each = 8, 10
	var mu sync.Mutex
	committed, conflicts := 0, 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "incr", Args: []string{"ctr"}})
				mu.Lock()
				switch {
				case err == nil:
					committed++
				case problem.Is(err, problem.Conflict):
					conflicts++
				default:
					t.Errorf("submit: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if committed+conflicts != workers*each {
		t.Fatalf("%d committed + %d conflicts, want %d", committed, conflicts, workers*each)
	}
	got := string(evaluate(t, l, mfr, "get", "ctr"))
	if want := strconv.Itoa(committed); got != want {
		t.Errorf("counter = %s, want %s (one per committed increment; %d conflicts)", got, want, conflicts)
	}
}

// A key deleted and later created again must be writable by a transaction
// that read it while it was absent: the read saw no version, and no version is
// what the key has until the new write commits.
func TestDeletedKeyCanBeRecreated(t *testing.T) {
	windows := []struct {
		name  string
		limit int
	}{{"in-memory window", recentWritesLimit}, {"store lookups", -1}}
	for _, w := range windows {
		t.Run(w.name, func(t *testing.T) {
			l, _ := openTest(t, &kvChaincode{}, Options{})
			l.recent.limit = w.limit
			submit(t, l, mfr, "put", "k", "1")
			submit(t, l, mfr, "del", "k")
			if _, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "incr", Args: []string{"k"}}); err != nil {
				t.Fatalf("read-then-write of a deleted key: %v", err)
			}
			if got := string(evaluate(t, l, mfr, "get", "k")); got != "1" {
				t.Fatalf("k = %q after incr of a deleted key, want 1", got)
			}
		})
	}
}

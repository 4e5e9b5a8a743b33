package embedded

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"rxledger/services/ledger"
)

// waitPresence waits until l's state key filter has scanned the store.
func waitPresence(t *testing.T, l *Ledger) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !l.values.keys.ready.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the state key filter never became ready")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPresenceFilter: after the pass over the state at Open, keys stored before Open and
// keys committed since are never reported absent (a reader would read them
// as missing); keys never written are, and are read as absent.
func TestPresenceFilter(t *testing.T) {
	l, dir := openTest(t, &kvChaincode{}, Options{})
	for i := range 50 {
		submit(t, l, mfr, "put", fmt.Sprintf("old%02d", i), "v")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// An existing store gets its filter from the pass over the state that
	// WarmCache runs at Open.
	l = openAt(t, dir, &kvChaincode{}, Options{WarmCache: true})
	waitPresence(t, l)
	submit(t, l, mfr, "put", "new", "v")
	for i := range 50 {
		k := fmt.Sprintf("old%02d", i)
		if l.values.keys.absent(stateKey(k)) {
			t.Fatalf("key %s stored before Open is reported absent", k)
		}
		if got := string(evaluate(t, l, mfr, "get", k)); got != "v" {
			t.Fatalf("get %s = %q", k, got)
		}
	}
	if l.values.keys.absent(stateKey("new")) || string(evaluate(t, l, mfr, "get", "new")) != "v" {
		t.Fatal("a key committed after Open is reported absent")
	}
	absent := 0
	for i := range 1000 {
		k := fmt.Sprintf("never%04d", i)
		if l.values.keys.absent(stateKey(k)) {
			absent++
		}
		if got := evaluate(t, l, mfr, "get", k); got != nil {
			t.Fatalf("get %s = %q, want absent", k, got)
		}
	}
	// A 1 % false positive rate at its size; an empty filter would say
	// "maybe" to none, a broken one to all.
	if absent < 950 {
		t.Fatalf("only %d of 1000 unwritten keys are known absent", absent)
	}
}

// TestPresenceFilterUnderConcurrentCommits: a reader that starts after a
// commit returned always finds the keys it wrote, while other commits run:
// the filter learns a block's keys before the block reaches the store.
func TestPresenceFilterUnderConcurrentCommits(t *testing.T) {
	l, _ := openTest(t, &kvChaincode{}, Options{})
	waitPresence(t, l)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := range 100 {
				k := fmt.Sprintf("w%d-%03d", w, i)
				if _, err := l.Submit(ctx, mfr, ledger.Transaction{Function: "put", Args: []string{k, "v"}}); err != nil {
					errs <- err
					return
				}
				got, err := l.Evaluate(ctx, mfr, "get", k)
				if err != nil || string(got) != "v" {
					errs <- fmt.Errorf("get %s right after its commit = %q, %v", k, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

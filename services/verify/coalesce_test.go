package verify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"rxledger/services/platform/redistest"
	"rxledger/services/verify/verifytest"
)

// TestCoalescedLookups sends many single lookups at once through the Redis
// cache, so that they share script calls, and checks that each gets its own
// answer: its serial, its serial's lot (two lots, so later copies in a call
// are references to earlier ones) and its requester's record (two
// organisations, one without a record), with one slot in flight so that
// lookups must queue and be carried together.
func TestCoalescedLookups(t *testing.T) {
	srv := redistest.Start(t)
	c := NewRedisCache(srv.Client(), "co:")
	c.co.maxInflight = 1
	ctx := context.Background()
	const n = 300
	var entries []Entry
	for i := range n {
		lot := LotKey("00312345678906", fmt.Sprintf("L%d", i%2))
		entries = append(entries, Entry{Key: SerialKey("00312345678906", fmt.Sprintf("S%d", i)),
			Version: uint64(i + 1), Record: fmt.Appendf(nil, `{"serial":"S%d"}`, i), Lot: lot.ID})
	}
	entries = append(entries,
		Entry{Key: LotKey("00312345678906", "L0"), Version: 7, Record: []byte(`{"lot":"L0"}`)},
		Entry{Key: LotKey("00312345678906", "L1"), Version: 8, Record: []byte(`{"lot":"L1"}`)},
		Entry{Key: PartnerKey("OrgA"), Version: 9, Record: []byte(`{"id":"OrgA"}`)},
		Entry{Key: PartnerKey("OrgB"), Version: 10, Record: nil},
	)
	mustPut(t, c, Checkpoint{}, 42, entries...)

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			org := []string{"OrgA", "OrgB", "OrgC"}[i%3]
			var l Lookup
			if err := c.Lookup(ctx, org, []Key{SerialKey("00312345678906", fmt.Sprintf("S%d", i))}, nil, &l); err != nil {
				errs <- fmt.Errorf("lookup %d: %w", i, err)
				return
			}
			if err := checkCoalesced(i, org, &l); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func checkCoalesced(i int, org string, l *Lookup) error {
	if !l.Checkpoint.Set || l.Checkpoint.Block != 42 {
		return fmt.Errorf("lookup %d: checkpoint %+v", i, l.Checkpoint)
	}
	switch r := l.Requester; org {
	case "OrgA":
		if !r.Cached || r.Version != 9 || string(r.Record) != `{"id":"OrgA"}` {
			return fmt.Errorf("lookup %d: requester %s %+v", i, org, r)
		}
	case "OrgB":
		if !r.Cached || r.Version != 10 || r.Record != nil {
			return fmt.Errorf("lookup %d: requester %s %+v (want cached as absent)", i, org, r)
		}
	default:
		if r.Cached {
			return fmt.Errorf("lookup %d: requester %s %+v (want not cached)", i, org, r)
		}
	}
	if len(l.Items) != 1 {
		return fmt.Errorf("lookup %d: %d items", i, len(l.Items))
	}
	it := l.Items[0]
	if want := fmt.Sprintf(`{"serial":"S%d"}`, i); !it.Serial.Cached || it.Serial.Version != uint64(i+1) || string(it.Serial.Record) != want {
		return fmt.Errorf("lookup %d: serial %+v, want %s", i, it.Serial, want)
	}
	if want := fmt.Sprintf(`{"lot":"L%d"}`, i%2); !it.Lot.Cached || it.Lot.Version != uint64(7+i%2) || string(it.Lot.Record) != want {
		return fmt.Errorf("lookup %d: lot %+v (%s), want %s", i, it.Lot, it.Lot.Record, want)
	}
	return nil
}

// TestCoalescedLookupGivesUpWithItsContext: a lookup whose context ends
// while it waits for a slot returns, and the slot's holder is not
// disturbed.
func TestCoalescedLookupGivesUpWithItsContext(t *testing.T) {
	srv := redistest.Start(t)
	c := NewRedisCache(srv.Client(), "co:")
	c.co.maxInflight = 1
	c.co.mu.Lock()
	c.co.inflight = 1 // the one slot is taken
	c.co.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var l Lookup
	err := c.Lookup(ctx, "OrgA", []Key{serialA}, nil, &l)
	if err == nil {
		t.Fatal("a lookup that never got a slot succeeded")
	}
	c.co.mu.Lock()
	waiting := len(c.co.pending)
	c.co.inflight = 0
	c.co.mu.Unlock()
	if waiting != 1 || !errors.Is(err, ErrLookupNotSent) {
		t.Fatalf("%d lookups waiting (%v), want the abandoned one still queued and ErrLookupNotSent", waiting, err)
	}
}

// TestBusyCacheIsNotFailed: a verification whose lookup waits for a slot
// (every call in flight) waits on its own context, not on the cache's call
// timeout; when that context ends first the cache is not reported degraded
// for it (busy is not failing), and the abandoned lookup is dropped, not
// sent, when a slot frees.
func TestBusyCacheIsNotFailed(t *testing.T) {
	f := newFixture(t, true, Options{NoLag: true, CacheTimeout: 20 * time.Millisecond})
	a := f.w.Serial("BZ1")
	f.w.Distribute(f.w.Serial("LBZ"), a)
	f.caughtUp()
	rc := f.cache.(*RedisCache)
	rc.co.mu.Lock()
	rc.co.inflight = rc.co.maxInflight // every slot taken
	rc.co.mu.Unlock()
	caller := f.w.Principal[verifytest.Wholesaler]
	req := []Request{{GTIN: verifytest.GTIN, Serial: a}}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _ = f.svc.Verify(ctx, caller, req) // the ledger may answer or not: the context is over
	if ctx.Err() == nil {
		t.Fatal("Verify returned before its context ended although no slot was free (it gave up after the call timeout)")
	}
	if err := f.svc.CacheDegraded(); err != nil {
		t.Fatalf("a busy cache reported degraded: %v", err)
	}
	rc.co.mu.Lock()
	abandoned := len(rc.co.pending)
	rc.co.inflight = 0
	rc.co.mu.Unlock()
	if abandoned != 1 {
		t.Fatalf("%d lookups queued, want the abandoned one", abandoned)
	}
	out, err := f.svc.Verify(context.Background(), caller, req)
	if err != nil || !out[0].Verified || out[0].Source != SourceCache {
		t.Fatalf("answer once the cache has slots again: %+v %v", out, err)
	}
	rc.co.mu.Lock()
	left := len(rc.co.pending)
	rc.co.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d lookups still queued after a call", left)
	}
}

// TestCallerGoneDuringCallIsNotACacheFailure: a verification whose context
// ends while its coalesced lookup is in flight (Redis is slow to answer
// that call, not failing) does not report the cache failed, which would
// send every verification to the ledger until the projector next reached
// Redis.
func TestCallerGoneDuringCallIsNotACacheFailure(t *testing.T) {
	f := newFixture(t, true, Options{NoLag: true, CacheTimeout: 5 * time.Second})
	a := f.w.Serial("GD1")
	f.w.Distribute(f.w.Serial("LGD"), a)
	f.caughtUp()
	rc := f.cache.(*RedisCache)
	rc.co.mu.Lock()
	rc.co.inflight = rc.co.maxInflight // every slot taken: the lookup queues
	rc.co.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.Verify(ctx, f.w.Principal[verifytest.Wholesaler], []Request{{GTIN: verifytest.GTIN, Serial: a}})
		done <- err
	}()
	verifytest.Eventually(t, "the lookup queued", func() bool {
		rc.co.mu.Lock()
		defer rc.co.mu.Unlock()
		return len(rc.co.pending) == 1
	})
	// Redis holds every command for a while; the slot's holder hands its
	// slot to the queued lookup, whose call is then in flight until the
	// pause ends, after the caller's context.
	if err := f.redis.Client().Do(context.Background(), "CLIENT", "PAUSE", "1500", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	rc.co.mu.Lock()
	batch := rc.co.take()
	rc.co.mu.Unlock()
	go rc.co.run(rc, batch)
	<-done
	if err := f.svc.CacheDegraded(); err != nil {
		t.Fatalf("a caller that left while its lookup was in flight reported the cache failed: %v", err)
	}
}

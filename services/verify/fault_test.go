package verify

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/verify/verifytest"
)

// TestStaleCacheAnswersFromLedger stops the projector, moves the ledger
// past the freshness bound and checks that answers come from the ledger
// (with the new state), filling the cache.
func TestStaleCacheAnswersFromLedger(t *testing.T) {
	for _, impl := range cacheImpls {
		t.Run(impl.name, func(t *testing.T) {
			f := newFixture(t, impl.redis, Options{MaxLag: 1, HeightMaxAge: -1})
			w := f.w
			a := w.Serial("S1")
			w.Distribute(w.Serial("LS"), a)
			f.caughtUp()
			if r := f.verify(verifytest.Wholesaler, path(a, "")); !r.Verified || r.Source != SourceCache {
				t.Fatalf("before: %+v", r)
			}
			f.stopWorkers()
			w.Dispense(verifytest.Pharmacy, a)
			w.Commission(w.Serial("LS2"), w.Serial("S2"))
			w.Commission(w.Serial("LS3"), w.Serial("S3"))
			r := f.verify(verifytest.Wholesaler, path(a, ""))
			if r.Verified || r.VerificationFailureReason != chaincode.NotForRedistribution || r.Source != SourceLedger {
				t.Fatalf("stale cache: %+v, want the ledger's not-for-redistribution", r)
			}
			h, _ := w.Ledger.Height(context.Background())
			if r.LedgerHeight != h {
				t.Errorf("ledgerHeight %d, ledger at %d", r.LedgerHeight, h)
			}
			var look Lookup
			if err := f.cache.Lookup(context.Background(), verifytest.Wholesaler, []Key{SerialKey(verifytest.GTIN, a)}, nil, &look); err != nil {
				t.Fatal(err)
			}
			if it := look.Items[0].Serial; !it.Cached || it.Version != h-1 {
				t.Errorf("the ledger answer did not fill the cache: %+v", it)
			}
			f.startWorkers()
			f.caughtUp()
			if r := f.verify(verifytest.Wholesaler, path(a, "")); r.Verified || r.Source != SourceCache {
				t.Fatalf("after catching up: %+v", r)
			}
		})
	}
}

// TestRedisKilledAndRestarted kills Redis under the service: answers keep
// coming from the ledger, the cache reports degraded, and once Redis is
// back (empty) the projector rebuilds it from block 0.
func TestRedisKilledAndRestarted(t *testing.T) {
	f := newFixture(t, true, Options{NoLag: true})
	w := f.w
	a := w.Serial("K1")
	w.Distribute(w.Serial("LK"), a)
	f.caughtUp()
	if r := f.verify(verifytest.Wholesaler, path(a, "")); r.Source != SourceCache {
		t.Fatalf("before the kill: %+v", r)
	}
	f.redis.Kill()
	for i := range 3 {
		r := f.verify(verifytest.Wholesaler, path(a, ""))
		if !r.Verified || r.Source != SourceLedger {
			t.Fatalf("answer %d with Redis down: %+v", i, r)
		}
	}
	if f.svc.CacheDegraded() == nil {
		t.Fatal("cache not reported degraded while Redis is down")
	}
	w.Dispense(verifytest.Pharmacy, a) // a change the cache never saw
	if r := f.verify(verifytest.Wholesaler, path(a, "")); r.Verified || r.Source != SourceLedger {
		t.Fatalf("after dispensing with Redis down: %+v", r)
	}
	f.redis.Restart()
	verifytest.Eventually(t, "answers from the rebuilt cache", func() bool {
		status, body := f.do(http.MethodGet, path(a, ""), verifytest.Wholesaler, nil)
		return status == http.StatusOK && contains(body, `"source":"cache"`) && contains(body, `"verified":false`)
	})
	if err := f.svc.CacheDegraded(); err != nil {
		t.Fatalf("still degraded: %v", err)
	}
	cp, err := f.cache.Checkpoint(context.Background())
	h, _ := w.Ledger.Height(context.Background())
	if err != nil || !cp.Set || cp.Block+1 < h-1 {
		t.Fatalf("checkpoint after rebuild %+v %v (ledger height %d)", cp, err, h)
	}
}

// TestRedisFlushed flushes Redis under the service: answers keep coming
// and the projector rebuilds the cache from block 0.
func TestRedisFlushed(t *testing.T) {
	f := newFixture(t, true, Options{NoLag: true})
	w := f.w
	a := w.Serial("F1")
	w.Distribute(w.Serial("LF"), a)
	f.caughtUp()
	f.redis.Flush()
	r := f.verify(verifytest.Wholesaler, path(a, ""))
	if !r.Verified {
		t.Fatalf("after the flush: %+v", r)
	}
	verifytest.Eventually(t, "checkpoint rebuilt", func() bool {
		cp, err := f.cache.Checkpoint(context.Background())
		h, _ := w.Ledger.Height(context.Background())
		return err == nil && cp.Set && cp.Block+1 == h
	})
	if r := f.verify(verifytest.Wholesaler, path(a, "")); !r.Verified || r.Source != SourceCache {
		t.Fatalf("after the rebuild: %+v", r)
	}
}

// TestAuditorEvictsCorruptedEntry corrupts a cached serial record and
// checks that the auditor catches it, evicts it and counts the mismatch,
// after which the ledger's answer is given again.
func TestAuditorEvictsCorruptedEntry(t *testing.T) {
	for _, impl := range cacheImpls {
		t.Run(impl.name, func(t *testing.T) {
			f := newFixture(t, impl.redis, Options{NoLag: true, AuditEvery: 1})
			w := f.w
			a := w.Serial("A1")
			w.Distribute(w.Serial("LA"), a)
			f.caughtUp()
			good := w.ReadSerial(a)
			bad := good
			bad.Status = chaincode.StatusDispensed
			raw, err := encodeRecord(&bad)
			if err != nil {
				t.Fatal(err)
			}
			h, _ := w.Ledger.Height(context.Background())
			err = f.cache.Fill(context.Background(), []Entry{{Key: SerialKey(verifytest.GTIN, a), Version: h,
				Record: raw, Lot: LotKey(verifytest.GTIN, good.Lot).ID}})
			if err != nil {
				t.Fatal(err)
			}
			if r := f.verify(verifytest.Wholesaler, path(a, "")); r.Verified || r.Source != SourceCache {
				t.Fatalf("corrupted entry not served (the test cannot see the auditor work): %+v", r)
			}
			verifytest.Eventually(t, "auditor mismatch", func() bool { return f.svc.Stats().AuditMismatches == 1 })
			if r := f.verify(verifytest.Wholesaler, path(a, "")); !r.Verified {
				t.Fatalf("after the audit: %+v", r)
			}
		})
	}
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

// TestProjectorsShareRedis runs two verify services (two processes'
// worth) on one Redis: both projectors follow the chain without fighting
// over the checkpoint, and both answer from the cache.
func TestProjectorsShareRedis(t *testing.T) {
	f := newFixture(t, true, Options{NoLag: true})
	other := New(f.w.Ledger, NewRedisCache(f.redis.Client(), ""), Options{NoLag: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- other.RunProjector(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("second projector: %v", err)
		}
	})
	w := f.w
	var serials []string
	for i := range 5 {
		s := w.Serial(fmt.Sprintf("P%d", i))
		serials = append(serials, s)
		w.Distribute(w.Serial(fmt.Sprintf("LP%d", i)), s)
	}
	f.caughtUp()
	verifytest.Eventually(t, "second projector caught up", func() bool { return other.CaughtUp(context.Background()) == nil })
	caller := w.Principal[verifytest.Wholesaler]
	for _, svc := range []*Service{f.svc, other} {
		out, err := svc.Verify(context.Background(), caller, []Request{{GTIN: verifytest.GTIN, Serial: serials[4]}})
		if err != nil || !out[0].Verified || out[0].Source != SourceCache {
			t.Fatalf("answer %+v %v", out, err)
		}
	}
	cp, err := f.cache.Checkpoint(context.Background())
	h, _ := w.Ledger.Height(context.Background())
	if err != nil || cp.Block+1 != h {
		t.Fatalf("checkpoint %+v %v, ledger height %d", cp, err, h)
	}
}

package verify

import (
	"fmt"
	"testing"

	"rxledger/services/verify/verifytest"
)

// TestCommissionedSerialsAreProjected: serials a commissioning left as
// commissioned reach the chaincode event as groups, not records; the
// projector caches each of them, so their verification is a cache hit
// (with the lot it names), not a trip to the ledger.
func TestCommissionedSerialsAreProjected(t *testing.T) {
	for _, impl := range cacheImpls {
		t.Run(impl.name, func(t *testing.T) {
			f := newFixture(t, impl.redis, Options{NoLag: true})
			w := f.w
			lot := w.Serial("LC")
			var serials []string
			for i := range 5 {
				serials = append(serials, w.Serial(fmt.Sprintf("C%03d", 990+i)))
			}
			w.Commission(lot, serials...)
			f.caughtUp()
			before := f.svc.Stats()
			for _, s := range serials {
				r := f.verify(verifytest.Wholesaler, path(s, "10="+lot))
				if !r.Verified {
					t.Fatalf("%s: %+v", s, r)
				}
			}
			after := f.svc.Stats()
			if hits, misses := after.CacheHits-before.CacheHits, after.CacheMisses-before.CacheMisses; hits != 5 || misses != 0 {
				t.Fatalf("%d cache hits and %d misses for 5 commissioned serials, want 5 and 0", hits, misses)
			}
		})
	}
}

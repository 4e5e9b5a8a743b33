package verify

import (
	"context"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"rxledger/services/verify/verifytest"
)

// TestTelemetry checks the spans around the cache and ledger calls and the
// Prometheus metrics of a miss followed by a hit.
func TestTelemetry(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	reg := prometheus.NewRegistry()
	f := newFixture(t, false, Options{NoLag: true, Registerer: reg,
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))})
	a := f.w.Serial("T1")
	f.w.Distribute(f.w.Serial("LT"), a)
	f.caughtUp()
	if err := f.cache.Evict(context.Background(), SerialKey(verifytest.GTIN, a)); err != nil {
		t.Fatal(err)
	}
	if r := f.verify(verifytest.Wholesaler, path(a, "")); r.Source != SourceLedger {
		t.Fatalf("first answer from %s, want the ledger (evicted)", r.Source)
	}
	if r := f.verify(verifytest.Wholesaler, path(a, "")); r.Source != SourceCache {
		t.Fatalf("second answer from %s, want the cache (filled)", r.Source)
	}
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
	}
	for _, want := range []string{"verify.Verify", "verify.cache.lookup", "verify.ledger", "verify.cache.fill"} {
		if !slices.Contains(names, want) {
			t.Errorf("no span %s among %v", want, names)
		}
	}
	if st := f.svc.Stats(); st.CacheHits != 1 || st.CacheMisses != 1 {
		t.Errorf("stats %+v, want one hit and one miss", st)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				got[mf.GetName()] += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				got[mf.GetName()] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				got[mf.GetName()] += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"rxledger_verify_cache_hits_total": 1, "rxledger_verify_cache_misses_total": 1,
		"rxledger_verify_cache_hit_ratio": 0.5, "rxledger_verify_duration_seconds": 2, "rxledger_verify_cache_up": 1,
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}
	for _, name := range []string{"rxledger_verify_projection_lag_blocks", "rxledger_verify_auditor_checks_total", "rxledger_verify_auditor_mismatches_total"} {
		if _, ok := got[name]; !ok {
			t.Errorf("metric %s not registered", name)
		}
	}
}

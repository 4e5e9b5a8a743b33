package verify

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"rxledger/services/platform/telemetry"
)

// metrics are the verify service's Prometheus collectors.
type metrics struct {
	hits       prometheus.Counter
	misses     prometheus.Counter
	lag        prometheus.Gauge
	cacheUp    prometheus.Gauge
	audits     prometheus.Counter
	mismatches prometheus.Counter
	skipped    prometheus.Counter
	latCache   prometheus.Observer
	latLedger  prometheus.Observer
	// nHits and nMisses mirror hits and misses for the hit ratio.
	nHits, nMisses atomic.Uint64
	// nAudits and nMismatches mirror audits and mismatches for Stats.
	nAudits, nMismatches atomic.Uint64
}

// Stats are the service's counters since it started.
type Stats struct {
	CacheHits       uint64 // identifiers answered from the cache
	CacheMisses     uint64 // identifiers answered from the ledger
	Audits          uint64 // cached answers re-checked against the chain
	AuditMismatches uint64 // of which differed (and were evicted)
}

// Stats returns the service's counters.
func (s *Service) Stats() Stats {
	return Stats{CacheHits: s.m.nHits.Load(), CacheMisses: s.m.nMisses.Load(),
		Audits: s.m.nAudits.Load(), AuditMismatches: s.m.nMismatches.Load()}
}

// audited counts one audit and whether it found a mismatch.
func (m *metrics) audited(mismatch bool) {
	m.audits.Inc()
	m.nAudits.Add(1)
	if mismatch {
		m.mismatches.Inc()
		m.nMismatches.Add(1)
	}
}

// hit counts n identifiers answered from the cache.
func (m *metrics) hit(n int) {
	m.hits.Add(float64(n))
	m.nHits.Add(uint64(n))
}

// miss counts n identifiers answered from the ledger.
func (m *metrics) miss(n int) {
	m.misses.Add(float64(n))
	m.nMisses.Add(uint64(n))
}

func newMetrics(reg prometheus.Registerer) *metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "rxledger", Subsystem: "verify", Name: name, Help: help})
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "rxledger", Subsystem: "verify", Name: name, Help: help})
	}
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "rxledger", Subsystem: "verify", Name: "duration_seconds",
		Help:    "Time to answer one verification request (a whole batch counts once), by where the answer came from.",
		Buckets: telemetry.LatencyBuckets,
	}, []string{"source"})
	m := &metrics{
		hits:       counter("cache_hits_total", "Identifiers answered from the verification cache."),
		misses:     counter("cache_misses_total", "Identifiers answered from the ledger (not cached, cache stale or unreachable)."),
		lag:        gauge("projection_lag_blocks", "Ledger height minus the blocks the cache projection has written."),
		cacheUp:    gauge("cache_up", "1 when the verification cache answered its last call, 0 when it failed (answers come from the ledger)."),
		audits:     counter("auditor_checks_total", "Cached answers the auditor re-checked against the chain."),
		mismatches: counter("auditor_mismatches_total", "Cached answers that differed from the chain's (the entries were evicted)."),
		skipped:    counter("auditor_skipped_total", "Samples the auditor could not compare (the ledger moved or the projection lagged during the check)."),
		latCache:   latency.WithLabelValues(SourceCache),
		latLedger:  latency.WithLabelValues(SourceLedger),
	}
	if reg == nil {
		return m
	}
	ratio := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "rxledger", Subsystem: "verify", Name: "cache_hit_ratio",
		Help: "Share of identifiers answered from the cache since the process started.",
	}, func() float64 {
		h, mi := float64(m.nHits.Load()), float64(m.nMisses.Load())
		if h+mi == 0 {
			return 0
		}
		return h / (h + mi)
	})
	reg.MustRegister(m.hits, m.misses, m.lag, m.cacheUp, m.audits, m.mismatches, m.skipped, latency, ratio)
	return m
}

package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the service's Prometheus collectors.
type metrics struct {
	captureDocs     *prometheus.CounterVec // by format and outcome
	captureEvents   prometheus.Counter
	captureEPCs     prometheus.Counter
	jobs            *prometheus.CounterVec // by outcome
	projectedEvents prometheus.Counter
	projectedHeight prometheus.Gauge
	skippedEvents   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, lag func() float64) *metrics {
	m := &metrics{
		captureDocs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rxledger", Subsystem: "ingest", Name: "capture_documents_total",
			Help: "Capture documents received, by binding and outcome (accepted: a job was created; rejected: invalid, too large or refused).",
		}, []string{"format", "outcome"}),
		captureEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "rxledger", Subsystem: "ingest", Name: "capture_events_total",
			Help: "EPCIS events in accepted capture documents.",
		}),
		captureEPCs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "rxledger", Subsystem: "ingest", Name: "capture_epcs_total",
			Help: "EPCs (identifiers in epcList, childEPCs, input and output lists) in accepted capture documents.",
		}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "rxledger", Subsystem: "ingest", Name: "capture_jobs_total",
			Help: "Capture jobs finished, by outcome (success, failed).",
		}, []string{"outcome"}),
		projectedEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "rxledger", Subsystem: "ingest", Name: "projection_events_total",
			Help: "Events added to the query index.",
		}),
		projectedHeight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "rxledger", Subsystem: "ingest", Name: "projection_height",
			Help: "The next block the query projection will index.",
		}),
		skippedEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "rxledger", Subsystem: "ingest", Name: "projection_skipped_events_total",
			Help: "Anchored events the projection organisation could not read (left out of the query index).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.captureDocs, m.captureEvents, m.captureEPCs, m.jobs, m.projectedEvents, m.projectedHeight, m.skippedEvents,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Namespace: "rxledger", Subsystem: "ingest", Name: "projection_lag_blocks",
				Help: "Committed blocks the query projection has not indexed yet.",
			}, lag))
	}
	return m
}

package ingest_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"rxledger/services/ingest"
)

// TestObservability captures a document and a refused one and checks the
// spans (the job's linked to the accepting request's) and the metrics.
func TestObservability(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	reg := prometheus.NewRegistry()
	e := newEnv(t, true, func(c *ingest.Config) { c.Tracer, c.Registerer = tp.Tracer("test"), reg })
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "O", sgtin("O1"), sgtin("O2"))), "json"))
	if resp, _ := e.do("POST", mfr, "/epcis/capture", ctJSON, []byte("{"), nil); resp.StatusCode != 400 {
		t.Fatalf("malformed capture: %d", resp.StatusCode)
	}

	// The job reports success before its span ends, and the projection
	// follows the ledger on its own: wait (bounded) for the spans to end.
	want := []string{"ingest.capture.accept", "ingest.capture.job", "ingest.projection.block"}
	var spans map[string]sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		spans = map[string]sdktrace.ReadOnlySpan{}
		for _, s := range rec.Ended() {
			if spans[s.Name()] == nil { // the first: the accepted capture's
				spans[s.Name()] = s
			}
		}
		missing := ""
		for _, name := range want {
			if spans[name] == nil {
				missing = name
				break
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s span among %d after 10 s", missing, len(rec.Ended()))
		}
	}
	job, accept := spans["ingest.capture.job"], spans["ingest.capture.accept"]
	if len(job.Links()) != 1 || job.Links()[0].SpanContext.SpanID() != accept.SpanContext().SpanID() {
		t.Fatalf("the job span does not link to the accepting request: %+v", job.Links())
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels map[string]string) float64 {
		for _, f := range families {
			if f.GetName() != name {
				continue
			}
		next:
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if v, ok := labels[l.GetName()]; ok && v != l.GetValue() {
						continue next
					}
				}
				if m.GetCounter() != nil {
					return m.GetCounter().GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
		t.Fatalf("no metric %s %v", name, labels)
		return 0
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"rxledger_ingest_capture_documents_total", map[string]string{"outcome": "accepted", "format": "EPCIS 2.0 JSON-LD"}, 1},
		{"rxledger_ingest_capture_documents_total", map[string]string{"outcome": "rejected", "format": "EPCIS 2.0 JSON-LD"}, 1},
		{"rxledger_ingest_capture_events_total", nil, 1},
		{"rxledger_ingest_capture_epcs_total", nil, 2},
		{"rxledger_ingest_capture_jobs_total", map[string]string{"outcome": "success"}, 1},
		{"rxledger_ingest_projection_events_total", nil, 1},
		{"rxledger_ingest_projection_lag_blocks", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := value(tt.name, tt.labels); got != tt.want {
				t.Fatalf("%s %v = %v, want %v", tt.name, tt.labels, got, tt.want)
			}
		})
	}
}

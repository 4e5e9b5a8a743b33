package telemetry_test

import (
	"rxledger/internal/testenv"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"rxledger/services/platform/telemetry"
)

// logLines decodes the JSON log lines written to b.
func logLines(t *testing.T, b *testenv.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		out = append(out, m)
	}
	return out
}

func TestLoggerContextAttributes(t *testing.T) {
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	spanCtx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled}))
	tests := []struct {
		name string
		ctx  context.Context
		want map[string]any
		not  []string
	}{
		{name: "no context values", ctx: context.Background(), not: []string{"requestId", "traceId"}},
		{name: "request ID", ctx: telemetry.WithRequestID(context.Background(), "r-1"), want: map[string]any{"requestId": "r-1"}, not: []string{"traceId"}},
		{name: "trace and request", ctx: telemetry.WithRequestID(spanCtx, "r-2"),
			want: map[string]any{"requestId": "r-2", "traceId": traceID.String(), "spanId": spanID.String()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := &testenv.Buffer{}
			log := telemetry.Component(telemetry.NewLogger(buf, slog.LevelInfo), "verify").With("extra", 1)
			log.InfoContext(tt.ctx, "hello")
			log.DebugContext(tt.ctx, "below level")
			lines := logLines(t, buf)
			if len(lines) != 1 {
				t.Fatalf("%d lines, want 1", len(lines))
			}
			l := lines[0]
			if l["component"] != "verify" || l["msg"] != "hello" || l["extra"] != float64(1) {
				t.Errorf("line %v lacks component, msg or extra", l)
			}
			for k, v := range tt.want {
				if l[k] != v {
					t.Errorf("%s = %v, want %v", k, l[k], v)
				}
			}
			for _, k := range tt.not {
				if _, ok := l[k]; ok {
					t.Errorf("unexpected %s in %v", k, l)
				}
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{in: "debug", want: slog.LevelDebug},
		{in: "", want: slog.LevelInfo},
		{in: "WARN", want: slog.LevelWarn},
		{in: "error", want: slog.LevelError},
		{in: "loud", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := telemetry.ParseLevel(tt.in)
			if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
				t.Errorf("ParseLevel(%q) = %v, %v", tt.in, got, err)
			}
		})
	}
}

func TestNewTracingFromEnvironment(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		exporting bool
	}{
		{name: "no endpoint is a no-op", env: map[string]string{}, exporting: false},
		{name: "endpoint exports", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, exporting: true},
		{name: "traces endpoint exports", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1/v1/traces"}, exporting: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := telemetry.NewTracing(context.Background(), telemetry.TracingConfig{
				ServiceName: "rxledger-test", Getenv: func(k string) string { return tt.env[k] },
			})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Exporting != tt.exporting {
				t.Errorf("Exporting = %v, want %v", tr.Exporting, tt.exporting)
			}
			_, span := tr.Tracer("t").Start(context.Background(), "s")
			if span.SpanContext().IsValid() != tt.exporting {
				t.Errorf("span context valid = %v", span.SpanContext().IsValid())
			}
			span.End()
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // nothing to flush; do not wait on the unreachable endpoint
			_ = tr.Shutdown(ctx)
		})
	}
}

// serve runs one request through an engine with the tracing and metrics
// middleware and a handler that logs with the request context.
func serve(t *testing.T, tr *telemetry.Tracing, m *telemetry.Metrics, log *slog.Logger, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(tr.Middleware("rxledger-test"), m.Middleware())
	e.GET("/items/:id", func(c *gin.Context) {
		log.InfoContext(c.Request.Context(), "in handler")
		c.String(http.StatusTeapot, "ok")
	})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestTracingMiddlewareExporting(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := telemetry.NewTracingWith(telemetry.TracingConfig{ServiceName: "rxledger-test"}, sdktrace.WithSyncer(exp))
	buf := &testenv.Buffer{}
	req := httptest.NewRequest("GET", "/items/42", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	serve(t, tr, telemetry.NewMetrics(), telemetry.NewLogger(buf, slog.LevelInfo), req)

	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name != "GET /items/:id" {
		t.Errorf("span name %q", s.Name)
	}
	if got := s.SpanContext.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("span trace %s does not continue the incoming trace", got)
	}
	lines := logLines(t, buf)
	if len(lines) != 1 || lines[0]["traceId"] != "4bf92f3577b34da6a3ce929d0e0e4736" || lines[0]["spanId"] != s.SpanContext.SpanID().String() {
		t.Errorf("log lines %v do not carry the server span", lines)
	}
}

func TestTracingMiddlewareNoop(t *testing.T) {
	tr, err := telemetry.NewTracing(context.Background(), telemetry.TracingConfig{ServiceName: "x"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		traceparent string
		wantTrace   string
	}{
		{name: "incoming trace reaches logs", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", wantTrace: "4bf92f3577b34da6a3ce929d0e0e4736"},
		{name: "no incoming trace", traceparent: "", wantTrace: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := &testenv.Buffer{}
			req := httptest.NewRequest("GET", "/items/1", nil)
			if tt.traceparent != "" {
				req.Header.Set("traceparent", tt.traceparent)
			}
			serve(t, tr, telemetry.NewMetrics(), telemetry.NewLogger(buf, slog.LevelInfo), req)
			lines := logLines(t, buf)
			got, _ := lines[0]["traceId"].(string)
			if got != tt.wantTrace {
				t.Errorf("traceId %q, want %q", got, tt.wantTrace)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	tr, _ := telemetry.NewTracing(context.Background(), telemetry.TracingConfig{})
	m := telemetry.NewMetrics()
	log := slog.New(slog.DiscardHandler)
	serve(t, tr, m, log, httptest.NewRequest("GET", "/items/1", nil))
	serve(t, tr, m, log, httptest.NewRequest("GET", "/items/2", nil))
	serve(t, tr, m, log, httptest.NewRequest("GET", "/random/probe", nil))
	serve(t, tr, m, log, httptest.NewRequest("BREW", "/items/3", nil))

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	text := string(b)
	for _, want := range []string{
		`rxledger_http_request_duration_seconds_count{method="GET",route="/items/:id",status="418"} 2`,
		`rxledger_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1`,
		`rxledger_http_request_duration_seconds_count{method="OTHER",route="unmatched",status="404"} 1`,
		`rxledger_http_requests_in_flight 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "/items/1") {
		t.Error("raw path used as a label")
	}
}

// TestLoggerComponentOnce: a logger given a component by its caller and
// then a finer one by the package it is handed to (the embedded ledger's
// "ledger.embedded" under serve's "ledger") writes one component key, the
// finer one: JSON with the key twice is refused or half-read by log stores.
func TestLoggerComponentOnce(t *testing.T) {
	buf := &testenv.Buffer{}
	base := telemetry.NewLogger(buf, slog.LevelInfo)
	log := telemetry.Component(base, "ledger").With("dir", "/data")
	log = log.With("component", "ledger.embedded", "height", 3)
	log.Info("ledger open")
	telemetry.Component(base, "ingest").WithGroup("g").With("component", "inner").Info("grouped")

	raw := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(raw) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(raw), buf.String())
	}
	if n := strings.Count(raw[0], `"component"`); n != 1 {
		t.Errorf("the component key appears %d times: %s", n, raw[0])
	}
	lines := logLines(t, buf)
	if l := lines[0]; l["component"] != "ledger.embedded" || l["dir"] != "/data" || l["height"] != float64(3) {
		t.Errorf("line %v, want component ledger.embedded, dir and height", l)
	}
	// A component inside a group is another key: both stay.
	if l := lines[1]; l["component"] != "ingest" || l["g"].(map[string]any)["component"] != "inner" {
		t.Errorf("grouped line %v", l)
	}
}

// TestErrorHandlerLogsJSON: an error of the OpenTelemetry SDK (an export
// to a collector that is down) reaches the log as a JSON warning with the
// tracing component, not as the SDK's plain-text default.
func TestErrorHandlerLogsJSON(t *testing.T) {
	buf := &testenv.Buffer{}
	h := telemetry.ErrorHandler(telemetry.NewLogger(buf, slog.LevelInfo))
	h.Handle(errors.New("traces export: Post \"http://127.0.0.1:1/v1/traces\": connection refused"))
	lines := logLines(t, buf)
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1: %s", len(lines), buf.String())
	}
	if l := lines[0]; l["level"] != "WARN" || l["component"] != "tracing" || !strings.Contains(fmt.Sprint(l["error"]), "connection refused") {
		t.Errorf("line %v, want a warning of component tracing naming the error", l)
	}
}

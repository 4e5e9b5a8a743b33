package httpx_test

import (
	"rxledger/internal/testenv"

	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
	"rxledger/services/platform/telemetry"
)

// TestTraceIDsReachLogsAndProblems runs the engine with exporting tracing in
// front, as rxledger serve does, and checks that the access log line and the
// problem body carry the server span's trace ID.
func TestTraceIDsReachLogsAndProblems(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := telemetry.NewTracingWith(telemetry.TracingConfig{ServiceName: "test"}, sdktrace.WithSyncer(exp))
	logs := &testenv.Buffer{}
	e := httpx.NewEngine(httpx.EngineConfig{
		Logger:  telemetry.NewLogger(logs, slog.LevelInfo),
		Observe: []gin.HandlerFunc{tr.Middleware("test")},
	})
	e.GET("/conflict", func(c *gin.Context) { httpx.Fail(c, problem.New(problem.Conflict, "try again")) })
	srv := httptest.NewServer(e)
	defer srv.Close()

	resp, b := do(t, newReq(t, "GET", srv.URL+"/conflict", nil))
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var p problem.Body
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	traceID := spans[0].SpanContext.TraceID().String()
	if p.TraceID != traceID {
		t.Errorf("problem traceId %q, span %q", p.TraceID, traceID)
	}
	if !strings.Contains(logs.String(), `"traceId":"`+traceID+`"`) {
		t.Errorf("access log lacks the trace ID %s:\n%s", traceID, logs.String())
	}
	if spans[0].Status.Description == "" {
		t.Error("the span does not record the handler's error")
	}
}

package telemetry

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// Tracing is a process's tracer provider and the propagator that carries
// trace context across HTTP (W3C traceparent and baggage).
type Tracing struct {
	Provider   trace.TracerProvider
	Propagator propagation.TextMapPropagator
	// Exporting reports whether spans leave the process (OTLP configured).
	Exporting bool

	shutdown func(context.Context) error
}

// TracingConfig names the service in exported spans.
type TracingConfig struct {
	ServiceName    string // e.g. "rxledger"
	ServiceVersion string
	// Getenv reads the OTEL_* environment; os.Getenv in main.
	Getenv func(string) string
}

// NewTracing returns an OTLP/HTTP exporting tracer provider when
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set
// (the exporter reads the other OTEL_EXPORTER_OTLP_* variables itself), and a
// no-op provider otherwise. Call Shutdown to flush spans before exit.
func NewTracing(ctx context.Context, cfg TracingConfig) (*Tracing, error) {
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return &Tracing{Provider: tracenoop.NewTracerProvider(), Propagator: prop, shutdown: func(context.Context) error { return nil }}, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("create otlp trace exporter: %w", err)
	}
	return NewTracingWith(cfg, sdktrace.WithBatcher(exp)), nil
}

// NewTracingWith returns an SDK tracer provider that samples every trace and
// hands spans to the given options' processors (e.g. sdktrace.WithBatcher or,
// in tests, sdktrace.WithSyncer of an in-memory exporter).
func NewTracingWith(cfg TracingConfig, opts ...sdktrace.TracerProviderOption) *Tracing {
	res := resource.NewSchemaless(
		semconv.ServiceName(cfg.ServiceName),
		semconv.ServiceVersion(cfg.ServiceVersion),
	)
	tp := sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	}, opts...)...)
	return &Tracing{
		Provider:   tp,
		Propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		Exporting:  true,
		shutdown:   tp.Shutdown,
	}
}

// Tracer returns a named tracer, e.g. t.Tracer("rxledger/verify/cache").
func (t *Tracing) Tracer(name string) trace.Tracer { return t.Provider.Tracer(name) }

// Shutdown flushes and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if err := t.shutdown(ctx); err != nil {
		return fmt.Errorf("shut down tracing: %w", err)
	}
	return nil
}

// Middleware returns gin middleware that starts a server span per request
// (otelgin, named by route) when spans are exported. When they are not, it
// only extracts an incoming trace context, so the caller's trace ID still
// reaches logs and downstream calls without the cost of building spans.
func (t *Tracing) Middleware(service string) gin.HandlerFunc {
	if !t.Exporting {
		prop := t.Propagator
		return func(c *gin.Context) {
			if c.GetHeader("traceparent") == "" {
				return
			}
			c.Request = c.Request.WithContext(prop.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header)))
		}
	}
	return otelgin.Middleware(service,
		otelgin.WithTracerProvider(t.Provider),
		otelgin.WithPropagators(t.Propagator),
		otelgin.WithMeterProvider(metricnoop.NewMeterProvider()),
	)
}

// ErrorHandler returns an OpenTelemetry error handler that logs through
// log (component "tracing"): a failing span export, such as a collector that
// is down, is then a JSON warning like every other line, not the SDK's
// default plain-text line on standard error, which log stores parsing JSON
// drop or garble. Install it with otel.SetErrorHandler.
func ErrorHandler(log *slog.Logger) otel.ErrorHandler {
	log = Component(log, "tracing")
	return otel.ErrorHandlerFunc(func(err error) {
		log.Warn("opentelemetry failed; spans may be lost", "error", err)
	})
}

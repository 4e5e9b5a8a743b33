// Package telemetry gives every rxledger service its three signals: structured
// logs (slog JSON, with component, request and trace IDs on every line logged
// with a context), OpenTelemetry traces (exported over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, otherwise a no-op that still carries an
// incoming W3C trace context), and Prometheus metrics (one registry per
// process, served at /metrics).
//
// Nothing here touches globals: main builds the pieces and passes them on.
package telemetry

import "context"

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request ID id. The log handler of
// NewLogger adds it to every record logged with that context.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// Log attribute keys added from the context.
const (
	KeyRequestID = "requestId"
	KeyTraceID   = "traceId"
	KeySpanID    = "spanId"
	KeyComponent = "component"
)

// NewLogger returns a JSON logger writing to w at level. Records logged with a
// context (InfoContext, ErrorContext, ...) carry that context's request ID and
// trace and span IDs.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(contextHandler{Handler: h, base: h})
}

// Component returns log with the component attribute set, e.g. "verify".
// A component set again, as a package does that names itself on the logger
// it was given ("ledger.embedded" on serve's "ledger"), replaces the earlier
// one: a line carries one component.
func Component(log *slog.Logger, name string) *slog.Logger {
	return log.With(KeyComponent, name)
}

// ParseLevel parses debug, info, warn or error (any case).
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
}

// contextHandler adds the request and trace IDs of a record's context, and
// keeps one component attribute per line: the JSON handler writes every
// attribute it is given, so a second component would repeat the key.
type contextHandler struct {
	slog.Handler              // base with attrs: where records go
	base         slog.Handler // the handler before attrs (the root, or the last group)
	attrs        []slog.Attr  // the attributes added since base, in order
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := RequestID(ctx); id != "" {
			r.AddAttrs(slog.String(KeyRequestID, id))
		}
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			r.AddAttrs(slog.String(KeyTraceID, sc.TraceID().String()), slog.String(KeySpanID, sc.SpanID().String()))
		}
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs adds attrs; a component among them replaces one added before
// (outside a group), in its place, by rebuilding the handler from base.
func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	all := slices.Clip(h.attrs)
	replaced := false
	for _, a := range attrs {
		if a.Key == KeyComponent {
			if i := slices.IndexFunc(all, func(b slog.Attr) bool { return b.Key == KeyComponent }); i >= 0 {
				all = slices.Clone(all)
				all[i] = a
				replaced = true
				continue
			}
		}
		all = append(all, a)
	}
	if replaced {
		return contextHandler{Handler: h.base.WithAttrs(all), base: h.base, attrs: all}
	}
	return contextHandler{Handler: h.Handler.WithAttrs(attrs), base: h.base, attrs: all}
}

// WithGroup opens a group: attributes after it are the group's, so a
// component there is another key and the group's handler is the new base.
func (h contextHandler) WithGroup(name string) slog.Handler {
	g := h.Handler.WithGroup(name)
	return contextHandler{Handler: g, base: g}
}

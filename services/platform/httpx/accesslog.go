package httpx

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// logAttrsKey is the gin context key of the extra access log attributes.
const logAttrsKey = "rxledger.httpx.logattrs"

// AddLogAttrs adds attributes to the request's access log line, e.g. the
// authenticated organisation. The first call keeps attrs itself, without a
// copy, when its length is its capacity (a later call's append then copies
// it): the caller must not modify it afterwards.
func AddLogAttrs(c *gin.Context, attrs ...slog.Attr) {
	prev, _ := c.Get(logAttrsKey)
	list, _ := prev.([]slog.Attr)
	if list == nil && len(attrs) == cap(attrs) {
		c.Set(logAttrsKey, attrs)
		return
	}
	c.Set(logAttrsKey, append(list, attrs...))
}

// AccessLog is middleware that logs one line per request: method, route
// template, path, status, latency in milliseconds, response size, client address, any
// attributes added with AddLogAttrs, errors attached to the context and,
// through the logger's context handler, the request and trace IDs. 5xx log at
// error level, 4xx at warn, the rest at info.
func AccessLog(log *slog.Logger) gin.HandlerFunc { return AccessLogAt(log, slog.LevelInfo) }

// AccessLogAt is AccessLog logging requests below 400 at the given level:
// slog.LevelDebug keeps successes out of the log unless debugging (they cost
// about as much CPU as the rest of the middleware together).
func AccessLogAt(log *slog.Logger, success slog.Level) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := success
		switch {
		case status >= 500:
			level = slog.LevelError
		case status >= 400:
			level = slog.LevelWarn
		}
		ctx := c.Request.Context()
		if !log.Enabled(ctx, level) {
			return
		}
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		attrs := make([]slog.Attr, 0, 12)
		attrs = append(attrs,
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Float64("latencyMs", float64(time.Since(start).Microseconds())/1000),
			slog.Int("bytes", c.Writer.Size()),
			slog.String("client", c.ClientIP()),
		)
		if v, ok := c.Get(logAttrsKey); ok {
			extra, _ := v.([]slog.Attr)
			attrs = append(attrs, extra...)
		}
		if len(c.Errors) > 0 {
			msgs := make([]string, len(c.Errors))
			for i, e := range c.Errors {
				msgs[i] = e.Error()
			}
			attrs = append(attrs, slog.String("error", strings.Join(msgs, "; ")))
		}
		log.LogAttrs(ctx, level, "http request", attrs...)
	}
}

// Package httpx is the gin glue every rxledger HTTP service shares: request
// IDs, panic recovery, access logs, body size limits, JSON decoding that says
// where the input is wrong, and answers in RFC 9457 problem+json.
//
// Handlers answer with Respond on success and Fail(c, err) on error; Fail
// renders any *problem.Error (anything else becomes an Internal error whose
// cause is logged, never shown).
package httpx

import (
	"log/slog"

	"github.com/gin-gonic/gin"
)

// DefaultMaxBodyBytes limits request bodies unless EngineConfig says otherwise.
const DefaultMaxBodyBytes = 4 << 20

// EngineConfig configures NewEngine.
type EngineConfig struct {
	Logger *slog.Logger
	// MaxBodyBytes limits every request body (DefaultMaxBodyBytes if 0).
	// Routes may set a smaller or larger limit with LimitBody.
	MaxBodyBytes int64
	// Observe is middleware that must see each request with its request ID
	// but before the access log, such as tracing and metrics.
	Observe []gin.HandlerFunc
	// SuccessLogLevel is the access log level of requests answered below
	// 400 (the zero value is slog.LevelInfo; see AccessLogAt).
	SuccessLogLevel slog.Level
}

// NewEngine returns a gin engine in release mode (no debug output) with, in
// order: request IDs, the Observe middleware, access logging, recovery and
// the body limit; unknown routes and methods answer problem+json 404 and 405.
func NewEngine(cfg EngineConfig) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limit := cfg.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	// Trust no proxy headers: the client address in logs is the peer's.
	// A deployment behind a proxy sets its own with e.SetTrustedProxies.
	_ = e.SetTrustedProxies(nil)
	e.Use(RequestID())
	e.Use(cfg.Observe...)
	e.Use(AccessLogAt(log, cfg.SuccessLogLevel), Recovery(log), LimitBody(limit), CheckQuery())
	e.NoRoute(NotFound)
	e.NoMethod(MethodNotAllowed)
	return e
}

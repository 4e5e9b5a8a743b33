package httpx

import (
	"errors"
	"syscall"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"rxledger/services/platform/problem"
)

// Respond answers status with v as JSON.
func Respond(c *gin.Context, status int, v any) {
	c.JSON(status, v)
}

// Fail answers err as problem+json and aborts the handler chain. A
// *problem.Error anywhere in err's chain gives the code, detail and where;
// any other error is Internal. The full error is attached to the gin context
// (the access log records it and the trace span marks it) but an Internal
// error's detail and cause never reach the caller.
func Fail(c *gin.Context, err error) {
	var pe *problem.Error
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		// Not a bug of the request or of the service: the caller may retry
		// once the operator has made room, and should know it.
		pe = &problem.Error{Code: problem.Unavailable, Err: err,
			Detail: "the service has no disk space left to store this request, and stored nothing of it: retry later"}
	default:
		pe = &problem.Error{Code: problem.Internal, Err: err}
	}
	_ = c.Error(err)
	body := problem.BodyOf(pe, c.Request.URL.Path)
	body.RequestID = RequestIDOf(c)
	if sc := trace.SpanContextFromContext(c.Request.Context()); sc.IsValid() {
		body.TraceID = sc.TraceID().String()
	}
	if pe.Code == problem.Unauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="rxledger"`)
	}
	writeProblem(c, body)
}

// writeProblem writes body with the problem+json media type.
func writeProblem(c *gin.Context, body problem.Body) {
	if c.Writer.Written() {
		c.Abort()
		return
	}
	c.Header("Content-Type", problem.MediaType)
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(body.Status, body)
}

// NotFound answers a request for an unknown route.
func NotFound(c *gin.Context) {
	Fail(c, problem.New(problem.NotFound, "no resource at %s", c.Request.URL.Path))
}

// MethodNotAllowed answers a known route asked with another method; gin has
// already set the Allow header.
func MethodNotAllowed(c *gin.Context) {
	Fail(c, problem.New(problem.MethodNotAllowed, "%s is not allowed on %s (allowed: %s)",
		c.Request.Method, c.Request.URL.Path, c.Writer.Header().Get("Allow")))
}

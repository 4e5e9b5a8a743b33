package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/problem"
)

// Recovery is middleware that turns a panic in a handler into a logged error
// (with the stack) and a problem+json 500 that shows nothing of it. A panic
// with http.ErrAbortHandler is passed on: it asks net/http to drop the
// connection.
func Recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			log.ErrorContext(c.Request.Context(), "panic in handler",
				"panic", fmt.Sprint(v), "route", c.FullPath(), "stack", string(debug.Stack()))
			Fail(c, problem.Wrap(problem.Internal, fmt.Errorf("panic: %v", v), "panic"))
		}()
		c.Next()
	}
}

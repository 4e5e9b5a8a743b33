package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// Check reports whether one dependency is ready: nil when it is.
type Check func(ctx context.Context) error

// DefaultCheckTimeout bounds each readiness check unless Readiness.Timeout
// says otherwise.
const DefaultCheckTimeout = 2 * time.Second

// Readiness is the set of named checks /readyz runs, safe for concurrent
// use: services add theirs (ledger reachable, cache reachable, projection
// caught up) while wiring.
type Readiness struct {
	// Timeout bounds each check; set it before serving.
	Timeout time.Duration

	log *slog.Logger

	mu     sync.RWMutex
	names  []string
	checks map[string]Check
}

// NewReadiness returns an empty set; with no checks the process is ready.
func NewReadiness(log *slog.Logger) *Readiness {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Readiness{Timeout: DefaultCheckTimeout, log: log, checks: map[string]Check{}}
}

// Add registers check under name, replacing one of the same name.
func (r *Readiness) Add(name string, check Check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.checks[name]; !ok {
		r.names = append(r.names, name)
	}
	r.checks[name] = check
}

// CheckResult is one check's outcome as /readyz reports it. The error
// itself is logged, not shown: it may name internal addresses; Reason is
// what the check says may be shown (see Explain), or a generic word.
type CheckResult struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Degraded: the dependency is impaired but the process still serves
	// (OK stays true); see Degraded.
	Degraded bool `json:"degraded,omitempty"`
	// Reason says why a check failed or is degraded.
	Reason string `json:"reason,omitempty"`
}

// Explain attaches to a check's error a reason that /readyz may show (the
// error's own text is only logged).
func Explain(err error, reason string) error {
	if err == nil {
		return nil
	}
	return &explainedError{err: err, reason: reason}
}

type explainedError struct {
	err    error
	reason string
}

func (e *explainedError) Error() string { return e.err.Error() }
func (e *explainedError) Unwrap() error { return e.err }

// reasonOf is the reason /readyz shows for a failed check's err.
func reasonOf(err error) string {
	var ee *explainedError
	switch {
	case errors.As(err, &ee):
		return ee.reason
	case errors.Is(err, context.DeadlineExceeded):
		return "the check did not answer in time"
	}
	return "failed (the reason is in the log)"
}

// Degraded wraps the error of a check whose dependency is impaired without
// stopping the process from serving (a cache that is down while answers
// come from the ledger): /readyz stays ready and reports the check as
// degraded.
func Degraded(err error) error { return &degradedError{err: err} }

type degradedError struct{ err error }

func (e *degradedError) Error() string { return "degraded: " + e.err.Error() }
func (e *degradedError) Unwrap() error { return e.err }

// Run runs every check concurrently, each bounded by Timeout, and
// returns the results in registration order and whether all passed.
func (r *Readiness) Run(ctx context.Context) ([]CheckResult, bool) {
	r.mu.RLock()
	names := append([]string(nil), r.names...)
	checks := make([]Check, len(names))
	for i, n := range names {
		checks[i] = r.checks[n]
	}
	r.mu.RUnlock()

	results := make([]CheckResult, len(names))
	var wg sync.WaitGroup
	for i := range names {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, r.Timeout)
			defer cancel()
			err := runCheck(cctx, checks[i])
			var de *degradedError
			degraded := errors.As(err, &de)
			results[i] = CheckResult{Name: names[i], OK: err == nil || degraded, Degraded: degraded}
			if err != nil {
				results[i].Reason = reasonOf(err)
				r.log.WarnContext(ctx, "readiness check failed", "check", names[i], "error", err)
			}
		})
	}
	wg.Wait()
	all := true
	for _, res := range results {
		all = all && res.OK
	}
	return results, all
}

// runCheck runs c, turning a panic into a failure and giving up when ctx ends
// even if c ignores it.
func runCheck(ctx context.Context, c Check) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- problem.New(problem.Internal, "check panicked: %v", v)
			}
		}()
		done <- c(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readyBody is /readyz's answer when ready.
type readyBody struct {
	Ready  bool          `json:"ready"`
	Checks []CheckResult `json:"checks"`
}

// notReadyBody is /readyz's problem+json answer when not ready.
type notReadyBody struct {
	problem.Body
	Ready  bool          `json:"ready"`
	Checks []CheckResult `json:"checks"`
}

// Handler answers 200 {"ready":true,"checks":[...]} when every check
// passes, and otherwise a 503 problem+json (code unavailable) naming the
// failing checks in its detail, with "ready":false and the same checks list.
func (r *Readiness) Handler() gin.HandlerFunc {
	return func(c *gin.Context) {
		results, ok := r.Run(c.Request.Context())
		c.Header("Cache-Control", "no-store")
		if ok {
			httpx.Respond(c, http.StatusOK, readyBody{Ready: true, Checks: results})
			return
		}
		var failing []string
		for _, res := range results {
			if !res.OK {
				failing = append(failing, res.Name)
			}
		}
		body := problem.BodyOf(problem.New(problem.Unavailable, "not ready: %s", strings.Join(failing, ", ")), c.Request.URL.Path)
		body.RequestID = httpx.RequestIDOf(c)
		c.Header("Content-Type", problem.MediaType)
		c.JSON(http.StatusServiceUnavailable, notReadyBody{Body: body, Checks: results})
	}
}

// Healthz answers 200 while the process can serve HTTP at all (liveness).
func Healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	httpx.Respond(c, http.StatusOK, gin.H{"status": "ok"})
}

// Routes registers GET /healthz, GET /readyz and, unless metrics is nil (a
// process serving them on an address of their own), GET /metrics.
func Routes(r gin.IRoutes, ready *Readiness, metrics http.Handler) {
	r.GET("/healthz", Healthz)
	r.GET("/readyz", ready.Handler())
	if metrics != nil {
		r.GET("/metrics", gin.WrapH(metrics))
	}
}

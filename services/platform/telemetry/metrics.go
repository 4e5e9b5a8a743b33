package telemetry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// UnmatchedRoute is the route label of requests that matched no route, so
// that scanners probing random paths cannot blow up the label cardinality.
const UnmatchedRoute = "unmatched"

// LatencyBuckets are histogram buckets in seconds, fine below a millisecond
// (the verify fast path) and coarse up to ledger commit times.
var LatencyBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// Metrics is a process's Prometheus registry and the HTTP metrics every
// service shares. Services register their own collectors on Registry.
type Metrics struct {
	Registry *prometheus.Registry

	httpDuration *prometheus.HistogramVec
	inFlight     prometheus.Gauge
}

// NewMetrics returns a registry with the Go runtime and process collectors
// and the rxledger_http_* metrics.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "rxledger",
			Subsystem: "http",
			Name:      "request_duration_seconds",
			Help:      "Time to answer an HTTP request, by method, route template and status.",
			Buckets:   LatencyBuckets,
		}, []string{"method", "route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "rxledger",
			Subsystem: "http",
			Name:      "requests_in_flight",
			Help:      "HTTP requests being answered.",
		}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpDuration,
		m.inFlight,
	)
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Middleware observes each request's duration by method, route template
// (never the raw path) and status.
func (m *Metrics) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = UnmatchedRoute
		}
		m.httpDuration.WithLabelValues(methodLabel(c.Request.Method), route, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
	}
}

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

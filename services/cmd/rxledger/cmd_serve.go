package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"

	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/config"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/server"
	"rxledger/services/platform/telemetry"
	"rxledger/services/verify"
)

// version is reported in traces; set with -ldflags "-X main.version=...".
var version = "dev"

// platform is what runServe builds for the services: every piece a service
// needs, made once per process.
type platform struct {
	cfg     config.Config
	log     *slog.Logger
	tracing *telemetry.Tracing
	metrics *telemetry.Metrics
	ready   *server.Readiness
	keys    *auth.Store
	redis   *redis.Client // nil: the in-process cache
	engine  *gin.Engine
	// authenticate is the API key middleware for the services' routes.
	authenticate gin.HandlerFunc
	srv          *server.Server // srv.Go adds background workers
	// consortium is the embedded ledger's consortium, read at start-up;
	// nil on Fabric.
	consortium *servedConsortium
	// ledger is the process's ledger once a service opened it (see
	// processLedger).
	ledger ledger.Ledger
	// demoCredentials is the path of the demo credentials file once --demo
	// has written it.
	demoCredentials string
	// closers run in reverse order when serve ends.
	closers []func() error
}

// runServe is `rxledger serve`: it parses the configuration, builds the
// platform, mounts the services and serves until ctx ends.
func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, err := config.Parse(args, os.Getenv, stderr)
	switch {
	case errors.Is(err, config.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "rxledger serve: %v\n", err)
		return 2
	}
	if err := serve(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "rxledger serve: %v\n", err)
		return 1
	}
	return 0
}

// serve runs the configured process until ctx ends or something fails.
func serve(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) (err error) {
	p, err := newPlatform(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer func() {
		for i := len(p.closers) - 1; i >= 0; i-- {
			if cerr := p.closers[i](); cerr != nil {
				p.log.Error("close", "error", cerr)
			}
		}
	}()

	mounted, err := mountServices(ctx, p)
	if err != nil {
		return fmt.Errorf("mount services: %w", err)
	}
	mounted = append([]string{}, mounted...) // logged as [] rather than null
	if len(mounted) == 0 {
		// Honest readiness: the platform is up but it does no rxledger work yet.
		p.ready.Add("services", func(context.Context) error {
			return server.Explain(errors.New("no service is mounted"),
				"no service is mounted (--roles none): this process answers only /healthz, /readyz and /metrics")
		})
	}

	ln, err := server.Listen(cfg.Addr)
	if err != nil {
		return err
	}
	metricsAt := ln.Addr()
	if cfg.MetricsAddr != "" {
		mln, err := server.Listen(cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		metricsAt = mln.Addr()
		serveMetrics(p, mln)
	}
	printStart(stdout, p, ln.Addr(), metricsAt, mounted)
	p.log.Info("serving", "addr", ln.Addr().String(), "roles", cfg.Roles, "ledger", cfg.Ledger, "services", mounted)
	if err := p.srv.Serve(ctx, ln); err != nil {
		return err
	}
	p.log.Info("stopped")
	return nil
}

// newPlatform builds the shared pieces: logs, the embedded ledger's
// consortium (checked against the one its genesis block records), traces,
// metrics, readiness, the API key store, the Redis client when configured,
// the gin engine with the platform endpoints, and the HTTP server.
func newPlatform(ctx context.Context, cfg config.Config, logOut io.Writer) (*platform, error) {
	p := &platform{cfg: cfg, log: telemetry.NewLogger(logOut, cfg.LogLevel)}
	if server.TuneGC(os.Getenv) {
		p.log.Debug("garbage collector target set (neither GOGC nor GOMEMLIMIT is)", "gogc", server.DefaultGCPercent)
	}
	if cfg.Ledger == config.LedgerEmbedded {
		// Read before anything is created or opened: a consortium serve
		// cannot run stops it here.
		sc, err := loadConsortium(cfg)
		if err != nil {
			return nil, err
		}
		p.consortium = sc
		log := telemetry.Component(p.log, "ledger")
		for _, w := range sc.warnings {
			log.Warn(w)
		}
		// The data directory's ledger, if there is one, was created with a
		// consortium: the file may add to it, not take from it.
		dir := filepath.Join(cfg.DataDir, LedgerDir)
		recorded, err := embedded.RecordedConsortium(dir)
		if err != nil {
			return nil, err
		}
		if recorded != nil {
			changes, err := sc.compareRecorded(recorded, dir)
			for _, c := range changes {
				log.Log(ctx, c.level, c.msg)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}

	tr, err := telemetry.NewTracing(ctx, telemetry.TracingConfig{ServiceName: "rxledger", ServiceVersion: version, Getenv: os.Getenv})
	if err != nil {
		return nil, err
	}
	p.tracing = tr
	// Hand wiring in main: adapters that use the global tracer get ours.
	otel.SetTracerProvider(tr.Provider)
	otel.SetTextMapPropagator(tr.Propagator)
	otel.SetErrorHandler(telemetry.ErrorHandler(p.log))
	p.closers = append(p.closers, func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return tr.Shutdown(sctx)
	})

	p.metrics = telemetry.NewMetrics()
	p.ready = server.NewReadiness(telemetry.Component(p.log, "readiness"))

	keys, err := auth.OpenStore(filepath.Join(cfg.DataDir, auth.KeysFile))
	if err != nil {
		return nil, err
	}
	// A regulator's organisation acts only as regulator: its keys of
	// another role are refused (auth.CheckOrgRole).
	keys.SetRegulators(p.regulators())
	p.keys = keys
	p.authenticate = auth.Middleware(keys)

	if cfg.RedisURL != "" {
		opts, err := verify.RedisOptions(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("--redis %s: %w", cfg.RedactedRedisURL(), err)
		}
		// Only verify and returns keep a cache. Another process does not
		// connect, so a Redis outage does not make it look unready.
		if usesCache(cfg) {
			// go-redis logs its own dial failures; into the process's
			// structured log, not as plain lines among the JSON ones.
			redis.SetLogger(redisLog{telemetry.Component(p.log, "redis")})
			p.redis = redis.NewClient(opts)
			p.closers = append(p.closers, p.redis.Close)
		} else {
			p.log.Warn("--redis is set but this process does not use it: only the verify and returns roles keep a cache",
				"roles", cfg.Roles)
		}
	}

	p.engine = httpx.NewEngine(httpx.EngineConfig{
		Logger:          telemetry.Component(p.log, "http"),
		MaxBodyBytes:    cfg.MaxBodyBytes,
		Observe:         []gin.HandlerFunc{tr.Middleware("rxledger"), p.metrics.Middleware()},
		SuccessLogLevel: cfg.SuccessLogLevel(),
	})
	var metricsOnAPI http.Handler // nil: on an address of their own (serveMetrics)
	if cfg.MetricsAddr == "" {
		metricsOnAPI = p.metrics.Handler()
	}
	server.Routes(p.engine, p.ready, metricsOnAPI)
	p.srv = server.New(server.Options{Handler: p.engine, Logger: telemetry.Component(p.log, "server"), ShutdownTimeout: cfg.ShutdownTimeout})
	return p, nil
}

// serveMetrics serves GET /metrics alone on ln (--metrics-addr), as a
// worker of the API server, which stops it with itself.
func serveMetrics(p *platform, ln net.Listener) {
	e := httpx.NewEngine(httpx.EngineConfig{
		Logger:          telemetry.Component(p.log, "metrics-http"),
		SuccessLogLevel: p.cfg.SuccessLogLevel(),
	})
	e.GET("/metrics", gin.WrapH(p.metrics.Handler()))
	srv := server.New(server.Options{Handler: e, Logger: telemetry.Component(p.log, "metrics-server"), ShutdownTimeout: p.cfg.ShutdownTimeout})
	p.srv.Go("metrics", func(ctx context.Context) error { return srv.Serve(ctx, ln) })
}

// redisLog writes go-redis's own messages as warnings of the structured log.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...))
}

// usesCache reports whether the process runs a role that keeps the
// verification cache.
func usesCache(cfg config.Config) bool {
	return cfg.Has(config.RoleVerify) || cfg.Has(config.RoleReturns)
}

// printStart tells the operator where to go next.
func printStart(w io.Writer, p *platform, addr, metricsAt net.Addr, mounted []string) {
	cfg := p.cfg
	base := "http://" + browsable(addr)
	cache := "in-process"
	switch {
	case !usesCache(cfg):
		cache = "none (only verify and returns keep one)"
	case cfg.RedisURL != "":
		cache = cfg.RedactedRedisURL()
	}
	fmt.Fprintf(w, "rxledger serving %s\n", base)
	roles := strings.Join(cfg.Roles, ", ")
	if roles == "" {
		roles = "none"
	}
	fmt.Fprintf(w, "  roles:    %s (ledger: %s, cache: %s)\n", roles, cfg.Ledger, cache)
	if sc := p.consortium; sc != nil {
		fmt.Fprintf(w, "  ledger:   %s: %d organisations; %s %s\n", sc, len(sc.cons.Organizations),
			plural(len(sc.regulators), "regulator", "regulators"), strings.Join(sc.regulators, ", "))
		if len(sc.signers) > 0 {
			var signed []string
			for _, o := range sc.cons.Organizations {
				if _, ok := sc.signers[o.MSPID]; ok {
					signed = append(signed, o.MSPID)
				}
			}
			fmt.Fprintf(w, "  signing:  %s (keys in %s)\n", strings.Join(signed, ", "), sc.keyDir)
		}
		for _, msp := range sc.unsigned {
			fmt.Fprintf(w, "  signing:  no key for %s (%s): its transactions are refused\n", msp, sc.expected(msp))
		}
	}
	if cfg.Ledger == config.LedgerFabric {
		fmt.Fprintf(w, "  ledger:   fabric channel %s, chaincode %s, through %s; %s %s\n", cfg.Fabric.Channel, cfg.Fabric.Chaincode,
			cfg.Fabric.Peer, plural(len(cfg.Regulators), "regulator", "regulators"), strings.Join(cfg.Regulators, ", "))
	}
	fmt.Fprintf(w, "  data:     %s (API keys: %s)\n", cfg.DataDir, filepath.Join(cfg.DataDir, auth.KeysFile))
	fmt.Fprintf(w, "  health:   %s/healthz  %s/readyz\n", base, base)
	if cfg.MetricsAddr == "" {
		fmt.Fprintf(w, "  metrics:  %s/metrics\n", base)
	} else {
		fmt.Fprintf(w, "  metrics:  http://%s/metrics (--metrics-addr; not on the API address)\n", browsable(metricsAt))
	}
	if len(mounted) == 0 {
		fmt.Fprintf(w, "  services: none (--roles none): only the platform endpoints answer\n")
	} else {
		fmt.Fprintf(w, "  services: %s\n", strings.Join(mounted, ", "))
	}
	if cfg.Demo {
		if p.demoCredentials != "" {
			printDemoNext(w, base, p.demoCredentials, mounted)
		} else {
			fmt.Fprintf(w, "  demo:     pending: the demo consortium is not wired into serve yet; no credentials were written\n")
		}
	}
	fmt.Fprintln(w, "stop with Ctrl-C")
}

// browsable turns a listen address into one a browser can open: an
// unspecified host (":8080", "0.0.0.0") becomes 127.0.0.1.
func browsable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

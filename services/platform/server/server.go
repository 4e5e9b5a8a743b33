// Package server runs an rxledger HTTP service: the HTTP server with its
// timeouts, the background workers (projectors, auditors) beside it in one
// errgroup, graceful shutdown when the context ends, and the platform
// endpoints /healthz, /readyz and /metrics.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// Timeouts guard the server against slow and idle clients.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 60 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// Worker is a background task that runs until its context ends (returning
// nil) or it fails (returning an error, which stops the whole server).
type Worker func(ctx context.Context) error

// Server is an HTTP server and its background workers.
type Server struct {
	http            *http.Server
	log             *slog.Logger
	shutdownTimeout time.Duration
	workers         []namedWorker
}

type namedWorker struct {
	name string
	run  Worker
}

// Options configures New.
type Options struct {
	Handler         http.Handler
	Logger          *slog.Logger
	ShutdownTimeout time.Duration // grace for in-flight requests; 15s if 0
}

// New returns a server for h with rxledger's timeouts.
func New(opts Options) *Server {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	grace := opts.ShutdownTimeout
	if grace <= 0 {
		grace = 15 * time.Second
	}
	return &Server{
		http: &http.Server{
			Handler:           opts.Handler,
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       ReadTimeout,
			WriteTimeout:      WriteTimeout,
			IdleTimeout:       IdleTimeout,
			MaxHeaderBytes:    MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		log:             log,
		shutdownTimeout: grace,
	}
}

// Go adds a background worker. Call it before Serve.
func (s *Server) Go(name string, w Worker) {
	s.workers = append(s.workers, namedWorker{name: name, run: w})
}

// Listen opens a TCP listener on addr (host:port; port 0 picks a free one).
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves HTTP on ln and runs the workers until ctx ends or one of
// them fails. It then stops accepting connections, gives in-flight requests
// the shutdown grace period, cancels the workers' context and waits for them.
// It returns nil after a stop asked through ctx, else the first failure.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	g, gctx := errgroup.WithContext(ctx)
	// Requests get a context that outlives the stop signal, so in-flight
	// requests finish during the grace period; it ends once shutdown is done.
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	s.http.BaseContext = func(net.Listener) context.Context { return base }
	g.Go(func() error {
		if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve http: %w", err)
		}
		return nil
	})
	for _, w := range s.workers {
		g.Go(func() error {
			if err := w.run(gctx); err != nil && gctx.Err() == nil {
				s.log.ErrorContext(gctx, "worker failed", "worker", w.name, "error", err)
				return fmt.Errorf("worker %s: %w", w.name, err)
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		s.log.Info("shutting down", "grace", s.shutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), s.shutdownTimeout)
		defer cancel()
		defer cancelBase()
		if err := s.http.Shutdown(sctx); err != nil {
			_ = s.http.Close()
			return fmt.Errorf("shut down http: %w", err)
		}
		return nil
	})
	return g.Wait()
}

package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"rxledger/chaincode"
	"rxledger/services/ledger"
)

// Defaults of Options.
const (
	DefaultMaxLag       = 2
	DefaultMaxBatch     = 1000
	DefaultHeightMaxAge = 5 * time.Millisecond
	DefaultAuditEvery   = 1000
	// DefaultCacheTimeout bounds a request's cache lookup or fill.
	DefaultCacheTimeout = 100 * time.Millisecond
	// DefaultAbsentTTL is how long the Redis cache keeps a record of
	// absence: that the ledger holds no record of a serial someone asked
	// about. The projector replaces it as soon as the serial is
	// commissioned, so the lifetime bounds room, not staleness. Anyone
	// allowed to verify can ask about made-up serials, each leaving one
	// such record of about 200 bytes (Redis 7), so they occupy at most
	// 200 B x lifetime x the rate of distinct unknown serials: 120 MB for a
	// minute at 10,000 a second, a load that keeps the service's ledger
	// path busy. The asks that repeat an unknown serial (a client's retry,
	// a package scanned again, a return checked and then received) mostly
	// come within the minute; a later one costs a ledger read.
	DefaultAbsentTTL = time.Minute
)

// Options configures New. The zero value is usable.
type Options struct {
	// MaxLag is how many blocks the cache checkpoint may trail the ledger
	// height for the cache to answer (0: DefaultMaxLag; use NoLag for none).
	MaxLag uint64
	// NoLag makes the cache answer only when it has projected every block.
	NoLag bool
	// CacheTimeout bounds each cache call a request makes (0:
	// DefaultCacheTimeout): a cache that hangs costs a request no more.
	CacheTimeout time.Duration
	// AbsentTTL is how long the Redis cache keeps a record of absence (a
	// serial asked about that the ledger has never seen); 0:
	// DefaultAbsentTTL. The in-process cache bounds their number instead
	// (MemoryMaxAbsent).
	AbsentTTL time.Duration
	// MaxBatch bounds the requests of one batch (0: DefaultMaxBatch).
	MaxBatch int
	// HeightMaxAge is how old the ledger height used for the freshness
	// check may be (0: DefaultHeightMaxAge; negative: read it for every
	// request).
	HeightMaxAge time.Duration
	// AuditEvery sends one cached answer in AuditEvery to the auditor
	// (0: DefaultAuditEvery; negative: none).
	AuditEvery int
	// Regulators are the MSP IDs that may verify without being authorized
	// trading partners (nil: the chaincode's default configuration).
	Regulators []string
	// ResponderGLN answers responderGLN when the GTIN owner's GLN is not
	// known: no organisation owns the GTIN's company prefix, the owner has
	// no attested GLN, or its partner record could not be read.
	ResponderGLN string
	Logger       *slog.Logger
	// Registerer receives the service's metrics (nil: not registered).
	Registerer     prometheus.Registerer
	TracerProvider trace.TracerProvider
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Service answers verification requests from the cache when it is fresh and
// from the ledger otherwise, and runs the projector and the auditor that
// keep the cache right.
type Service struct {
	ledger ledger.Ledger
	cache  Cache
	opts   Options
	log    *slog.Logger
	tracer trace.Tracer
	// tracing is false when the tracer provider is the no-op one: the hot
	// path then starts no spans (a no-op span still costs two context
	// allocations per request).
	tracing bool
	m       *metrics
	now     func() time.Time

	heights heightCache
	// projected is the height the projector has written (0: nothing yet).
	projected atomic.Uint64
	// cacheFailedAt is the UnixNano of the cache's last failure, 0 when its
	// last call succeeded.
	cacheFailedAt atomic.Int64
	// caughtUpOnce: CaughtUp has found the projection caught up (WasCaughtUp).
	caughtUpOnce atomic.Bool
	// timesCalls is set when the cache bounds each of its calls by
	// CacheTimeout itself (a lookup may first wait for a slot, which only
	// the request's own context bounds).
	timesCalls bool
	// lost wakes the projector when a lookup finds the checkpoint gone.
	lost chan struct{}

	serials  *memo[chaincode.SerialRecord]
	lots     *memo[chaincode.LotRecord]
	partners *memo[chaincode.Partner]

	responders glnMemo // by MSP ID: the owner's first attested GLN
	// gtinResponders remembers, by GTIN, the GLN the chaincode named as
	// responder for an unknown serial: the cached answer of one needs it.
	gtinResponders glnMemo // by GTIN

	sampleN atomic.Uint64
	samples chan sample
}

// New returns the service over l with cache c.
func New(l ledger.Ledger, c Cache, opts Options) *Service {
	if opts.MaxLag == 0 && !opts.NoLag {
		opts.MaxLag = DefaultMaxLag
	}
	if opts.NoLag {
		opts.MaxLag = 0
	}
	if opts.CacheTimeout <= 0 {
		opts.CacheTimeout = DefaultCacheTimeout
	}
	if opts.AbsentTTL <= 0 {
		opts.AbsentTTL = DefaultAbsentTTL
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.HeightMaxAge == 0 {
		opts.HeightMaxAge = DefaultHeightMaxAge
	}
	if opts.AuditEvery == 0 {
		opts.AuditEvery = DefaultAuditEvery
	}
	if opts.Regulators == nil {
		opts.Regulators = chaincode.DefaultConfig().Regulators
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.TracerProvider == nil {
		opts.TracerProvider = tracenoop.NewTracerProvider()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{
		ledger:   l,
		cache:    c,
		opts:     opts,
		log:      opts.Logger,
		tracer:   opts.TracerProvider.Tracer("rxledger/services/verify"),
		tracing:  !isNoopProvider(opts.TracerProvider),
		m:        newMetrics(opts.Registerer),
		now:      opts.Now,
		lost:     make(chan struct{}, 1),
		serials:  newMemo[chaincode.SerialRecord](1 << 20),
		lots:     newMemo[chaincode.LotRecord](1 << 16),
		partners: newMemo[chaincode.Partner](1 << 12),
		samples:  make(chan sample, 64),
	}
	s.heights.ledger, s.heights.maxAge = l, opts.HeightMaxAge
	if tc, ok := c.(callTimer); ok {
		tc.setCallTimeout(opts.CacheTimeout)
		s.timesCalls = true
	}
	if ae, ok := c.(absentExpirer); ok {
		ae.setAbsentTTL(opts.AbsentTTL)
	}
	s.m.cacheUp.Set(1)
	return s
}

// isNoopProvider reports whether tp is OpenTelemetry's no-op provider,
// whose spans record nothing.
func isNoopProvider(tp trace.TracerProvider) bool {
	_, ok := tp.(tracenoop.TracerProvider)
	return ok
}

// startSpan starts a span when tracing, and otherwise returns ctx and a
// non-recording span without allocating.
func (s *Service) startSpan(ctx context.Context, name string) (context.Context, trace.Span) {
	if !s.tracing {
		return ctx, noSpan
	}
	return s.tracer.Start(ctx, name)
}

// noSpan is a span that records nothing.
var noSpan = trace.SpanFromContext(context.Background())

// MaxBatch is the largest batch Verify accepts.
func (s *Service) MaxBatch() int { return s.opts.MaxBatch }

// isRegulator reports whether org verifies without being a trading partner.
func (s *Service) isRegulator(org string) bool { return slices.Contains(s.opts.Regulators, org) }

// cacheUsable reports whether requests should try the cache: its last call
// succeeded. Once it fails, requests leave it alone (answering from the
// ledger) until the projector, which keeps retrying, reaches it again.
func (s *Service) cacheUsable() bool { return s.cacheFailedAt.Load() == 0 }

// cacheResult records the outcome of a cache call made for ctx. A call that
// failed after ctx ended (the request's client gave up, its deadline passed,
// the service is stopping) or a lookup that was never sent (its caller gave
// up while it waited for a slot) says nothing about the cache: a busy or
// abandoned call is not a failing cache.
func (s *Service) cacheResult(ctx context.Context, err error) {
	if err != nil && (ctx.Err() != nil || errors.Is(err, ErrLookupNotSent)) {
		return
	}
	if err == nil {
		if s.cacheFailedAt.Load() != 0 {
			s.cacheFailedAt.Store(0)
			s.m.cacheUp.Set(1)
			s.log.Info("verification cache reachable again")
		}
		return
	}
	if s.cacheFailedAt.Swap(time.Now().UnixNano()) == 0 {
		s.m.cacheUp.Set(0)
		s.log.Warn("verification cache failed: answering from the ledger", "error", err)
	}
}

// CacheDegraded returns an error while the cache is failing (answers come
// from the ledger), nil when its last call succeeded.
func (s *Service) CacheDegraded() error {
	if s.cacheFailedAt.Load() != 0 {
		return errors.New("verification cache unreachable: answering from the ledger")
	}
	return nil
}

// CaughtUp returns an error unless the projection is within MaxLag blocks of
// the ledger height.
func (s *Service) CaughtUp(ctx context.Context) error {
	h, err := s.ledger.Height(ctx)
	if err != nil {
		return fmt.Errorf("ledger height: %w", err)
	}
	p := s.projected.Load()
	if p+s.opts.MaxLag < h {
		return &LagError{Projected: p, Height: h}
	}
	s.caughtUpOnce.Store(true)
	return nil
}

// LagError is CaughtUp's error for a projection that trails the ledger. Its
// text holds heights only, so /readyz may show it.
type LagError struct{ Projected, Height uint64 }

func (e *LagError) Error() string {
	return fmt.Sprintf("verification cache projection at height %d, ledger at %d: answers come from the ledger until it catches up", e.Projected, e.Height)
}

// WasCaughtUp reports whether CaughtUp has ever found the projection
// caught up in this process.
func (s *Service) WasCaughtUp() bool { return s.caughtUpOnce.Load() }

// callTimer is a cache that bounds each call it makes by a timeout of its
// own rather than by the caller's deadline.
type callTimer interface{ setCallTimeout(time.Duration) }

// absentExpirer is a cache whose records of absence expire.
type absentExpirer interface{ setAbsentTTL(time.Duration) }

// heightCache is the ledger height, read again when older than maxAge.
type heightCache struct {
	ledger ledger.Ledger
	maxAge time.Duration
	mu     sync.Mutex
	height uint64
	at     time.Time
}

func (h *heightCache) get(ctx context.Context) (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now := time.Now(); h.maxAge < 0 || now.Sub(h.at) > h.maxAge {
		n, err := h.ledger.Height(ctx)
		if err != nil {
			return 0, fmt.Errorf("ledger height: %w", err)
		}
		h.height, h.at = n, now
	}
	return h.height, nil
}

// observe raises the height when the projector saw a newer block.
func (h *heightCache) observe(height uint64) {
	h.mu.Lock()
	h.height = max(h.height, height)
	h.mu.Unlock()
}

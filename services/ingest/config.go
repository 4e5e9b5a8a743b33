package ingest

import (
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/prometheus/client_golang/prometheus"

	"rxledger/services/ledger"
)

// Defaults of Config.
const (
	// DefaultCaptureLimit is the most events one capture document may hold
	// (advertised as GS1-EPCIS-Capture-Limit).
	DefaultCaptureLimit = 10_000
	// DefaultFileSizeLimit is the largest capture document in bytes
	// (advertised as GS1-EPCIS-Capture-File-Size-Limit). A document is one
	// ledger transaction, all or nothing; measured on the embedded ledger, a
	// 13.5 MB document of 300,000 EPCs commits as one transaction with a
	// peak of 2.2 GB resident, so 8 MiB (about 180,000 EPCs) keeps a
	// document well inside one transaction and the memory of a small host.
	DefaultFileSizeLimit int64 = 8 << 20
	// maxDecodedInMemory is how many accepted documents wait for
	// submission already decoded; more wait on disk only and are decoded
	// again when their turn comes, so a burst of captures cannot exhaust
	// memory.
	maxDecodedInMemory = 8
	// DefaultPerPage and MaxPerPage bound a query page.
	DefaultPerPage = 100
	MaxPerPage     = 1000
	// DefaultMaxSortedEvents bounds the events a query with orderBy reads
	// and sorts for each of its pages (eventCountLimit up to half of it
	// keeps only that many). Each is a seq and a time in memory; the cost
	// is decoding every matching event for every page.
	DefaultMaxSortedEvents = 10000
	// DefaultProjectionOrg is the organisation the projection reads event
	// bodies as: a regulator holds a copy of every event.
	DefaultProjectionOrg = "RegulatorMSP"
)

// Config is what New needs.
type Config struct {
	// Ledger is the ledger events are submitted to and projected from.
	Ledger ledger.Ledger
	// DataDir is the service's own directory: its job store, its query index
	// and its page-token key live under it.
	DataDir string
	// ProjectionOrg is the organisation whose private copies the projection
	// reads event bodies from (DefaultProjectionOrg if empty): a
	// regulator, which holds every event, or any other organisation, whose
	// index then holds the events it is party to (the others are passed
	// over unread).
	ProjectionOrg string
	// Regulators are the organisations (MSP IDs) whose regulator keys see
	// every event ([ProjectionOrg] if empty). A key's role alone does not
	// open every organisation's events: a regulator-role key issued by
	// mistake to a trading partner sees only the events it is party to, as
	// the chaincode would let it read only its own copies.
	Regulators []string
	// CaptureLimit and FileSizeLimit bound a capture document (defaults
	// above). The HTTP engine's own body limit must not be smaller than
	// FileSizeLimit, or it answers 413 first.
	CaptureLimit  int
	FileSizeLimit int64
	// MaxAccepting bounds the capture documents read and checked at once
	// before their 202, each holding up to a few times FileSizeLimit in
	// memory (2 per CPU, at least 4, if 0); an organisation holds at most
	// a quarter of them (at least one). A capture beyond them waits up to
	// AcceptWait (10s if 0) for one to finish, then is a 503 to retry:
	// many large uploads at once must not exhaust the node's memory, nor
	// one organisation's slow uploads keep the others out.
	MaxAccepting int
	AcceptWait   time.Duration
	// MinUploadRate (bytes a second; 16 KiB if 0) after UploadGrace (10s
	// if 0) is the slowest a capture document may arrive: one slower is cut
	// off (408), so that an upload trickling a byte at a time does not hold
	// one of the MaxAccepting places for the server's whole read timeout.
	MinUploadRate int64
	UploadGrace   time.Duration
	// DefaultPerPage and MaxPerPage bound query pages (defaults above).
	DefaultPerPage int
	MaxPerPage     int
	// MaxSortedEvents bounds an answer sorted by orderBy
	// (DefaultMaxSortedEvents if 0).
	MaxSortedEvents int
	// RetryFirst and RetryMax space a job's tries while the ledger cannot
	// be reached: RetryFirst (200ms if 0), doubling up to RetryMax (30s if
	// 0), for RetryBudget (an hour if 0), after which the job fails.
	// RetryFirst also spaces the retries of read conflicts.
	RetryFirst, RetryMax, RetryBudget time.Duration
	// PartnerWait bounds how long a capture job waits for the projection to
	// catch up with the ledger before it derives transaction information
	// (which needs the partners' GLNs); 10s if 0.
	PartnerWait time.Duration

	Logger *slog.Logger
	// Registerer receives the service's metrics (none registered if nil).
	Registerer prometheus.Registerer
	// Tracer names the service's spans (a no-op tracer if nil).
	Tracer trace.Tracer
}

func (c Config) withDefaults() (Config, error) {
	if c.Ledger == nil {
		return c, errors.New("ingest: a ledger is required")
	}
	if c.DataDir == "" {
		return c, errors.New("ingest: a data directory is required")
	}
	if c.ProjectionOrg == "" {
		c.ProjectionOrg = DefaultProjectionOrg
	}
	if len(c.Regulators) == 0 {
		c.Regulators = []string{c.ProjectionOrg}
	}
	c.Regulators = slices.Clone(c.Regulators)
	if c.CaptureLimit <= 0 {
		c.CaptureLimit = DefaultCaptureLimit
	}
	if c.FileSizeLimit <= 0 {
		c.FileSizeLimit = DefaultFileSizeLimit
	}
	if c.MaxAccepting <= 0 {
		c.MaxAccepting = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if c.AcceptWait <= 0 {
		c.AcceptWait = 10 * time.Second
	}
	if c.MinUploadRate <= 0 {
		c.MinUploadRate = 16 << 10
	}
	if c.UploadGrace <= 0 {
		c.UploadGrace = 10 * time.Second
	}
	if c.DefaultPerPage <= 0 {
		c.DefaultPerPage = DefaultPerPage
	}
	if c.MaxPerPage <= 0 {
		c.MaxPerPage = MaxPerPage
	}
	if c.RetryFirst <= 0 {
		c.RetryFirst = 200 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 30 * time.Second
	}
	if c.RetryBudget <= 0 {
		c.RetryBudget = time.Hour
	}
	if c.MaxSortedEvents <= 0 {
		c.MaxSortedEvents = DefaultMaxSortedEvents
	}
	if c.DefaultPerPage > c.MaxPerPage {
		c.DefaultPerPage = c.MaxPerPage
	}
	if c.PartnerWait <= 0 {
		c.PartnerWait = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Tracer == nil {
		c.Tracer = noop.NewTracerProvider().Tracer("rxledger/ingest")
	}
	return c, nil
}

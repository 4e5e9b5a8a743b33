package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"rxledger/epcis"
	"rxledger/services/platform/auth"
)

// Service is the ingest service: capture jobs, the query projection and the
// HTTP handlers over them.
type Service struct {
	cfg    Config
	log    *slog.Logger
	idx    *index
	jobs   *jobStore
	runner *runner
	proj   *projection
	tokens *tokenKey
	// saltKey derives the salts of captures (captureSalt).
	saltKey *tokenKey
	m       *metrics
	// admission counts the capture documents being read and checked
	// (Config.MaxAccepting).
	admission *admission
}

// CaptureRoles are the roles that may capture events; a regulator may not.
var CaptureRoles = []auth.Role{auth.Manufacturer, auth.Repackager, auth.Wholesaler, auth.ThirdParty, auth.Dispenser}

// New opens the service's stores under cfg.DataDir (jobs/, index/,
// page-token.key, capture-salt.key) and queues the jobs a previous run left unfinished. It
// starts no goroutine: Run does.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// The index and the jobs hold every organisation's event bodies: only
	// the service's own user may read them, whatever the directory's mode
	// was before.
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("ingest: create the data directory: %w", err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("ingest: restrict the data directory: %w", err)
	}
	s := &Service{cfg: cfg, log: cfg.Logger, admission: newAdmission(cfg.MaxAccepting)}
	if s.jobs, err = openJobStore(filepath.Join(cfg.DataDir, "jobs")); err != nil {
		return nil, err
	}
	if s.tokens, err = loadTokenKey(filepath.Join(cfg.DataDir, "page-token.key"),
		"the page tokens given out stop working: a client pages its query again from the start"); err != nil {
		return nil, err
	}
	if s.saltKey, err = loadTokenKey(filepath.Join(cfg.DataDir, "capture-salt.key"),
		"a document captured before and captured again, or a job resumed, stores its transaction information again under a new ID, beside the first"); err != nil {
		return nil, err
	}
	if s.idx, err = openIndex(filepath.Join(cfg.DataDir, "index"), cfg.Logger.With("component", "ingest.index")); err != nil {
		return nil, err
	}
	s.m = newMetrics(cfg.Registerer, s.lag)
	own := !slices.Contains(cfg.Regulators, cfg.ProjectionOrg)
	if s.proj, err = newProjection(cfg.Ledger, s.idx, cfg.ProjectionOrg, own, cfg.Logger, cfg.Tracer, s.m); err != nil {
		s.idx.close()
		return nil, err
	}
	s.runner = newRunner(s.process)
	for _, rec := range s.jobs.running() {
		s.log.Info("resuming capture job", "captureID", rec.Job.CaptureID, "org", rec.Org)
		s.runner.enqueue(&pending{rec: rec})
	}
	return s, nil
}

// Mount adds the routes to r, each behind authenticate:
//
//	POST    /epcis/capture               capture roles only (CaptureRoles)
//	GET     /epcis/capture               the caller's organisation's jobs
//	OPTIONS /epcis/capture               the capture limits
//	GET     /epcis/capture/:captureID    a job of the caller's organisation
//	GET     /epcis/events                query (every role)
//	GET     /epcis/events/*eventID       one event (every role)
//
// Every response of the capture routes carries the capture limits, a
// refusal by authenticate (401) or for the role (403) included: the limits
// are set before either runs.
func (s *Service) Mount(r gin.IRouter, authenticate gin.HandlerFunc) {
	capture := r.Group("/epcis/capture", s.advertise, authenticate)
	capture.POST("", auth.Require(CaptureRoles...), s.handleCapture)
	capture.GET("", s.handleListJobs)
	capture.OPTIONS("", s.handleCaptureOptions)
	capture.GET("/:captureID", s.handleJob)
	events := r.Group("/epcis/events", authenticate)
	events.GET("", s.handleQuery)
	events.GET("/*eventID", s.handleEvent)
}

// Run projects the ledger into the query index and submits capture jobs
// until ctx ends, then waits for the job workers to stop.
func (s *Service) Run(ctx context.Context) error {
	s.runner.start(ctx)
	err := s.proj.run(ctx)
	s.runner.wait()
	return err
}

// Ready reports whether capture jobs can be stored (a full disk takes
// none) and the query index serves current data: the projection runs and
// is within one block of the ledger.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.jobs.Failing(); err != nil {
		return fmt.Errorf("capture jobs cannot be stored, so no capture is accepted: %w", err)
	}
	if err := s.proj.failure(); err != nil {
		return fmt.Errorf("query projection: %w", err)
	}
	h, err := s.cfg.Ledger.Height(ctx)
	if err != nil {
		return fmt.Errorf("ledger height: %w", err)
	}
	if next := s.proj.height(); next+1 < h {
		return fmt.Errorf("query projection at block %d of %d", next, h)
	}
	return nil
}

// WaitProjected waits until the query index holds every block committed
// when it was called (for tests and tools that query right after a capture).
func (s *Service) WaitProjected(ctx context.Context) error {
	h, err := s.cfg.Ledger.Height(ctx)
	if err != nil {
		return err
	}
	return s.proj.waitFor(ctx, h)
}

// Close closes the stores. Call it after Run has returned.
func (s *Service) Close() error {
	return s.idx.close()
}

// lag is the projection lag in blocks, for the metric.
func (s *Service) lag() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	h, err := s.cfg.Ledger.Height(ctx)
	if err != nil {
		return 0
	}
	return float64(h - min(h, s.proj.height()))
}

// limits are the decoder limits of a capture document.
func (s *Service) limits() epcis.Limits {
	return epcis.Limits{MaxDocumentBytes: s.cfg.FileSizeLimit, MaxEvents: s.cfg.CaptureLimit}
}

package ingest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// captureWork is a validated document on its way to the ledger.
type captureWork struct {
	doc *epcis.Document
}

// conflictRetries is how often a job retries a read conflict (another
// transaction changed what it reads; the chaincode decides again against
// the new state) before the job fails. A ledger that cannot be reached is
// waited for (Config.RetryFirst doubling up to Config.RetryMax between
// tries) for Config.RetryBudget, an hour by default: the job was
// acknowledged with a 202 and its document is on disk, so an outage of the
// usual kind (a peer restarting) never fails it, and one document that
// never gets through does not hold up its organisation's jobs for ever.
const conflictRetries = 5

// process submits one job as one Capture transaction and records the
// outcome. When ctx ends first the job stays running in the store and is
// resumed at the next start; the chaincode skips events it already
// anchored, so a resubmission is safe.
func (s *Service) process(ctx context.Context, p *pending) {
	rec := p.rec
	opts := []trace.SpanStartOption{trace.WithAttributes(
		attribute.String("capture.id", rec.Job.CaptureID), attribute.String("org", rec.Org),
		attribute.Int("capture.events", rec.Job.EventCount))}
	if p.accepted.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: p.accepted}))
	}
	ctx, span := s.cfg.Tracer.Start(ctx, "ingest.capture.job", opts...)
	defer span.End()
	log := s.log.With("captureID", rec.Job.CaptureID, "org", rec.Org)

	doc, base, err := s.prepare(p)
	if err != nil {
		log.Error("capture job cannot be prepared", "error", err)
		s.finish(ctx, &rec, nil, err, span)
		return
	}
	conflicts, outages := 0, 0
	var down time.Time // when the ledger was first found unreachable, in a row
	for {
		// The transaction information reads the ledger, which a conflict
		// says has moved: it is derived again for each try.
		tx, warnings, err := s.withT3(ctx, base, doc, rec.Org)
		prepared := err == nil
		if prepared {
			var r ledger.Receipt
			if r, err = s.cfg.Ledger.Submit(ctx, rec.Org, tx); err == nil {
				rec.Job.Warnings = warnings // only a recorded capture has shipments recorded without T3
				s.finish(ctx, &rec, &r, nil, span)
				log.Info("capture job succeeded", "txId", r.TxID, "block", r.Block, "events", rec.Job.EventCount)
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		code := problem.CodeOf(err)
		if code != problem.Unavailable {
			down = time.Time{}
		} else if down.IsZero() {
			down = time.Now()
		}
		switch {
		case code == problem.Unavailable && time.Since(down) >= s.cfg.RetryBudget:
			// Out of patience: one document that never gets through (an
			// endorsement that always times out) must not hold up its
			// organisation's later jobs for ever.
			log.Warn("capture job failed: the ledger could not be reached", "error", err, "for", time.Since(down).Round(time.Second))
			s.finish(ctx, &rec, nil, problem.Wrap(problem.Unavailable, err,
				"the ledger could not be reached for %s, so the document was not recorded: capture it again", s.cfg.RetryBudget), span)
			return
		case code == problem.Unavailable:
			wait = min(s.cfg.RetryFirst<<min(outages, 16), s.cfg.RetryMax)
			outages++
		case code == problem.Conflict && prepared && conflicts < conflictRetries:
			conflicts++
			wait = time.Duration(conflicts) * s.cfg.RetryFirst
		case !prepared:
			log.Error("capture job: its transaction information cannot be derived", "error", err)
			s.finish(ctx, &rec, nil, err, span)
			return
		default:
			log.Warn("capture job failed", "error", err)
			s.finish(ctx, &rec, nil, err, span)
			return
		}
		log.Warn("capture submission failed; retrying", "error", err, "outages", outages, "conflicts", conflicts, "wait", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// prepare reads a job's document (from memory, or from its file for a job
// resumed after a restart) and builds its Capture transaction without the
// transaction information: the events as transient data, with their salt.
func (s *Service) prepare(p *pending) (*epcis.Document, ledger.Transaction, error) {
	var doc *epcis.Document
	if p.work != nil {
		doc = p.work.doc
	} else {
		raw, err := s.jobs.document(p.rec.Job.CaptureID)
		if err != nil {
			return nil, ledger.Transaction{}, err
		}
		if doc, _, err = decodeDocument(p.rec.Kind, raw, s.limits()); err != nil {
			return nil, ledger.Transaction{}, fmt.Errorf("decode stored document: %w", err)
		}
	}
	events, err := json.Marshal(doc.Events)
	if err != nil {
		return nil, ledger.Transaction{}, fmt.Errorf("encode events: %w", err)
	}
	return doc, ledger.Transaction{Function: chaincode.FnCapture, Transient: map[string][]byte{
		chaincode.TransientEvents: events, chaincode.TransientSalt: captureSalt(s.saltKey.key, p.rec.Org, events)}}, nil
}

// withT3 is base with the transaction information of the document's
// shipments, derived now, and the warnings about it.
func (s *Service) withT3(ctx context.Context, base ledger.Transaction, doc *epcis.Document, org string) (ledger.Transaction, []string, error) {
	t3, warnings, err := s.transactionInformation(ctx, doc, org)
	if err != nil || len(t3) == 0 {
		return base, warnings, err
	}
	raw, err := json.Marshal(t3)
	if err != nil {
		return ledger.Transaction{}, nil, fmt.Errorf("encode t3: %w", err)
	}
	tx := base
	tx.Transient = maps.Clone(base.Transient)
	tx.Transient[chaincode.TransientT3] = raw
	return tx, warnings, nil
}

// captureSalt returns the salt of an organisation's Capture of events
// (chaincode.TransientSalt): HMAC-SHA256 under the service's secret salt
// key of the organisation and the events. It is secret and unguessable like
// a random salt (the key never leaves the data directory), and the same for
// the same document: a job resumed after a restart, or a document captured
// again, sends the same salt, so the chaincode finds the T3 it already
// stored (its ID is derived from the salt) instead of storing it again.
func captureSalt(key []byte, org string, events []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("rxledger capture salt\x00"))
	m.Write([]byte(org))
	m.Write([]byte{0})
	m.Write(events)
	return m.Sum(nil)
}

// transactionInformation derives the T3 records of a document's shipments.
// Buyers are found by GLN among the partner records the projection has
// seen, so it first lets the projection catch up with the ledger.
// A ledger that cannot be reached is an Unavailable error, for the job to
// wait for: a shipment is never recorded without its T3 for an outage.
func (s *Service) transactionInformation(ctx context.Context, doc *epcis.Document, org string) ([]chaincode.T3, []string, error) {
	ships := false
	for i := range doc.Events {
		ships = ships || isShipping(&doc.Events[i])
	}
	if !ships {
		return nil, nil, nil
	}
	var behind func() bool
	if h, err := s.cfg.Ledger.Height(ctx); err == nil {
		wctx, cancel := context.WithTimeout(ctx, s.cfg.PartnerWait)
		werr := s.proj.waitFor(wctx, h)
		cancel()
		if werr != nil && ctx.Err() == nil {
			s.log.Warn("the query projection is behind the ledger; a buyer it has not indexed yet makes the job wait", "height", h, "projected", s.proj.height())
			behind = func() bool { return s.proj.height() < h }
		}
	}
	src := t3Sources{
		orgOfGLN: s.idx.orgOfGLN,
		behind:   behind,
		contents: func(ctx context.Context, epc string) (*chaincode.ContainerContents, error) {
			return containerContents(ctx, func(ctx context.Context, fn string, args ...string) ([]byte, error) {
				return s.cfg.Ledger.Evaluate(ctx, org, fn, args...)
			}, epc)
		},
	}
	// The chaincode decides on the events: shipments whose transaction
	// information cannot be told are captured without it, and the job's
	// warnings say so; a ledger read that failed is logged, not shown.
	t3, warnings, lerr := deriveT3(ctx, doc, org, src)
	if problem.Is(lerr, problem.Unavailable) {
		return nil, nil, lerr
	}
	if lerr != nil {
		s.log.Warn("no transaction information derived for a shipment", "org", org, "error", lerr)
	}
	return t3, warnings, nil
}

// finish records a job's outcome. GET answers it at once; storing it is
// tried again (from Config.RetryFirst, doubling up to Config.RetryMax)
// until it is stored or ctx ends, since a store that cannot be written
// (a full disk) takes no other job either. A job whose outcome was never
// stored is resumed at the next start, and its events, already on the
// ledger, are answered as duplicates.
func (s *Service) finish(ctx context.Context, rec *jobRecord, r *ledger.Receipt, err error, span trace.Span) {
	now := time.Now().UTC()
	rec.Job.Running = false
	rec.Job.FinishedAt = &now
	if err == nil {
		rec.Job.Success = true
		rec.Job.TxID, rec.Job.Block = r.TxID, r.Block
		var res chaincode.CaptureResult
		if jerr := json.Unmarshal(r.Result, &res); jerr == nil {
			for _, e := range res.Events {
				if e.Duplicate {
					rec.Job.Duplicates++
				}
			}
			rec.Job.T3 = res.T3
		}
		s.m.jobs.WithLabelValues("success").Inc()
	} else {
		rec.Job.Success = false
		rec.Job.Errors = []JobError{jobErrorOf(err)}
		span.SetStatus(codes.Error, err.Error())
		s.m.jobs.WithLabelValues("failed").Inc()
	}
	for wait := s.cfg.RetryFirst; ; wait = min(2*wait, s.cfg.RetryMax) {
		docErr, serr := s.jobs.finish(rec)
		if docErr != nil {
			s.log.Warn("the finished capture job's document stays until the next start", "captureID", rec.Job.CaptureID, "error", docErr)
		}
		if serr == nil {
			return
		}
		s.log.Error("store the capture job's outcome; retrying", "captureID", rec.Job.CaptureID, "error", serr, "wait", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// jobErrorOf describes why a job failed: the chaincode's rule, event index
// and EPC when it refused, else the ledger's problem.
func jobErrorOf(err error) JobError {
	var pe *problem.Error
	if !errors.As(err, &pe) {
		pe = &problem.Error{Code: problem.Internal, Detail: "the capture could not be submitted; quote the capture ID when reporting it"}
	}
	body := problem.BodyOf(pe, "")
	je := JobError{Type: body.Type, Title: body.Title, Status: body.Status, Detail: body.Detail, Code: pe.Code, Where: pe.Where}
	if re, ok := ledger.RefusalOf(err); ok {
		je.Rule, je.EventIndex, je.EPC = re.Rule, re.EventIndex, re.EPC
		if re.Detail != "" {
			je.Detail = re.Detail
		}
		if re.EventIndex != nil && len(je.Where) == 0 {
			je.Where = []problem.Location{{Index: problem.Index(*re.EventIndex)}}
		}
	}
	return je
}

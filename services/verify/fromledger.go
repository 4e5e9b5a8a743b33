package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
)

// responderTTL is how long a GTIN owner's GLN is remembered.
const responderTTL = 5 * time.Minute

// glnMemo remembers GLNs by key for responderTTL.
type glnMemo struct{ m sync.Map } // key -> responderEntry

type responderEntry struct {
	gln string
	at  time.Time
}

// get returns the GLN remembered for key, false when there is none or it
// is older than responderTTL.
func (g *glnMemo) get(key string) (string, bool) {
	v, ok := g.m.Load(key)
	if !ok {
		return "", false
	}
	e := v.(responderEntry)
	if time.Since(e.at) >= responderTTL {
		return "", false
	}
	return e.gln, true
}

func (g *glnMemo) put(key, gln string) { g.m.Store(key, responderEntry{gln: gln, at: time.Now()}) }

// answerFromLedger answers reqs[i] for each i in idx from the ledger: it
// reads the serial and lot records, computes the answer with the
// chaincode's verification function and, when the cache is reachable,
// writes the records into it. An unknown serial is answered by the
// chaincode's Verify query, which tells an unknown GTIN (Problem 404).
func (s *Service) answerFromLedger(ctx context.Context, org string, reqs []Request, idx []int, out []Response, now time.Time, cacheOK bool) error {
	ctx, span := s.tracer.Start(ctx, "verify.ledger", trace.WithAttributes(attribute.Int("verify.identifiers", len(idx))))
	defer span.End()
	height, err := s.ledger.Height(ctx)
	if err != nil {
		failSpan(span, err)
		return s.ledgerFailure(err, "read the ledger height")
	}
	version := uint64(0)
	if height > 0 {
		version = height - 1
	}
	var fill []Entry
	lots := map[Key]*chaincode.LotRecord{}
	for _, i := range idx {
		req := &reqs[i]
		e, err := s.ledgerAnswer(ctx, org, req, now, height, version, lots, &out[i])
		if err != nil {
			failSpan(span, err)
			return err
		}
		fill = append(fill, e...)
	}
	if cacheOK && len(fill) > 0 {
		fctx, fspan := s.tracer.Start(ctx, "verify.cache.fill")
		fctx, cancel := context.WithTimeout(fctx, s.opts.CacheTimeout)
		err := s.cache.Fill(fctx, fill)
		cancel()
		endSpan(fspan, err)
		s.cacheResult(ctx, err)
	}
	return nil
}

// ledgerAnswer answers one request from the ledger and returns the cache
// entries of what it read.
func (s *Service) ledgerAnswer(ctx context.Context, org string, req *Request, now time.Time, height, version uint64,
	lots map[Key]*chaincode.LotRecord, out *Response) ([]Entry, error) {
	key := SerialKey(req.GTIN, req.Serial)
	link := chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: req.GTIN, Serial: req.Serial}.DigitalLink()
	raw, err := s.ledger.Evaluate(ctx, org, chaincode.FnReadSerial, link)
	if problem.Is(err, problem.NotFound) {
		return s.ledgerUnknownSerial(ctx, org, req, now, height, version, key, out)
	}
	if err != nil {
		return nil, s.ledgerFailure(err, "read serial "+link)
	}
	var sr chaincode.SerialRecord
	if err := json.Unmarshal(raw, &sr); err != nil {
		return nil, fmt.Errorf("decode serial %s from the ledger: %w", link, err)
	}
	entries := []Entry{{Key: key, Version: version, Record: raw}}
	var lot *chaincode.LotRecord
	if sr.Lot != "" {
		lk := LotKey(sr.GTIN, sr.Lot)
		entries[0].Lot = lk.ID
		var ok bool
		if lot, ok = lots[lk]; !ok {
			lraw, err := s.readLot(ctx, org, sr.GTIN, sr.Lot)
			if err != nil {
				return nil, err
			}
			if lraw != nil {
				lot = new(chaincode.LotRecord)
				if err := json.Unmarshal(lraw, lot); err != nil {
					return nil, fmt.Errorf("decode lot %s of %s: %w", sr.Lot, sr.GTIN, err)
				}
			}
			lots[lk] = lot
			entries = append(entries, Entry{Key: lk, Version: version, Record: lraw})
		}
	}
	res := chaincode.Verify(req.chaincodeRequest(), &sr, lot, now)
	*out = fromResult(res, req, now, height, SourceLedger)
	out.ResponderGLN = s.responderGLN(ctx, org, lot)
	return entries, nil
}

// ledgerUnknownSerial answers a serial the ledger has no record of with the
// chaincode's Verify query: not found for an unknown GTIN, else its answer
// (No_match_GTIN_Serial), whose absence is cached, naming the GTIN owner's
// GLN, which is remembered for the cached answers.
func (s *Service) ledgerUnknownSerial(ctx context.Context, org string, req *Request, now time.Time, height, version uint64, key Key, out *Response) ([]Entry, error) {
	arg, err := json.Marshal(req.chaincodeRequest())
	if err != nil {
		return nil, fmt.Errorf("encode verify request: %w", err)
	}
	raw, err := s.ledger.Evaluate(ctx, org, chaincode.FnVerify, string(arg))
	if problem.Is(err, problem.NotFound) {
		body := problem.BodyOf(problem.New(problem.NotFound, "GTIN %s is unknown: no serial of it was ever commissioned", req.GTIN).
			At(problem.Location{Field: "gtin"}), "")
		*out = Response{CorrUUID: req.CorrUUID, VerificationTimestamp: now.UTC(), LedgerHeight: height, Source: SourceLedger, Problem: &body}
		return nil, nil
	}
	if err != nil {
		return nil, s.ledgerFailure(err, "verify "+req.GTIN)
	}
	var res chaincode.VerifyResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("decode the chaincode's verify answer: %w", err)
	}
	*out = fromResult(res, req, now, height, SourceLedger)
	s.gtinResponders.put(req.GTIN, res.ResponderGLN)
	out.ResponderGLN = s.orDefaultResponder(res.ResponderGLN)
	return []Entry{{Key: key, Version: version}}, nil
}

// gtinResponder returns the GLN that answers for an unknown serial of gtin
// as the ledger last named it (Options.ResponderGLN when it named none),
// and false when it is not remembered or older than responderTTL.
//
// It is remembered by GTIN (Service.gtinResponders), from the chaincode's
// answers about unknown serials, rather than stored with each record of
// absence: it is the GTIN's, not the serial's; those records stay as small
// as they can (they are what a flood of made-up serials fills); and the
// cache's layout and lookups do not change. Only a GTIN the chaincode
// knows is remembered, so there are at most as many as the ledger has.
func (s *Service) gtinResponder(gtin string) (string, bool) {
	gln, ok := s.gtinResponders.get(gtin)
	if !ok {
		return "", false
	}
	return s.orDefaultResponder(gln), true
}

// orDefaultResponder is gln, or Options.ResponderGLN when gln is empty.
func (s *Service) orDefaultResponder(gln string) string {
	if gln == "" {
		return s.opts.ResponderGLN
	}
	return gln
}

// readLot reads a lot record from the ledger (nil when there is none) and
// returns its JSON as the chaincode stores it.
func (s *Service) readLot(ctx context.Context, org, gtin, lot string) ([]byte, error) {
	raw, err := s.ledger.Evaluate(ctx, org, chaincode.FnReadLotRecord, gtin, lot)
	if problem.Is(err, problem.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, s.ledgerFailure(err, "read lot "+lot)
	}
	return raw, nil
}

// readPartner reads an organisation's partner record from the ledger (nil
// when it has none) and, when the cache is reachable, caches it.
func (s *Service) readPartner(ctx context.Context, org string, cacheOK bool, height uint64) (*chaincode.Partner, error) {
	raw, err := s.ledger.Evaluate(ctx, org, chaincode.FnReadPartner, org)
	if err != nil && !problem.Is(err, problem.NotFound) {
		return nil, s.ledgerFailure(err, "read the partner record of "+org)
	}
	var p *chaincode.Partner
	if err == nil {
		if p, err = s.partners.decode(raw); err != nil {
			return nil, fmt.Errorf("decode partner %s: %w", org, err)
		}
	} else {
		raw = nil
	}
	if cacheOK && height > 0 {
		fctx, cancel := context.WithTimeout(ctx, s.opts.CacheTimeout)
		ferr := s.cache.Fill(fctx, []Entry{{Key: PartnerKey(org), Version: height - 1, Record: raw}})
		cancel()
		s.cacheResult(ctx, ferr)
	}
	return p, nil
}

// responderGLN is the first attested GLN of the organisation owning the
// lot's GTIN (the manufacturer answers for its products; a GLN it only
// claims grants nothing), else Options.ResponderGLN.
func (s *Service) responderGLN(ctx context.Context, org string, lot *chaincode.LotRecord) string {
	if lot == nil || lot.Owner == "" {
		return s.opts.ResponderGLN
	}
	if gln, ok := s.responders.get(lot.Owner); ok {
		return gln
	}
	gln := s.opts.ResponderGLN
	raw, err := s.ledger.Evaluate(ctx, org, chaincode.FnReadPartner, lot.Owner)
	if err != nil && !problem.Is(err, problem.NotFound) {
		// Not remembered: a read that failed (this request's client gave
		// up, the ledger did not answer) says nothing about the owner.
		return gln
	}
	if err == nil {
		if p, derr := s.partners.decode(raw); derr == nil && p.FirstAttestedGLN() != "" {
			gln = p.FirstAttestedGLN()
		}
	}
	s.responders.put(lot.Owner, gln)
	return gln
}

// ledgerFailure turns a ledger error into the service's: the ledger's own
// problem (Unavailable, ...) is kept, anything else is Unavailable.
func (s *Service) ledgerFailure(err error, what string) error {
	switch problem.CodeOf(err) {
	case problem.Unavailable, problem.Forbidden, problem.Invalid, problem.NotFound:
		return fmt.Errorf("%s: %w", what, err)
	}
	return problem.Wrap(problem.Unavailable, err, "the ledger could not %s", what)
}

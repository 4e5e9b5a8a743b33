package verify

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"rxledger/chaincode"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/problem"
)

// Verify answers validated requests of caller, one Response each in order.
// It fails with a Forbidden problem when the caller's organisation is not a
// current authorized trading partner (regulators excepted) or a reqGLN is
// not one of its GLNs, and with Unavailable when the ledger cannot answer.
// A request about an unknown GTIN gets a Response whose Problem says so.
func (s *Service) Verify(ctx context.Context, caller auth.Principal, reqs []Request) ([]Response, error) {
	start := time.Now()
	ctx, span := s.startSpan(ctx, "verify.Verify")
	defer span.End()
	recording := span.IsRecording() // attributes cost allocations: only for a span that keeps them
	if recording {
		span.SetAttributes(attribute.String("rxledger.org", caller.Org), attribute.Int("verify.requests", len(reqs)))
	}

	keys := make([]Key, len(reqs))
	lots := make([]string, len(reqs)) // read with the serials when the requests name them
	for i := range reqs {
		keys[i] = SerialKey(reqs[i].GTIN, reqs[i].Serial)
		lots[i] = reqs[i].Lot
	}
	look := lookupPool.Get().(*Lookup)
	defer putLookup(look)
	cacheOK := false
	if s.cacheUsable() {
		cctx, cspan := s.startSpan(ctx, "verify.cache.lookup")
		cancel := context.CancelFunc(func() {})
		if !s.timesCalls {
			cctx, cancel = context.WithTimeout(cctx, s.opts.CacheTimeout)
		}
		err := s.cache.Lookup(cctx, caller.Org, keys, lots, look)
		cancel()
		endSpan(cspan, err)
		s.cacheResult(ctx, err)
		cacheOK = err == nil
	}
	height, err := s.heights.get(ctx)
	if err != nil {
		return nil, s.ledgerFailure(err, "read the ledger height")
	}
	if cacheOK && !look.Checkpoint.Set && s.projected.Load() > 0 {
		s.wakeProjector()
	}
	fresh := cacheOK && look.Checkpoint.Set && look.Checkpoint.Block+1+s.opts.MaxLag >= height
	now := s.now()
	if err := s.authorize(ctx, caller, reqs, look, fresh, cacheOK, height, now); err != nil {
		failSpan(span, err)
		return nil, err
	}

	out := make([]Response, len(reqs))
	var misses []int
	for i := range reqs {
		if fresh && s.answerFromCache(ctx, caller.Org, &reqs[i], &look.Items[i], look.Checkpoint, now, &out[i]) {
			s.sample(caller.Org, &reqs[i])
			continue
		}
		misses = append(misses, i)
	}
	s.m.hit(len(reqs) - len(misses))
	if len(misses) == 0 {
		s.m.latCache.Observe(time.Since(start).Seconds())
		if recording {
			span.SetAttributes(attribute.String("verify.source", SourceCache))
		}
		return out, nil
	}
	s.m.miss(len(misses))
	if err := s.answerFromLedger(ctx, caller.Org, reqs, misses, out, now, cacheOK); err != nil {
		failSpan(span, err)
		return nil, err
	}
	s.m.latLedger.Observe(time.Since(start).Seconds())
	span.SetAttributes(attribute.String("verify.source", SourceLedger), attribute.Int("verify.misses", len(misses)))
	return out, nil
}

// lookupPool holds Lookups for Verify, which uses one for the length of a
// call only (answers copy what they keep).
var lookupPool = sync.Pool{New: func() any { return new(Lookup) }}

// putLookup clears l, keeping its Items array, and puts it back in
// lookupPool; a batch's large array is left to the garbage collector.
func putLookup(l *Lookup) {
	if cap(l.Items) > coalesceMaxSerials {
		l.Items = nil
	}
	l.Checkpoint, l.Requester, l.Items = Checkpoint{}, Found{}, resize(l.Items, 0)
	lookupPool.Put(l)
}

// authorize checks that the caller's organisation is a current authorized
// trading partner (a regulator attests a licence of it not expired at now)
// or a regulator, and that every reqGLN is one of its attested GLNs.
func (s *Service) authorize(ctx context.Context, caller auth.Principal, reqs []Request, look *Lookup, fresh, cacheOK bool, height uint64, now time.Time) error {
	var partner *chaincode.Partner
	var err error
	if fresh && look.Requester.Cached {
		if look.Requester.Record != nil {
			partner, err = s.partners.decode(look.Requester.Record)
		}
	} else {
		partner, err = s.readPartner(ctx, caller.Org, cacheOK, height)
	}
	if err != nil {
		return err
	}
	if !s.isRegulator(caller.Org) && (partner == nil || !partner.ATP(now)) {
		return problem.New(problem.Forbidden,
			"organisation %s is not a current authorized trading partner: it %s", caller.Org, partner.NotATPReason(now))
	}
	for i := range reqs {
		g := reqs[i].ReqGLN
		if g == "" || g == caller.GLN || (partner != nil && partner.HasGLN(g)) {
			continue
		}
		field := "reqGLN"
		if len(reqs) > 1 {
			return problem.New(problem.Forbidden, "reqGLN %s of request %d is not a GLN of %s", g, i, caller.Org).
				At(problem.Location{Field: field, Index: problem.Index(i)})
		}
		return problem.New(problem.Forbidden, "reqGLN %s is not a GLN of %s", g, caller.Org).At(problem.Location{Field: field})
	}
	return nil
}

// answerFromCache answers req from what the lookup found, computing the
// answer with the chaincode's own verification function. It reports false
// when the cache does not hold what the answer needs (for an unknown
// serial, the GTIN owner's GLN, which the ledger's answer names).
func (s *Service) answerFromCache(ctx context.Context, org string, req *Request, it *Item, cp Checkpoint, now time.Time, out *Response) bool {
	if !it.Serial.Cached {
		return false
	}
	version := max(cp.Block, it.Serial.Version)
	if it.Serial.Record == nil {
		gln, ok := s.gtinResponder(req.GTIN)
		if !ok {
			return false
		}
		res := chaincode.Verify(req.chaincodeRequest(), nil, nil, now)
		*out = fromResult(res, req, now, version+1, SourceCache)
		out.ResponderGLN = gln
		return true
	}
	sr, err := s.serials.decode(it.Serial.Record)
	if err != nil {
		s.log.Warn("undecodable cached serial record", "gtin", req.GTIN, "serial", req.Serial, "error", err)
		return false
	}
	var lot *chaincode.LotRecord
	if sr.Lot != "" {
		if !it.Lot.Cached {
			return false
		}
		if it.Lot.Record != nil {
			if lot, err = s.lots.decode(it.Lot.Record); err != nil {
				s.log.Warn("undecodable cached lot record", "gtin", req.GTIN, "lot", sr.Lot, "error", err)
				return false
			}
		}
		version = max(version, it.Lot.Version)
	}
	res := chaincode.Verify(req.chaincodeRequest(), sr, lot, now)
	*out = fromResult(res, req, now, version+1, SourceCache)
	out.ResponderGLN = s.responderGLN(ctx, org, lot)
	return true
}

// sample hands one cached answer in AuditEvery to the auditor, never
// blocking the request.
func (s *Service) sample(org string, req *Request) {
	if s.opts.AuditEvery < 0 || s.sampleN.Add(1)%uint64(s.opts.AuditEvery) != 0 {
		return
	}
	select {
	case s.samples <- sample{org: org, req: *req}:
	default:
	}
}

// endSpan marks span failed when err is set and ends it.
func endSpan(span trace.Span, err error) {
	failSpan(span, err)
	span.End()
}

// failSpan marks span failed when err is set.
func failSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
}

// encodeRecord is the JSON of a record as the cache stores it.
func encodeRecord(v any) ([]byte, error) { return json.Marshal(v) }

package verify

import (
	"context"
	"encoding/json"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
)

// sample is a cached answer handed to the auditor: who asked what.
type sample struct {
	org string
	req Request
}

// AuditResult is what one audit found.
type AuditResult int

// Audit outcomes.
const (
	AuditMatch    AuditResult = iota // the cache answers as the chain does
	AuditMismatch                    // it does not: the entries were evicted
	AuditSkipped                     // not comparable (the ledger or the projection moved)
)

// RunAuditor re-checks the sampled cache answers against the chain until
// ctx ends (returning nil).
func (s *Service) RunAuditor(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case smp := <-s.samples:
			if _, err := s.Audit(ctx, smp.org, smp.req); err != nil && ctx.Err() == nil {
				s.log.Warn("audit failed", "gtin", smp.req.GTIN, "serial", smp.req.Serial, "error", err)
			}
		}
	}
}

// Audit compares the cache's answer to req (asked by org) with the answer
// of the chaincode's Verify query. When they differ while neither the
// ledger nor the cache moved, the cache entries of the package are
// evicted and the mismatch counted.
func (s *Service) Audit(ctx context.Context, org string, req Request) (AuditResult, error) {
	ctx, span := s.tracer.Start(ctx, "verify.audit")
	defer span.End()
	h0, err := s.ledger.Height(ctx)
	if err != nil {
		return AuditSkipped, err
	}
	arg, err := json.Marshal(req.chaincodeRequest())
	if err != nil {
		return AuditSkipped, err
	}
	raw, err := s.ledger.Evaluate(ctx, org, chaincode.FnVerify, string(arg))
	if err != nil && !problem.Is(err, problem.NotFound) {
		return AuditSkipped, err
	}
	var chain chaincode.VerifyResult
	chainKnown := err == nil
	if chainKnown {
		if err := json.Unmarshal(raw, &chain); err != nil {
			return AuditSkipped, err
		}
	}
	var look Lookup
	key := SerialKey(req.GTIN, req.Serial)
	if err := s.cache.Lookup(ctx, org, []Key{key}, []string{req.Lot}, &look); err != nil {
		return AuditSkipped, err
	}
	if !look.Checkpoint.Set || look.Checkpoint.Block+1 < h0 {
		s.m.skipped.Inc()
		return AuditSkipped, nil
	}
	var resp Response
	now := s.now()
	if !s.answerFromCache(ctx, org, &req, &look.Items[0], look.Checkpoint, now, &resp) {
		s.m.skipped.Inc() // evicted or never cached meanwhile: nothing to compare
		return AuditSkipped, nil
	}
	cached := chaincode.VerifyResult{Verified: resp.Verified, VerificationFailureReason: resp.VerificationFailureReason,
		AdditionalInfo: resp.AdditionalInfo, Conditions: resp.Conditions}
	if chainKnown && sameAnswer(cached, chain) {
		s.m.audited(false)
		return AuditMatch, nil
	}
	if h1, err := s.ledger.Height(ctx); err != nil || h1 != h0 {
		s.m.skipped.Inc()
		return AuditSkipped, err
	}
	keys := []Key{key}
	if it := look.Items[0]; it.Serial.Record != nil {
		if sr, err := s.serials.decode(it.Serial.Record); err == nil && sr.Lot != "" {
			keys = append(keys, LotKey(sr.GTIN, sr.Lot))
		}
	}
	if err := s.cache.Evict(ctx, keys...); err != nil {
		return AuditMismatch, err
	}
	s.m.audited(true)
	s.log.Warn("auditor: cached answer differs from the chain; evicted", "gtin", req.GTIN, "serial", req.Serial,
		"cached", cached, "chain", chain)
	return AuditMismatch, nil
}

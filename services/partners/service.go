package partners

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// MaxBodyBytes bounds the body of a record or an attestation. Each is one
// ledger transaction whose arguments every member's blocks hold; 1 MiB is
// tens of thousands of GLNs.
const MaxBodyBytes = 1 << 20

// Ledger is what the service needs of the ledger.
type Ledger = ledger.Client

// Service answers the partner routes on a ledger.
type Service struct {
	ledger     Ledger
	regulators []string
	log        *slog.Logger
}

// New returns the service over l; log receives a line per record or
// attestation written (nil: discarded). regulators are the organisations
// whose regulator keys may attest, as the chaincode is configured: a
// regulator key of any other organisation is refused before the ledger is
// asked (ingest likewise grants such a key no regulator's view; verify
// decides by organisation alone). nil: the chaincode alone decides.
func New(l Ledger, regulators []string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{ledger: l, regulators: slices.Clone(regulators), log: log}
}

// Mount adds the routes to r, each behind authenticate:
//
//	GET /partners/:mspId              any caller
//	PUT /partners/:mspId              a key of that organisation, any role
//	PUT /partners/:mspId/attestation  regulator keys (and the chaincode
//	                                  accepts only configured regulators)
func (s *Service) Mount(r gin.IRouter, authenticate gin.HandlerFunc) {
	g := r.Group("/partners", authenticate, httpx.LimitBody(MaxBodyBytes))
	g.GET("/:mspId", s.handleRead)
	g.PUT("/:mspId", s.handlePut)
	g.PUT("/:mspId/attestation", auth.Require(auth.Regulator), s.handleAttest)
}

// Written is the answer to a write: the record as the ledger stored it and
// the transaction that stored it.
type Written struct {
	Partner chaincode.Partner `json:"partner"`
	TxID    string            `json:"txId"`
	Block   uint64            `json:"block"`
}

// handleRead is GET /partners/{mspId}. ReadPartner answers every caller:
// partner records are shared state that every member's ledger holds.
func (s *Service) handleRead(c *gin.Context) {
	p, _ := auth.PrincipalOf(c)
	raw, err := s.ledger.Evaluate(c.Request.Context(), p.Org, chaincode.FnReadPartner, c.Param("mspId"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	var rec chaincode.Partner
	if err := json.Unmarshal(raw, &rec); err != nil {
		httpx.Fail(c, fmt.Errorf("decode ReadPartner result: %w", err))
		return
	}
	httpx.Respond(c, http.StatusOK, rec)
}

// handlePut is PUT /partners/{mspId}: the caller's organisation writes its
// own record. Any role of the organisation may: the record is what the
// organisation says of itself, and it grants nothing until a regulator
// attests it (the attestation is kept as it is). Nobody writes another
// organisation's record, a regulator included: it attests instead.
func (s *Service) handlePut(c *gin.Context) {
	p, _ := auth.PrincipalOf(c)
	msp := c.Param("mspId")
	if p.Org != msp {
		httpx.Fail(c, problem.New(problem.Forbidden,
			"%s may write only its own partner record, not %s's (a regulator attests it: PUT /partners/%s/attestation)",
			p.Org, msp, url.PathEscape(msp)))
		return
	}
	var body recordBody
	if err := httpx.DecodeJSON(c, &body); err != nil {
		httpx.Fail(c, err)
		return
	}
	rec, err := body.partner(msp)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	ctx := c.Request.Context()
	// Whether this write creates the record, for 201: read just before it.
	// Only the organisation writes its record, so only its own concurrent
	// first writes could both be answered 201.
	_, err = s.ledger.Evaluate(ctx, p.Org, chaincode.FnReadPartner, msp)
	created := problem.Is(err, problem.NotFound)
	if err != nil && !created {
		httpx.Fail(c, err)
		return
	}
	w, ok := s.write(c, p.Org, chaincode.FnPutPartner, rec, body.lists(), msp)
	if !ok {
		return
	}
	s.log.InfoContext(ctx, "partner record written", "partner", msp, "created", created, "txId", w.TxID, "block", w.Block)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", "/partners/"+url.PathEscape(msp))
	}
	httpx.Respond(c, status, w)
}

// handleAttest is PUT /partners/{mspId}/attestation: a regulator attests
// what it has checked. Mount lets only regulator keys through; the
// chaincode accepts only its configured regulators (regulator-only, 403),
// which serve configures from the same consortium as the services.
func (s *Service) handleAttest(c *gin.Context) {
	p, _ := auth.PrincipalOf(c)
	msp := c.Param("mspId")
	if !p.RegulatorOf(s.regulators) { // the route takes regulator-role keys alone
		httpx.Fail(c, problem.New(problem.Forbidden, "%s is not a configured regulator and may not attest partners", p.Org))
		return
	}
	var body attestationBody
	if err := httpx.DecodeJSON(c, &body); err != nil {
		httpx.Fail(c, err)
		return
	}
	att, err := body.attestation()
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	w, ok := s.write(c, p.Org, chaincode.FnAttestPartner, att, body.lists(), msp, msp)
	if !ok {
		return
	}
	s.log.InfoContext(c.Request.Context(), "partner attested", "partner", msp, "by", p.Org, "roles", att.Roles,
		"licenses", len(att.Licenses), "txId", w.TxID, "block", w.Block)
	httpx.Respond(c, http.StatusOK, w)
}

// write submits fn as org with its leading arguments and the JSON of v,
// and returns what the ledger stored. On a failure it answers the problem,
// located in the body's lists (in) where the chaincode names a value, and
// reports false.
func (s *Service) write(c *gin.Context, org, fn string, v any, in lists, msp string, lead ...string) (Written, bool) {
	arg, err := json.Marshal(v)
	if err != nil {
		httpx.Fail(c, fmt.Errorf("encode the %s argument: %w", fn, err))
		return Written{}, false
	}
	r, err := s.ledger.Submit(c.Request.Context(), org, ledger.Transaction{Function: fn, Args: append(lead, string(arg))})
	if err != nil {
		httpx.Fail(c, located(err, in, msp))
		return Written{}, false
	}
	w, err := written(r)
	if err != nil {
		httpx.Fail(c, err)
		return Written{}, false
	}
	return w, true
}

// written is the answer of a committed write.
func written(r ledger.Receipt) (Written, error) {
	w := Written{TxID: r.TxID, Block: r.Block}
	if err := json.Unmarshal(r.Result, &w.Partner); err != nil {
		return w, fmt.Errorf("decode the stored partner record (tx %s): %w", r.TxID, err)
	}
	return w, nil
}

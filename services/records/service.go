package records

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// MaxBodyBytes bounds the body of a recall or an investigation move: a
// reason of MaxReasonChars characters, or a state, fits many times over.
const MaxBodyBytes = 16 << 10

// Ledger is what the service needs of the ledger.
type Ledger = ledger.Client

// Service answers the record routes on a ledger.
type Service struct {
	ledger     Ledger
	regulators []string
	log        *slog.Logger
}

// New returns the service over l; log receives a line per recall and
// investigation move (nil: discarded). regulators are the chaincode's
// regulator organisations: a regulator-role key of one of them has the
// regulator's view, and may move investigations as a regulator; a
// regulator-role key of any other organisation is refused those moves
// before the ledger is asked, and reads as the organisation it belongs to.
// (A key of one of them with another role is the key store's to refuse:
// auth.CheckOrgRole.) nil: the key's role alone says who is a regulator,
// and the chaincode alone decides the moves.
func New(l Ledger, regulators []string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{ledger: l, regulators: slices.Clone(regulators), log: log}
}

// RecallRoles are the roles whose keys may recall a lot: those of an
// organisation that commissions products. The chaincode accepts only the
// lot's owner.
var RecallRoles = []auth.Role{auth.Manufacturer, auth.Repackager}

// Mount adds the routes to r, each behind authenticate:
//
//	GET  /lots/{gtin}/{lot}                any caller (ReadLot restricts what it shows)
//	POST /lots/{gtin}/{lot}/recall         manufacturer and repackager keys (the chaincode: the lot's owner)
//	GET  /items/{epc}                      regulators, the GTIN owner, the holder and the addressee
//	GET  /items/{epc}/history              regulators and the GTIN owner all of it; others the changes they took part in
//	PUT  /items/{epc}/investigation        trading partner keys, and regulator keys of configured regulators
//	GET  /t3/{id}                          any caller (the chaincode: seller, buyer and regulators)
//	GET  /tx/{txId}                        regulators all of it; others the events and T3 they may read, else 404
//
// The lot and item routes are catch-alls: the service splits the escaped
// path itself, so that an identifier written as one segment with its '/'
// as %2F (a Digital Link, a lot with a '/') stays one.
func (s *Service) Mount(r gin.IRouter, authenticate gin.HandlerFunc) {
	g := r.Group("", authenticate, httpx.LimitBody(MaxBodyBytes))
	g.GET(lotsPrefix+"*path", s.handleLots)
	g.POST(lotsPrefix+"*path", auth.Require(RecallRoles...), s.handleLots)
	g.GET(itemsPrefix+"*path", s.handleItems)
	g.PUT(itemsPrefix+"*path", s.handleItems)
	g.GET("/t3/:id", s.handleT3)
	g.GET("/tx/:txId", s.handleTx)
}

// Recalled is the answer to a recall: the lot's record as the ledger stored
// it and the transaction that stored it.
type Recalled struct {
	Lot chaincode.LotRecord `json:"lot"`
	// TxID and Block name the recall's transaction; both are empty for a
	// lot recalled before.
	TxID  string `json:"txId,omitempty"`
	Block uint64 `json:"block,omitempty"`
}

// Investigated is the answer to an investigation move: what
// SetInvestigation changed (the item and everything packed in it) and the
// transaction that changed it.
type Investigated struct {
	Investigation chaincode.InvestigationResult `json:"investigation"`
	// TxID and Block name the transaction of the move; a move to the state
	// the item is in already writes none, and answers neither.
	TxID  string `json:"txId,omitempty"`
	Block uint64 `json:"block,omitempty"`
}

// Item is the answer to GET /items/{epc}: the record of a serialised
// package or case (serial) or of a logistic unit (container), and
// everything packed in it, depth first, each with the container it is
// packed in directly (empty for a package that packs nothing).
type Item struct {
	// ID is the item's canonical GS1 Digital Link.
	ID        string                     `json:"id"`
	Serial    *chaincode.SerialRecord    `json:"serial,omitempty"`
	Container *chaincode.ContainerRecord `json:"container,omitempty"`
	Contents  []chaincode.ContainedItem  `json:"contents"`
}

// History is the answer to GET /items/{epc}/history: the item's custody
// chain, oldest first, each entry with its transaction, block and time.
type History struct {
	// ID is the item's canonical GS1 Digital Link.
	ID string `json:"id"`
	// Restricted is set when entries were left out: the caller is neither a
	// regulator nor the GTIN's owner, and sees the changes it took part in.
	Restricted bool                     `json:"restricted,omitempty"`
	Entries    []chaincode.CustodyEntry `json:"entries"`
}

// ruleFields are where in a request the chaincode's refusals of these
// routes are. The ledger has already given each its code and detail.
var ruleFields = problem.RuleFields{
	"bad-epc":                  "epc",
	"terminal":                 "epc",
	"bad-investigation-state":  "state",
	"investigation-transition": "state",
}

// regulator reports whether p has a regulator's view: a regulator key of a
// configured regulator organisation.
func (s *Service) regulator(p auth.Principal) bool {
	return p.RegulatorOf(s.regulators)
}

// handleLots answers the /lots/ routes.
func (s *Service) handleLots(c *gin.Context) {
	gtin, lot, recall, err := lotPath(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	switch {
	case c.Request.Method == http.MethodGet && !recall:
		s.readLot(c, gtin, lot)
	case c.Request.Method == http.MethodPost && recall:
		s.recall(c, gtin, lot)
	case recall:
		methodNotAllowed(c, http.MethodPost)
	default:
		methodNotAllowed(c, http.MethodGet)
	}
}

// readLot is GET /lots/{gtin}/{lot}: ReadLot as the caller. Its owner and
// regulators see every holder and the counts; anyone else only its own
// holding (restricted).
func (s *Service) readLot(c *gin.Context, gtin, lot string) {
	p, _ := auth.PrincipalOf(c)
	var st chaincode.LotStatus
	if !s.evaluate(c, p.Org, &st, chaincode.FnReadLot, gtin, lot) {
		return
	}
	httpx.Respond(c, http.StatusOK, st)
}

// recall is POST /lots/{gtin}/{lot}/recall: RecallLot as the caller, whom
// the chaincode accepts only as the lot's owner. A recalled lot stays
// recalled: recalling it again answers its record as it is, with no
// transaction (the chaincode refuses it already-recalled, after the checks
// of the reason and of who may recall, so anyone else is refused as for
// any recall), including when another request recalled it first.
func (s *Service) recall(c *gin.Context, gtin, lot string) {
	p, _ := auth.PrincipalOf(c)
	var body recallBody
	if !readBody(c, &body) {
		return
	}
	var out Recalled
	r, err := s.submitJSON(c.Request.Context(), p.Org, &out.Lot, chaincode.FnRecallLot, gtin, lot, body.Reason)
	if problem.RuleOf(err) == "already-recalled" {
		l, lerr := s.lotRecord(c.Request.Context(), p.Org, gtin, lot)
		switch {
		case lerr != nil:
			err = lerr
		case l == nil:
			err = fmt.Errorf("lot %s of GTIN %s is recalled, yet has no record", lot, gtin)
		default:
			out.Lot = *l
			httpx.Respond(c, http.StatusOK, out)
			return
		}
	}
	if err != nil {
		httpx.Fail(c, ruleFields.Locate(err))
		return
	}
	out.TxID, out.Block = r.TxID, r.Block
	s.log.InfoContext(c.Request.Context(), "lot recalled", "gtin", gtin, "lot", lot, "by", p.Org, "txId", r.TxID, "block", r.Block)
	httpx.Respond(c, http.StatusOK, out)
}

// handleItems answers the /items/ routes.
func (s *Service) handleItems(c *gin.Context) {
	epc, id, sub, err := itemPath(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	get := c.Request.Method == http.MethodGet
	switch {
	case get && sub == "":
		s.readItem(c, epc, id)
	case get && sub == subHistory:
		s.history(c, epc, id)
	case !get && sub == subInvestigation:
		s.investigate(c, epc, id)
	case sub == subInvestigation:
		methodNotAllowed(c, http.MethodPut)
	default:
		methodNotAllowed(c, http.MethodGet)
	}
}

// investigate is PUT /items/{epc}/investigation: SetInvestigation as the
// caller. Every trading partner key may ask; the chaincode decides who may
// make which move (holder, GTIN owner, regulator). A regulator key of an
// organisation that is not a configured regulator is refused first, as it
// may not attest partners either.
func (s *Service) investigate(c *gin.Context, epc string, id chaincode.ItemID) {
	p, _ := auth.PrincipalOf(c)
	if p.Role == auth.Regulator && !s.regulator(p) {
		httpx.Fail(c, problem.New(problem.Forbidden,
			"%s is not a configured regulator and may not move investigations as one", p.Org))
		return
	}
	var body investigationBody
	if !readBody(c, &body) {
		return
	}
	// An SSCC the caller neither holds nor is sent the chaincode refuses
	// as an unknown one, in the same words (txn.hidden).
	var out Investigated
	r, err := s.submitJSON(c.Request.Context(), p.Org, &out.Investigation, chaincode.FnSetInvestigation, epc, string(body.State))
	if problem.RuleOf(err) == "investigation-unchanged" {
		// The item is in that state already (the chaincode says so only
		// to a party to it, after the who-may checks): a PUT repeated is
		// answered as done, changing nothing, with no transaction.
		out.Investigation = chaincode.InvestigationResult{State: body.State, Serials: []chaincode.SerialRecord{}, Containers: []chaincode.ContainerRecord{}}
		httpx.Respond(c, http.StatusOK, out)
		return
	}
	if err != nil {
		httpx.Fail(c, ruleFields.Locate(err))
		return
	}
	out.TxID, out.Block = r.TxID, r.Block
	s.log.InfoContext(c.Request.Context(), "investigation moved", "epc", epc, "state", body.State, "by", p.Org,
		"serials", len(out.Investigation.Serials), "containers", len(out.Investigation.Containers), "txId", r.TxID, "block", r.Block)
	httpx.Respond(c, http.StatusOK, out)
}

// readItem is GET /items/{epc}: ReadSerial for an SGTIN (with ReadContainer
// for the contents of a case), ReadContainer for an SSCC, answered to whom
// view lets see it.
func (s *Service) readItem(c *gin.Context, epc string, id chaincode.ItemID) {
	p, _ := auth.PrincipalOf(c)
	out := Item{ID: id.DigitalLink(), Contents: []chaincode.ContainedItem{}}
	if id.Kind == chaincode.KindSGTIN {
		out.Serial = new(chaincode.SerialRecord)
		if !s.evaluate(c, p.Org, out.Serial, chaincode.FnReadSerial, epc) {
			return
		}
	}
	if out.Serial == nil || len(out.Serial.Children) > 0 {
		var cc chaincode.ContainerContents
		if !s.evaluate(c, p.Org, &cc, chaincode.FnReadContainer, epc) {
			return
		}
		out.Container, out.Contents = cc.Container, cc.Items
		if cc.Case != nil {
			out.Serial = cc.Case // as the contents were read
		}
	}
	cust, serial := custodyOfItem(&out)
	all, ok, err := s.view(c.Request.Context(), p, cust, serial)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	if !ok && id.Kind == chaincode.KindSSCC {
		// Unlike a serial's, whose existence verification tells anyone,
		// a logistic unit's is its owners' business: the answer is the
		// chaincode's for an unknown one.
		httpx.Fail(c, unknownSSCC(epc, "is unknown"))
		return
	}
	if !ok {
		httpx.Fail(c, problem.New(problem.Forbidden,
			"%s neither holds %s nor is it on its way to it (GET %s/history shows the changes it took part in)",
			p.Org, epc, c.Request.URL.EscapedPath()))
		return
	}
	if !all {
		redact(cust, p.Org)
	}
	httpx.Respond(c, http.StatusOK, out)
}

// history is GET /items/{epc}/history: History as the caller, whole for a
// regulator and the GTIN's owner, else the changes the caller took part in
// (partyEntries); none is 403.
func (s *Service) history(c *gin.Context, epc string, id chaincode.ItemID) {
	p, _ := auth.PrincipalOf(c)
	var entries []chaincode.CustodyEntry
	if !s.evaluate(c, p.Org, &entries, chaincode.FnHistory, epc) {
		return
	}
	out := History{ID: id.DigitalLink(), Entries: entries}
	all, _, err := s.view(c.Request.Context(), p, nil, lastSerial(entries))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	if !all {
		out.Entries, out.Restricted = partyEntries(entries, p.Org), true
		if len(out.Entries) == 0 && id.Kind == chaincode.KindSSCC {
			httpx.Fail(c, unknownSSCC(epc, "has no history"))
			return
		}
		if len(out.Entries) == 0 {
			httpx.Fail(c, problem.New(problem.Forbidden, "%s took no part in the custody of %s", p.Org, epc))
			return
		}
		for i := range out.Entries {
			redact(custodyOfEntry(&out.Entries[i]), p.Org)
		}
	}
	httpx.Respond(c, http.StatusOK, out)
}

// unknownSSCC is the answer for an SSCC the caller may not see: the
// chaincode's for one never commissioned, whose words (what) differ by
// function.
func unknownSSCC(epc, what string) *problem.Error {
	e := problem.New(problem.NotFound, "%s %s", epc, what)
	e.Rule = "unknown-epc"
	return e
}

// handleT3 is GET /t3/{id}: ReadT3 as the caller, which the chaincode
// answers from the caller's own copy: the seller's, the buyer's or a
// regulator's (not-a-party otherwise).
func (s *Service) handleT3(c *gin.Context) {
	p, _ := auth.PrincipalOf(c)
	var t3 chaincode.T3
	if !s.evaluate(c, p.Org, &t3, chaincode.FnReadT3, c.Param("id")) {
		return
	}
	httpx.Respond(c, http.StatusOK, t3)
}

// handleTx is GET /tx/{txId}: ReadTx, what a transaction anchored (the hash
// IDs of its EPCIS events and the IDs of its T3 records), which links a
// history entry to the transaction information of the sale it records.
// What a transaction holds tells of trade (how many sales it made, to how
// many buyers), so the chaincode answers a regulator all of it and anyone
// else only what it may read itself, and a transaction with nothing for it
// as an unknown one, as records does for an SSCC the caller may not see.
func (s *Service) handleTx(c *gin.Context) {
	p, _ := auth.PrincipalOf(c)
	// The chaincode answers only the events and T3 records the caller may
	// read, and a transaction with none as unknown (ReadTx).
	var tx chaincode.TxRecord
	if !s.evaluate(c, p.Org, &tx, chaincode.FnReadTx, c.Param("txId")) {
		return
	}
	httpx.Respond(c, http.StatusOK, tx)
}

// evaluate runs a query as org and decodes its result into out; on a
// failure it answers the problem and reports false.
func (s *Service) evaluate(c *gin.Context, org string, out any, fn string, args ...string) bool {
	if err := s.readJSON(c.Request.Context(), org, out, fn, args...); err != nil {
		httpx.Fail(c, ruleFields.Locate(err))
		return false
	}
	return true
}

// readJSON runs a query as org and decodes its result into out.
func (s *Service) readJSON(ctx context.Context, org string, out any, fn string, args ...string) error {
	raw, err := s.ledger.Evaluate(ctx, org, fn, args...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode the %s result: %w", fn, err)
	}
	return nil
}

// submitJSON submits fn as org and decodes its result into out.
func (s *Service) submitJSON(ctx context.Context, org string, out any, fn string, args ...string) (ledger.Receipt, error) {
	r, err := s.ledger.Submit(ctx, org, ledger.Transaction{Function: fn, Args: args})
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(r.Result, out); err != nil {
		return r, fmt.Errorf("decode the %s result (tx %s): %w", fn, r.TxID, err)
	}
	return r, nil
}

// methodNotAllowed answers a route of the catch-alls asked with a method it
// does not take.
func methodNotAllowed(c *gin.Context, allow string) {
	c.Header("Allow", allow)
	httpx.MethodNotAllowed(c)
}

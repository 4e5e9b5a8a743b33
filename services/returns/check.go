package returns

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/problem"
	"rxledger/services/verify"
)

// Decisions.
const (
	Saleable   = "saleable"
	Quarantine = "quarantine"
)

// Reason codes of a quarantine.
const (
	ReasonNotVerified       = "not-verified"         // the verification failed (its reason in the detail)
	ReasonUnknownGTIN       = "unknown-gtin"         // no serial of the GTIN was ever commissioned
	ReasonRecalled          = "recalled"             // the lot is recalled
	ReasonSuspect           = "suspect"              // under investigation (suspect or quarantined)
	ReasonIllegitimate      = "illegitimate"         // found illegitimate
	ReasonExpired           = "expired"              // past its expiry date
	ReasonNotSoldToReturner = "not-sold-to-returner" // the caller never sold it to the returning party
	ReasonNotHeldByReturner = "not-held-by-returner" // the returning party does not hold it now
	ReasonReturnerNotATP    = "returner-not-atp"     // the returning party is not an authorized trading partner now
	ReasonLeftSupplyChain   = "left-supply-chain"    // dispensed, destroyed or decommissioned
)

// DefaultMaxItems bounds the items of one request.
const DefaultMaxItems = 1000

// Reason is why a package is quarantined.
type Reason struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Decision is the outcome for one item.
type Decision struct {
	GTIN     string   `json:"gtin"`
	Serial   string   `json:"serial"`
	Decision string   `json:"decision"`
	Reasons  []Reason `json:"reasons"`
	// ReturnedByOrg is the organisation (MSP ID) the returnedBy GLN belongs
	// to, when the package's custody shows it.
	ReturnedByOrg string          `json:"returnedByOrg,omitempty"`
	Verification  verify.Response `json:"verification"`
	// Status, Owner and Investigation are the package's current state on
	// the ledger, for a package the caller has held (else empty, as for an
	// unknown package). Owner is named only when it is the caller or the
	// returning party the caller sold the package to: who else holds a
	// package is another organisation's commercial data.
	Status        chaincode.Status        `json:"status,omitempty"`
	Owner         string                  `json:"owner,omitempty"`
	Investigation chaincode.Investigation `json:"investigation,omitempty"`

	// current is the package's latest record (nil when unknown).
	current *chaincode.SerialRecord
	// back is where the package stands as a return from ReturnedByOrg to
	// the caller: what receiving it may record.
	back returnState
	// custodyReason is the reason, among Reasons, why the package is not
	// a return from the returning party that the caller may receive now
	// (nil when it is): what a refused receipt says, in check's words.
	custodyReason *Reason
}

// returnState is where a package stands as a return from the returning
// party to the caller, by its custody alone.
type returnState int

const (
	// notReturned: the caller never sold the package to the returning
	// party, or that party does not hold it (it sold it on, ships it
	// elsewhere, it left the supply chain).
	notReturned returnState = iota
	// heldByReturner: the returning party holds it and has not shipped it
	// back yet.
	heldByReturner
	// comingBack: the returning party is shipping it back to the caller.
	comingBack
	// receivedBack: the caller received it back from the returning party.
	receivedBack
)

// Options configures New. The zero value is usable.
type Options struct {
	MaxItems       int // 0: DefaultMaxItems
	Logger         *slog.Logger
	TracerProvider trace.TracerProvider
}

// Service is the returns service.
type Service struct {
	ledger   ledger.Ledger
	verifier *verify.Service
	opts     Options
	log      *slog.Logger
	tracer   trace.Tracer
}

// New returns the returns service over l, verifying with v.
func New(l ledger.Ledger, v *verify.Service, opts Options) *Service {
	if opts.MaxItems <= 0 {
		opts.MaxItems = DefaultMaxItems
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.TracerProvider == nil {
		opts.TracerProvider = tracenoop.NewTracerProvider()
	}
	return &Service{ledger: l, verifier: v, opts: opts, log: opts.Logger, tracer: opts.TracerProvider.Tracer("rxledger/services/returns")}
}

// Check decides, for each validated item, whether the caller may resell it.
func (s *Service) Check(ctx context.Context, caller auth.Principal, items []Item) ([]Decision, error) {
	ctx, span := s.tracer.Start(ctx, "returns.Check")
	defer span.End()
	reqs := make([]verify.Request, len(items))
	for i := range items {
		reqs[i] = items[i].verifyRequest()
	}
	answers, err := s.verifier.Verify(ctx, caller, reqs)
	if err != nil {
		return nil, err
	}
	partners := map[string]*chaincode.Partner{} // read once per request; nil: no record
	now := time.Now()
	out := make([]Decision, len(items))
	for i := range items {
		if out[i], err = s.decide(ctx, caller, &items[i], answers[i], partners, now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decide combines the verification answer with the custody history.
func (s *Service) decide(ctx context.Context, caller auth.Principal, it *Item, v verify.Response, partners map[string]*chaincode.Partner, now time.Time) (Decision, error) {
	d := Decision{GTIN: it.GTIN, Serial: it.Serial, Verification: v, Reasons: []Reason{}}
	add := func(code, format string, args ...any) {
		d.Reasons = append(d.Reasons, Reason{Code: code, Detail: fmt.Sprintf(format, args...)})
	}
	if v.Problem != nil {
		add(ReasonUnknownGTIN, "%s", v.Problem.Detail)
		d.Decision = Quarantine
		return d, nil
	}
	if !v.Verified {
		add(ReasonNotVerified, "verification failed: %s", v.VerificationFailureReason)
	}
	for _, c := range v.Conditions {
		switch c {
		case chaincode.InfoRecalled:
			add(ReasonRecalled, "the lot is recalled")
		case chaincode.InfoSuspect:
			add(ReasonSuspect, "the package is under investigation as suspect")
		case chaincode.InfoIllegitimate:
			add(ReasonIllegitimate, "the package was found illegitimate")
		case chaincode.InfoExpired:
			add(ReasonExpired, "the package is past its expiry date")
		}
	}
	history, err := s.history(ctx, caller.Org, it)
	if err != nil {
		return d, err
	}
	if len(history) > 0 {
		cur := history[len(history)-1]
		d.current = cur
	}
	// Only an organisation that held the package sees its state: for any
	// other the verification answer says all it may learn.
	if slices.ContainsFunc(history, func(h *chaincode.SerialRecord) bool { return h.Owner == caller.Org }) {
		d.Status, d.Investigation = d.current.Status, d.current.Investigation
	}
	// The organisations the caller sold the package to.
	var buyers []string
	for _, h := range history {
		if h.Seller == caller.Org && h.Owner != caller.Org && !slices.Contains(buyers, h.Owner) {
			buyers = append(buyers, h.Owner)
		}
	}
	// A recall comes back to the GTIN's owner (who commissioned the
	// package) from whoever holds it, not only from its buyers: a pharmacy
	// sends a recalled package straight to the manufacturer.
	if len(history) > 0 && history[0].Owner == caller.Org && slices.Contains(v.Conditions, chaincode.InfoRecalled) {
		if cur := d.current; cur != nil && cur.Owner != caller.Org && !slices.Contains(buyers, cur.Owner) {
			buyers = append(buyers, cur.Owner)
		}
		if cur := d.current; cur != nil && cur.Owner == caller.Org && cur.Seller != "" && !slices.Contains(buyers, cur.Seller) {
			buyers = append(buyers, cur.Seller) // received back already
		}
	}
	var returner *chaincode.Partner
	for _, b := range buyers {
		p, err := s.partner(ctx, caller.Org, b, partners)
		if err != nil {
			return d, err
		}
		if p != nil && p.HasGLN(it.ReturnedBy) {
			d.ReturnedByOrg, returner = b, p
			break
		}
	}
	if cur := d.current; cur != nil && disclosable(cur.Owner, caller.Org, d.ReturnedByOrg) {
		d.Owner = cur.Owner
	}
	// custody adds a reason why the package is no return from the
	// returning party to the caller; the first is what a refused receipt
	// says.
	custody := func(code, format string, args ...any) {
		add(code, format, args...)
		if d.custodyReason == nil {
			d.custodyReason = &Reason{Code: code, Detail: d.Reasons[len(d.Reasons)-1].Detail}
		}
	}
	if d.ReturnedByOrg == "" {
		custody(ReasonNotSoldToReturner, "the custody history shows no sale of this package by %s to an organisation a regulator attests GLN %s to", caller.Org, it.ReturnedBy)
	} else if why := returner.NotATPReason(now); why != "" {
		// DSCSA: trading partners trade only with authorized ones, and a
		// return is a transaction.
		add(ReasonReturnerNotATP, "the returning party %s is not an authorized trading partner: it %s", d.ReturnedByOrg, why)
	}
	switch cur := d.current; {
	case cur == nil:
	case cur.Status.Terminal():
		custody(ReasonLeftSupplyChain, "the package is %s", cur.Status)
	case d.ReturnedByOrg == "":
	default:
		d.back = returnStateOf(cur, d.ReturnedByOrg, caller.Org)
		switch {
		case d.back != notReturned:
		case cur.Owner == d.ReturnedByOrg && cur.Status == chaincode.StatusInTransit:
			// It still owns it, but is sending it to someone else (a
			// dispenser sends a recalled package straight to the GTIN's
			// owner): not a return to the caller.
			custody(ReasonNotHeldByReturner, "the returning party %s is shipping the package to %s, not back to %s",
				d.ReturnedByOrg, partyName(cur.ShipTo, caller.Org, d.ReturnedByOrg), caller.Org)
		default:
			custody(ReasonNotHeldByReturner, "the package is held by %s, not by the returning party %s",
				partyName(cur.Owner, caller.Org, d.ReturnedByOrg), d.ReturnedByOrg)
		}
	}
	d.Decision = Saleable
	if len(d.Reasons) > 0 {
		d.Decision = Quarantine
	}
	return d, nil
}

// disclosable reports whether the caller may learn that org holds or
// receives a package: only when org is the caller itself or the returning
// party it sold the package to. Any other holder is a downstream trading
// relationship of someone else, which a competitor may not learn.
func disclosable(org, caller, returner string) bool {
	return org != "" && (org == caller || org == returner)
}

// partyName names org for the caller's eyes: its MSP ID when disclosable,
// else "another organisation".
func partyName(org, caller, returner string) string {
	if disclosable(org, caller, returner) {
		return org
	}
	return "another organisation"
}

// returnStateOf says where the package whose latest record is cur stands
// as a return from returner to caller: held by the returner (owned and
// active), on its way back to the caller from it, or already received back
// from it; else notReturned.
func returnStateOf(cur *chaincode.SerialRecord, returner, caller string) returnState {
	switch {
	case cur.Owner == returner && cur.Status == chaincode.StatusActive:
		return heldByReturner
	case cur.Owner == returner && cur.Status == chaincode.StatusInTransit && cur.ShipTo == caller:
		return comingBack
	case cur.Owner == caller && cur.Seller == returner && cur.Status == chaincode.StatusActive:
		return receivedBack
	}
	return notReturned
}

// history reads the package's custody chain, oldest first (empty for a
// package the ledger does not know).
func (s *Service) history(ctx context.Context, org string, it *Item) ([]*chaincode.SerialRecord, error) {
	ctx, span := s.tracer.Start(ctx, "returns.ledger.history")
	defer span.End()
	link := chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: it.GTIN, Serial: it.Serial}.DigitalLink()
	raw, err := s.ledger.Evaluate(ctx, org, chaincode.FnHistory, link)
	if problem.Is(err, problem.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the custody history of %s: %w", link, err)
	}
	var entries []chaincode.CustodyEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("decode the custody history of %s: %w", link, err)
	}
	out := make([]*chaincode.SerialRecord, 0, len(entries))
	for _, e := range entries {
		if e.Serial != nil {
			out = append(out, e.Serial)
		}
	}
	return out, nil
}

// partner returns org's partner record (nil when it has none), reading it
// once per request into seen.
func (s *Service) partner(ctx context.Context, caller, org string, seen map[string]*chaincode.Partner) (*chaincode.Partner, error) {
	if p, ok := seen[org]; ok {
		return p, nil
	}
	raw, err := s.ledger.Evaluate(ctx, caller, chaincode.FnReadPartner, org)
	if problem.Is(err, problem.NotFound) {
		seen[org] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the partner record of %s: %w", org, err)
	}
	p := new(chaincode.Partner)
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("decode the partner record of %s: %w", org, err)
	}
	seen[org] = p
	return p, nil
}

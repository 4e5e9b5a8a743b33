package returns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/problem"
)

// Dispositions of the receiving events of returns (CBV).
const (
	dispositionSaleable   = "sellable_not_accessible"
	dispositionQuarantine = "non_sellable_other"
)

// Received is the outcome of receiving one item.
type Received struct {
	Decision
	// AlreadyReceived: the caller had received the package back from the
	// returning party before; nothing was captured again.
	AlreadyReceived bool `json:"alreadyReceived"`
	// FlaggedSuspect: this request set the package's investigation state to
	// suspect.
	FlaggedSuspect bool `json:"flaggedSuspect"`
}

// ReceiveResult is the answer of POST /returns/receive.
type ReceiveResult struct {
	Items []Received `json:"items"`
	// CaptureTxID is the transaction that recorded the receiving events
	// ("" when every item had been received before).
	CaptureTxID string `json:"captureTxId,omitempty"`
	// LedgerHeight is the ledger height after the last transaction.
	LedgerHeight uint64 `json:"ledgerHeight"`
}

// Receive records the return of the validated items as the caller's
// receiving events and flags quarantined packages suspect. Every item must
// be on its way back to the caller from the returning party, or already
// received back from it; otherwise nothing is recorded and the answer is a
// Conflict problem naming the first item that is not.
func (s *Service) Receive(ctx context.Context, caller auth.Principal, items []Item) (ReceiveResult, error) {
	ctx, span := s.tracer.Start(ctx, "returns.Receive")
	defer span.End()
	for attempt := 1; ; attempt++ {
		res, err := s.receiveOnce(ctx, caller, items)
		if err == nil || attempt == receiveAttempts || !stateMoved(err) || ctx.Err() != nil {
			return res, err
		}
		// Another transaction changed what this one read (a read conflict),
		// or the items' state between the check and the capture (the same
		// return sent twice at once): check again against the state now,
		// where a package already received back is not received again.
		s.log.Info("returns receive retried after a concurrent change", "attempt", attempt, "error", err)
	}
}

// receiveAttempts bounds how often Receive checks and submits again after a
// concurrent change.
const receiveAttempts = 4

// stateMoved reports whether err says the ledger changed under a receipt:
// a read conflict (the ledger's own Conflict, not the service's 409 for an
// item not on its way back), or a chaincode refusal of the capture for a
// state the check before it did not see (a receipt that committed
// meanwhile).
func stateMoved(err error) bool {
	var le *ledger.Error
	if errors.As(err, &le) && le.Err.Code == problem.Conflict && le.Err.Rule == "" {
		return true
	}
	switch problem.RuleOf(err) {
	case "not-in-transit", "not-addressee", "investigation-transition":
		return true
	}
	return false
}

// receiveOnce is one check and capture of Receive.
func (s *Service) receiveOnce(ctx context.Context, caller auth.Principal, items []Item) (ReceiveResult, error) {
	decisions, err := s.Check(ctx, caller, items)
	if err != nil {
		return ReceiveResult{}, err
	}
	res := ReceiveResult{Items: make([]Received, len(items))}
	groups := map[receiptGroup][]string{}
	var order []receiptGroup
	receiving := map[string]bool{} // links already in a receiving event (a package scanned twice is received once)
	// A package scanned twice with different decisions (another lot or
	// returning party on one scan) is received as quarantined.
	links := make([]string, len(decisions))
	quarantined := map[string]bool{}
	for i, d := range decisions {
		links[i] = chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: d.GTIN, Serial: d.Serial}.DigitalLink()
		if d.Decision == Quarantine {
			quarantined[links[i]] = true
		}
	}
	for i, d := range decisions {
		res.Items[i].Decision = d
		switch d.back {
		case receivedBack:
			res.Items[i].AlreadyReceived = true
		case comingBack:
			link := links[i]
			g := receiptGroup{returnedBy: items[i].ReturnedBy, disposition: dispositionQuarantine}
			if !quarantined[link] {
				g.disposition = dispositionSaleable
			}
			if receiving[link] {
				continue
			}
			receiving[link] = true
			if _, ok := groups[g]; !ok {
				order = append(order, g)
			}
			groups[g] = append(groups[g], link)
		default:
			// Not a return at all (never sold to the returning party, or
			// not coming from it), or one not shipped back yet: nothing is
			// recorded, and no package is flagged suspect for a receipt
			// that is none. The refusal says what check says, in its
			// words, and no more.
			pe := problem.New(problem.Conflict, "item %d (%s/%s) is not on its way back to %s: %s",
				i, d.GTIN, d.Serial, caller.Org, notReturningWhy(d)).
				At(problem.Location{Field: "items", Index: problem.Index(i)})
			pe.Rule = ruleNotReturning
			return ReceiveResult{}, pe
		}
	}
	// The quarantined packages not yet under investigation are flagged
	// suspect: in the receiving transaction itself when there is one, so
	// that no failure leaves a package received but not flagged.
	var suspect []string
	listed := map[string]bool{} // a package scanned twice is listed once
	for i := range res.Items {
		cur, link := res.Items[i].current, links[i]
		if !quarantined[link] || cur == nil || cur.Status.Terminal() || cur.Investigation.Blocking() || listed[link] {
			continue
		}
		listed[link] = true
		suspect = append(suspect, link)
	}
	var flagged []string
	switch {
	case len(order) > 0:
		r, err := s.capture(ctx, caller, order, groups, suspect)
		if err != nil {
			return ReceiveResult{}, itemOf(err, items)
		}
		var cr chaincode.CaptureResult
		if err := json.Unmarshal(r.Result, &cr); err != nil {
			return ReceiveResult{}, fmt.Errorf("decode the capture's result: %w", err)
		}
		flagged = cr.Suspect
		res.CaptureTxID, res.LedgerHeight = r.TxID, r.Block+1
	case len(suspect) > 0:
		// Every item had been received back before: flag those that a
		// receipt without a quarantine left unflagged, in one transaction.
		raw, err := json.Marshal(suspect)
		if err != nil {
			return ReceiveResult{}, fmt.Errorf("encode the packages to flag: %w", err)
		}
		r, err := s.ledger.Submit(ctx, caller.Org, ledger.Transaction{Function: chaincode.FnFlagSuspect, Args: []string{string(raw)}})
		if problem.RuleOf(err) == "already-under-investigation" {
			// Every one was put under investigation since the check (by
			// the caller's retry, another request or a partner): there is
			// nothing left to flag, and the chaincode wrote nothing.
			break
		}
		if err != nil {
			return ReceiveResult{}, fmt.Errorf("flag the quarantined packages suspect: %w", itemOf(err, items))
		}
		var fr chaincode.FlagResult
		if err := json.Unmarshal(r.Result, &fr); err != nil {
			return ReceiveResult{}, fmt.Errorf("decode the flag's result: %w", err)
		}
		flagged = fr.Suspect
		res.LedgerHeight = r.Block + 1
	}
	wasFlagged := make(map[string]bool, len(flagged))
	for _, link := range flagged {
		wasFlagged[link] = true
	}
	for i := range res.Items {
		if wasFlagged[links[i]] { // every scan of a flagged package says so
			res.Items[i].FlaggedSuspect, res.Items[i].Investigation = true, chaincode.InvestigationSuspect
		}
	}
	if res.LedgerHeight == 0 {
		h, err := s.ledger.Height(ctx)
		if err != nil {
			return ReceiveResult{}, fmt.Errorf("read the ledger height: %w", err)
		}
		res.LedgerHeight = h
	}
	for i := range res.Items {
		if it := &res.Items[i]; !it.AlreadyReceived && it.current != nil {
			it.Owner, it.Status = caller.Org, chaincode.StatusActive
		}
	}
	return res, nil
}

// receiptGroup is the packages one receiving event records: those returned
// by the same party with the same decision.
type receiptGroup struct {
	returnedBy  string
	disposition string
}

// capture submits one receiving event per group as one transaction, with
// the event bodies in the transient map, flagging the packages of suspect
// (digital links) suspect in the same transaction.
func (s *Service) capture(ctx context.Context, caller auth.Principal, order []receiptGroup, groups map[receiptGroup][]string, suspect []string) (ledger.Receipt, error) {
	ctx, span := s.tracer.Start(ctx, "returns.ledger.capture")
	defer span.End()
	now := time.Now().UTC().Truncate(time.Millisecond)
	var events []epcis.Event
	for _, g := range order {
		e := epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "receiving",
			Disposition: g.disposition, EventTime: now, EventTimeZoneOffset: "+00:00", EPCList: groups[g],
			SourceList: []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/" + g.returnedBy}}}
		if caller.GLN != "" {
			// The key's GLN is where its holder receives (as LMS's
			// reqGLN): the party the packages come back to, and the
			// read point and business location of the receiving, which
			// the GS1 US guideline's receiving events carry.
			e.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/" + caller.GLN}}
			e.ReadPoint = "https://id.gs1.org/414/" + caller.GLN
			e.BizLocation = e.ReadPoint
		}
		events = append(events, e)
	}
	raw, err := json.Marshal(events)
	if err != nil {
		return ledger.Receipt{}, fmt.Errorf("encode receiving events: %w", err)
	}
	tr := map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}
	if len(suspect) > 0 {
		if tr[chaincode.TransientSuspect], err = json.Marshal(suspect); err != nil {
			return ledger.Receipt{}, fmt.Errorf("encode the packages to flag: %w", err)
		}
	}
	r, err := s.ledger.Submit(ctx, caller.Org, ledger.Transaction{Function: chaincode.FnCapture, Transient: tr})
	if err != nil {
		return ledger.Receipt{}, fmt.Errorf("capture the receiving events: %w", err)
	}
	return r, nil
}

// notReturningWhy says why the package of d is not on its way back to the
// caller from the returning party, in the words of check's reason, which
// name no state or holder check would not show.
func notReturningWhy(d Decision) string {
	switch {
	case d.custodyReason != nil:
		return d.custodyReason.Detail
	case d.back == heldByReturner:
		return fmt.Sprintf("the returning party %s holds it and has not shipped it back yet; it ships it first", d.ReturnedByOrg)
	case len(d.Reasons) > 0: // an unknown GTIN
		return d.Reasons[0].Detail
	}
	return "the ledger does not show it coming back from the returning party"
}

// ruleNotReturning is the rule of the Conflict problem of an item that is not
// on its way back to the caller, which tells a client it apart from a read
// conflict.
const ruleNotReturning = "not-on-its-way-back"

// itemOf places a chaincode refusal of the receipt at the item it names:
// the refusal's own location is the index of an internal receiving event,
// which means nothing to the caller.
func itemOf(err error, items []Item) error {
	var pe *problem.Error
	re, ok := ledger.RefusalOf(err)
	if !ok || re.EPC == "" || !errors.As(err, &pe) {
		return err
	}
	id, perr := chaincode.ParseItemID(re.EPC)
	if perr != nil {
		return err
	}
	out := *pe
	out.Where = nil
	for i, it := range items {
		if it.GTIN == id.GTIN && it.Serial == id.Serial {
			out.Where = []problem.Location{{Field: "items", Index: problem.Index(i)}}
			break
		}
	}
	return &out
}

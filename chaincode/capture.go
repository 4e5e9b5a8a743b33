package chaincode

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"rxledger/epcis"
)

// Transient map keys of a Capture.
const (
	TransientEvents = "events" // JSON array of epcis.Event (encoding/json of the Go model)
	TransientT3     = "t3"     // JSON array of T3
	// TransientSuspect is an optional JSON array of EPCs that the caller
	// flags suspect in the same transaction, after the events: a receiver
	// that quarantines what it receives records both at once, so that no
	// crash leaves the packages received but not flagged. An item already
	// suspect, quarantined or illegitimate is left as it is (a retried
	// capture flags nothing twice); any other follows SetInvestigation's
	// rules for suspect, and a refusal refuses the whole capture.
	TransientSuspect = "suspect"
)

// CaptureResult is what Capture returns.
type CaptureResult struct {
	TxID   string          `json:"txId"`
	Events []CapturedEvent `json:"events"`
	// T3 are the IDs of the transaction information records, in input order
	// (a record given twice is listed once).
	T3 []string `json:"t3"`
	// Suspect are the EPCs of transient "suspect" that this capture moved
	// to suspect (not those that were already under investigation), in
	// input order.
	Suspect []string `json:"suspect,omitempty"`
}

// CapturedEvent reports one event of a capture.
type CapturedEvent struct {
	Index  int    `json:"index"`
	HashID string `json:"hashId"`
	// Duplicate is true when the event was already anchored (by an earlier
	// transaction or earlier in this one) and so changed nothing.
	Duplicate bool `json:"duplicate"`
}

// capture applies a batch of EPCIS events, then the T3 records, and writes
// everything only if all pass.
func capture(tx *txn, _ []string) ([]byte, error) {
	if tx.isRegulator(tx.caller) {
		return nil, refuse(CodeForbidden, "regulator-read-only", "", "a regulator does not capture supply chain events")
	}
	why, err := tx.notATP(tx.caller)
	if err != nil {
		return nil, err
	}
	if why != "" {
		return nil, refuse(CodeForbidden, "caller-not-atp", "", tx.caller+" is not an authorized trading partner: it "+why)
	}
	tr, err := tx.st.Transient()
	if err != nil {
		return nil, fmt.Errorf("read transient: %w", err)
	}
	if err := tx.readSalt(tr); err != nil {
		return nil, err
	}
	var bodies []json.RawMessage
	if err := json.Unmarshal(tr[TransientEvents], &bodies); err != nil || len(bodies) == 0 {
		return nil, refuse(CodeInvalid, "events-required", "", `transient "events" must be a non-empty JSON array of events`)
	}
	res := CaptureResult{TxID: tx.st.TxID(), Events: make([]CapturedEvent, 0, len(bodies)), T3: []string{}}
	var shipments []shipment
	for i, body := range bodies {
		var ev epcis.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return nil, refuseEvent(i, CodeInvalid, "event-decode", "", "event is not a valid epcis.Event: "+err.Error())
		}
		if err := checkEvent(i, &ev); err != nil {
			return nil, err
		}
		if ahead := ev.EventTime.Sub(tx.now); ahead > MaxEventTimeAhead {
			return nil, refuseEvent(i, CodeInvalid, "event-time-in-future", "",
				fmt.Sprintf("eventTime %s is %s after the transaction's time %s: an event is captured once it has happened (its date would be the sale's date in the transaction information)",
					ev.EventTime.UTC().Format(time.RFC3339), ahead.Round(time.Second), tx.now.UTC().Format(time.RFC3339)))
		}
		hash, err := epcis.HashID(&ev)
		if err != nil {
			return nil, refuseEvent(i, CodeInvalid, "event-hash", "", err.Error())
		}
		dup, err := tx.anchored(hash)
		if err != nil {
			return nil, err
		}
		res.Events = append(res.Events, CapturedEvent{Index: i, HashID: hash, Duplicate: dup})
		ec := &eventCtx{tx: tx, i: i, ev: &ev, hash: hash}
		if dup {
			// A retried capture still links its T3 to the shipment, but only
			// to a shipment the caller made: nobody attaches a sale to
			// another's shipping event by sending it again.
			if ev.Type == epcis.ObjectEventType && epcis.ShortCBV(epcis.BizStep, ev.BizStep) == "shipping" {
				own, err := tx.anchoredBy(hash, tx.caller)
				if err != nil {
					return nil, err
				}
				if to, _, err := ec.destination(); err == nil && own {
					shipments = append(shipments, shipment{hash, to})
				}
			}
			continue
		}
		ec.addParty(tx.caller)
		if err := ec.apply(); err != nil {
			return nil, err
		}
		if ec.shipTo != "" {
			shipments = append(shipments, shipment{hash, ec.shipTo})
		}
		if err := tx.anchor(&ev, hash, body, ec.parties); err != nil {
			return nil, err
		}
	}
	ids, err := tx.captureT3(tr[TransientT3], shipments)
	if err != nil {
		return nil, err
	}
	res.T3 = ids
	if res.Suspect, err = tx.flagSuspect(tr[TransientSuspect]); err != nil {
		return nil, err
	}
	if err := tx.commit(FnCapture); err != nil {
		return nil, err
	}
	return json.Marshal(&res)
}

// FlagResult is what FlagSuspect returns.
type FlagResult struct {
	// Suspect are the EPCs the transaction moved to suspect (not those
	// already under investigation), in input order.
	Suspect []string `json:"suspect"`
}

// flagSuspectFn is FlagSuspect: a capture's transient "suspect" without
// the capture.
//
// A FlagSuspect that would change nothing is refused, so that no
// transaction is written: one that lists no EPC (invalid,
// suspect-required), and one whose every EPC is already under
// investigation (invalid, already-under-investigation: a retried flag
// learns that it is done), after each EPC has passed the checks of who may
// flag it, so that the refusal tells nothing to anyone else.
func flagSuspectFn(tx *txn, args []string) ([]byte, error) {
	epcs, err := suspectList([]byte(args[0]))
	if err != nil {
		return nil, err
	}
	if len(epcs) == 0 {
		return nil, refuse(CodeInvalid, "suspect-required", "", "FlagSuspect needs a JSON array of at least one EPC")
	}
	flagged, err := tx.flagEPCs(epcs)
	if err != nil {
		return nil, err
	}
	if len(flagged) == 0 {
		return nil, refuse(CodeInvalid, "already-under-investigation", epcs[0],
			"every package listed is already under investigation (suspect, quarantined or illegitimate)")
	}
	if err := tx.commit(FnFlagSuspect); err != nil {
		return nil, err
	}
	return json.Marshal(FlagResult{Suspect: flagged})
}

// flagSuspect moves the items of a capture's transient "suspect" (raw, a
// JSON array of EPCs; nil for none) to suspect, after the capture's events,
// and returns the EPCs it moved.
func (tx *txn) flagSuspect(raw []byte) ([]string, error) {
	if raw == nil {
		return nil, nil
	}
	epcs, err := suspectList(raw)
	if err != nil {
		return nil, err
	}
	return tx.flagEPCs(epcs)
}

// suspectList decodes a list of EPCs to flag (suspect-decode).
func suspectList(raw []byte) ([]string, error) {
	var epcs []string
	if err := json.Unmarshal(raw, &epcs); err != nil {
		return nil, refuse(CodeInvalid, "suspect-decode", "", fmt.Sprintf("transient %q must be a JSON array of EPCs: %v", TransientSuspect, err))
	}
	return epcs, nil
}

// flagEPCs moves epcs to suspect, as flagSuspect describes.
func (tx *txn) flagEPCs(epcs []string) ([]string, error) {
	var flagged []string
	for i, epc := range epcs {
		entry := func(err error) error {
			if re, ok := err.(*RuleError); ok {
				re.Detail = fmt.Sprintf("%s[%d]: %s", TransientSuspect, i, re.Detail)
			}
			return err
		}
		it, err := tx.existingItem(epc)
		if err != nil {
			return nil, entry(err)
		}
		// Who may flag it comes before its state: an organisation that may
		// not learns nothing of whether it is already under investigation.
		if err := tx.checkInvestigationParty(it, InvestigationSuspect, epc); err != nil {
			return nil, entry(err)
		}
		if it.custody().Investigation.Blocking() {
			continue
		}
		if err := tx.investigate(it, epc, InvestigationSuspect, nil); err != nil {
			return nil, entry(err)
		}
		flagged = append(flagged, epc)
	}
	return flagged, nil
}

// MaxEventTimeAhead is how far an event's time may be ahead of the
// transaction's: the clocks of a partner's system and of the ledger differ
// by a little, never by more (rule event-time-in-future).
const MaxEventTimeAhead = time.Hour

// shipment is a shipping event of the capture (new or a duplicate) and its
// addressee: the T3 records of the capture link to it.
type shipment struct {
	hashID string
	to     string
}

// anchored reports whether an event hash ID is already anchored.
func (tx *txn) anchored(hash string) (bool, error) {
	if tx.anchors[hash] {
		return true, nil
	}
	raw, err := tx.st.GetState(anchorKey(hash))
	if err != nil {
		return false, fmt.Errorf("read anchor: %w", err)
	}
	return raw != nil, nil
}

// anchoredBy reports whether the anchored event hash was captured by org
// (in this transaction, or by an earlier one).
func (tx *txn) anchoredBy(hash, org string) (bool, error) {
	if tx.anchors[hash] {
		return org == tx.caller, nil
	}
	raw, err := tx.st.GetState(anchorKey(hash))
	if err != nil || raw == nil {
		return false, err
	}
	var a EventAnchor
	if err := json.Unmarshal(raw, &a); err != nil {
		return false, fmt.Errorf("decode anchor %s: %w", hash, err)
	}
	return a.Creator == org, nil
}

// readSalt takes the capture's salt from the transient map: SaltSize bytes,
// or none (refused when the configuration requires one).
func (tx *txn) readSalt(tr map[string][]byte) error {
	salt := tr[TransientSalt]
	switch {
	case len(salt) == 0 && tx.cfg.RequireSalt:
		return refuse(CodeInvalid, "salt-required", "", fmt.Sprintf(`transient %q must hold %d secret random bytes, new for every capture: they keep the hashes of the private records on the ledger from confirming guesses of their content`, TransientSalt, SaltSize))
	case len(salt) == 0:
		return nil
	case len(salt) != SaltSize:
		return refuse(CodeInvalid, "salt-invalid", "", fmt.Sprintf("transient %q holds %d bytes, not %d", TransientSalt, len(salt), SaltSize))
	}
	tx.salt = salt
	return nil
}

// anchor writes the event's anchor and its body into the private collection
// of every party and every regulator.
func (tx *txn) anchor(ev *epcis.Event, hash string, body []byte, parties []string) error {
	setMap(&tx.anchors, hash, true)
	body = sealPrivate(tx.salt, anchorKey(hash), body)
	sum := sha256.Sum256(body)
	a := EventAnchor{
		HashID: hash, Type: string(ev.Type), Action: string(ev.Action),
		BizStep:     epcis.ShortCBV(epcis.BizStep, ev.BizStep),
		Disposition: epcis.ShortCBV(epcis.Disposition, ev.Disposition),
		EventTime:   ev.EventTime.UTC(), TxID: tx.st.TxID(), Creator: tx.caller,
		Parties: parties, BodyHash: hex.EncodeToString(sum[:]),
	}
	raw, err := json.Marshal(&a)
	if err != nil {
		return fmt.Errorf("encode anchor: %w", err)
	}
	tx.puts = append(tx.puts, put{anchorKey(hash), raw}, put{txEventKey(tx.st.TxID(), hash), indexMark})
	tx.ev.Events = append(tx.ev.Events, raw)
	for _, org := range tx.readers(parties) {
		tx.private = append(tx.private, privatePut{ImplicitCollection(org), anchorKey(hash), body})
	}
	return nil
}

// readers returns the sorted, distinct organisations that get a private
// copy: the parties and every regulator.
func (tx *txn) readers(parties []string) []string {
	r := append(slices.Clone(parties), tx.cfg.Regulators...)
	slices.Sort(r)
	return slices.Compact(r)
}

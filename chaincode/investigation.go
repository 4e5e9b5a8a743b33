package chaincode

import (
	"encoding/json"
	"fmt"
)

// InvestigationResult is what SetInvestigation returns: the records changed
// (the item and everything packed in it).
type InvestigationResult struct {
	State      Investigation     `json:"state"`
	Serials    []SerialRecord    `json:"serials"`
	Containers []ContainerRecord `json:"containers"`
}

// The investigation state machine. From none or cleared an item becomes
// suspect; a suspect item is quarantined or cleared; a quarantined one is
// found illegitimate or cleared (a suspect one may also be found
// illegitimate at once). Illegitimate is final: the product is destroyed.
//
// Who may move it:
//   - suspect: the holder (owner), the GTIN's owner (manufacturer) or a regulator;
//   - quarantined: the holder or a regulator (quarantine is physical);
//   - illegitimate: the holder, the GTIN's owner or a regulator;
//   - cleared: the GTIN's owner or a regulator, who can confirm legitimacy;
//     a holder cannot clear its own suspicion, and a GTIN owner whose
//     licence has lapsed cannot clear at all (rule caller-not-atp).
//
// An investigation a regulator opened, or moved on, is the regulator's:
// only a regulator clears it. The holder and the GTIN owner may still
// escalate it (to quarantined or illegitimate, as above) but not clear it
// (rule investigation-not-allowed). Custody.InvestigationBy records who is
// answerable: the opener, replaced by a regulator whenever a regulator moves
// the item, and emptied when the item is cleared.
//
// For a container the GTIN owner rule does not apply; the state is set on the
// container and everything packed in it, and the rules hold for each of
// them: a case cannot be cleared by its GTIN owner while anything packed in
// it is under a regulator's investigation, nor clear (or mark) a package of
// another GTIN owner packed in it (mayMove). A regulator's move of a
// container makes every package it reaches the regulator's, including one
// already in the target state (else its GTIN owner could clear it, and its
// holder unpack it and trade it, while the regulator investigates the
// container).
var investigationMoves = map[Investigation][]Investigation{
	InvestigationNone:        {InvestigationSuspect},
	InvestigationCleared:     {InvestigationSuspect},
	InvestigationSuspect:     {InvestigationQuarantined, InvestigationCleared, InvestigationIllegitimate},
	InvestigationQuarantined: {InvestigationIllegitimate, InvestigationCleared},
}

func setInvestigation(tx *txn, args []string) ([]byte, error) {
	epc, to := args[0], Investigation(args[1])
	switch to {
	case InvestigationSuspect, InvestigationQuarantined, InvestigationIllegitimate, InvestigationCleared:
	default:
		return nil, refuse(CodeInvalid, "bad-investigation-state", epc, fmt.Sprintf("%q is not suspect, quarantined, illegitimate or cleared", to))
	}
	it, err := tx.existingItem(epc)
	if err != nil {
		return nil, err
	}
	if err := tx.checkInvestigationParty(it, to, epc); err != nil {
		return nil, err
	}
	res := InvestigationResult{State: to, Serials: []SerialRecord{}, Containers: []ContainerRecord{}}
	if err := tx.investigate(it, epc, to, &res); err != nil {
		return nil, err
	}
	if err := tx.commit(FnSetInvestigation); err != nil {
		return nil, err
	}
	return json.Marshal(&res)
}

// existingItem parses and loads an item named by the caller, refusing one
// that does not parse (bad-epc) or was never commissioned (unknown-epc).
func (tx *txn) existingItem(epc string) (*item, error) {
	id, err := ParseItemID(epc)
	if err != nil {
		return nil, refuse(CodeInvalid, "bad-epc", epc, err.Error())
	}
	it, err := tx.item(id)
	if err != nil {
		return nil, err
	}
	if !it.exists() {
		return nil, refuse(CodeNotFound, "unknown-epc", epc, unknownDetail(epc, tx.caller, id))
	}
	return it, nil
}

// investigate moves the existing item it (named epc by the caller), and
// everything packed in it, to the investigation state to, adding what it
// changed to res (nil: not kept); it refuses, changing nothing in the
// state, when a rule forbids the move. The caller has checked first that
// the organisation may make it (checkInvestigationParty), before anything
// of the item's state is told.
func (tx *txn) investigate(it *item, epc string, to Investigation, res *InvestigationResult) error {
	c := it.custody()
	if c.Status.Terminal() {
		return refuse(CodeInvalid, "terminal", epc, fmt.Sprintf("%s is %s", epc, c.Status))
	}
	if c.Investigation == to {
		// Who may make the move comes first: a caller that may not make
		// it learns so, not that it is done (it cannot be its retry).
		if err := tx.mayInvestigate(it, to, epc); err != nil {
			return err
		}
		// A regulator's move to the state an investigation of someone
		// else is in makes it the regulator's, as it does for what a
		// container holds (walk): that is a change, and is written.
		takeover := tx.isRegulator(tx.caller) && to.Blocking() && !tx.isRegulator(c.InvestigationBy)
		if !takeover {
			// The move would change nothing: refused, so that no
			// transaction is written, and told apart from an impossible
			// move (a retried move learns that it is done).
			return refuse(CodeInvalid, "investigation-unchanged", epc, fmt.Sprintf("%s is already %s", epc, to))
		}
	} else {
		if !allowedMove(c.Investigation, to) {
			return refuse(CodeInvalid, "investigation-transition", epc, fmt.Sprintf("no move from %q to %q", orNone(string(c.Investigation)), to))
		}
		if err := tx.mayInvestigate(it, to, epc); err != nil {
			return err
		}
	}
	return tx.walk(it, func(x *item) error {
		xc := x.custody()
		if x != it {
			if xc.Status.Terminal() {
				return nil
			}
			if xc.Investigation == to {
				// Already there: a regulator's move still makes it the
				// regulator's, as it does for the rest of the container.
				if tx.isRegulator(tx.caller) && to.Blocking() && !tx.isRegulator(xc.InvestigationBy) {
					xc.InvestigationBy = tx.caller
					tx.touch(x)
					res.add(x)
				}
				return nil
			}
			if !allowedMove(xc.Investigation, to) {
				link := x.id.DigitalLink()
				return refuse(CodeInvalid, "investigation-transition", epc,
					fmt.Sprintf("%s inside %s is %q: no move to %q", link, epc, orNone(string(xc.Investigation)), to))
			}
			if err := tx.mayMoveRegulators(x, to, epc, true); err != nil {
				return err
			}
			if !tx.isRegulator(tx.caller) {
				if err := tx.mayMove(x, to, epc, x.id.DigitalLink()+" inside "+epc); err != nil {
					return err
				}
			}
		}
		tx.moveInvestigation(xc, to)
		tx.touch(x)
		res.add(x)
		return nil
	})
}

// add reports a changed item.
func (r *InvestigationResult) add(x *item) {
	if r == nil {
		return
	}
	if x.serial != nil {
		r.Serials = append(r.Serials, *x.serial)
	} else {
		r.Containers = append(r.Containers, *x.cont)
	}
}

func allowedMove(from, to Investigation) bool {
	for _, t := range investigationMoves[from] {
		if t == to {
			return true
		}
	}
	return false
}

// moveInvestigation sets an item's state and who answers for it: the caller
// when it opens an investigation or is a regulator, nobody once cleared.
func (tx *txn) moveInvestigation(c *Custody, to Investigation) {
	switch {
	case to == InvestigationCleared:
		c.InvestigationBy = ""
	case c.Investigation == InvestigationNone || c.Investigation == InvestigationCleared || tx.isRegulator(tx.caller):
		c.InvestigationBy = tx.caller
	}
	c.Investigation = to
}

// mayMoveRegulators refuses a caller that is not a regulator clearing an
// item under a regulator's investigation. epc is what the caller named: the
// item itself, or (inside) the container it is packed in.
func (tx *txn) mayMoveRegulators(x *item, to Investigation, epc string, inside bool) error {
	c := x.custody()
	if to != InvestigationCleared || tx.isRegulator(tx.caller) || !c.Investigation.Blocking() || !tx.isRegulator(c.InvestigationBy) {
		return nil
	}
	what := epc
	if inside {
		what = x.id.DigitalLink() + " inside " + epc
	}
	return refuse(CodeForbidden, "investigation-not-allowed", epc, fmt.Sprintf(
		"a regulator (%s) opened the investigation of %s (%s): only a regulator may clear it, %s may only escalate it",
		c.InvestigationBy, what, c.Investigation, tx.caller))
}

// mayInvestigate applies the who-may rules of the state machine.
func (tx *txn) mayInvestigate(it *item, to Investigation, epc string) error {
	if tx.isRegulator(tx.caller) {
		return nil
	}
	if err := tx.mayMoveRegulators(it, to, epc, false); err != nil {
		return err
	}
	if err := tx.mayMove(it, to, epc, epc); err != nil {
		return err
	}
	if to == InvestigationCleared {
		// Clearing puts a package back into trade: only a current
		// authorized trading partner vouches for it. (Raising a suspicion
		// stays open to a lapsed holder: it only stops trade.)
		why, err := tx.notATP(tx.caller)
		if err != nil {
			return err
		}
		if why != "" {
			return refuse(CodeForbidden, "caller-not-atp", epc, tx.caller+" may not clear "+epc+": it is not an authorized trading partner, it "+why)
		}
	}
	return nil
}

// checkInvestigationParty refuses a caller that is neither a regulator, the
// item's holder nor its GTIN owner, before any other rule looks at the item:
// such an organisation may make no move at all, and its refusal says
// nothing of the item's status or investigation (who opened it, how far it
// went) or of what is packed in it. An SSCC it does not hold (nor is the
// addressee of) is refused as unknown, as existingItem refuses one never
// created (txn.hidden).
func (tx *txn) checkInvestigationParty(it *item, to Investigation, epc string) error {
	if tx.isRegulator(tx.caller) {
		return nil
	}
	holder, manufacturer, err := tx.investigationRoles(it)
	if err != nil {
		return err
	}
	if !holder && !manufacturer {
		if tx.hidden(it) { // as existingItem answers an SSCC never created
			return refuse(CodeNotFound, "unknown-epc", epc, unknownDetail(epc, tx.caller, it.id))
		}
		return refuse(CodeForbidden, "investigation-not-allowed", epc, fmt.Sprintf("%s may not set %s on %s", tx.caller, to, epc))
	}
	return nil
}

// investigationRoles reports whether the caller holds (owns) x and whether
// it owns x's GTIN (the record of a serial's lot; nobody for a container).
func (tx *txn) investigationRoles(x *item) (holder, manufacturer bool, err error) {
	holder = x.custody().Owner == tx.caller
	if x.serial != nil {
		l, err := tx.lot(x.serial.GTIN, x.serial.Lot)
		if err != nil {
			return false, false, err
		}
		manufacturer = l != nil && l.Owner == tx.caller
	}
	return holder, manufacturer, nil
}

// mayMove applies the who-may rule of the state machine to one item x that a
// caller other than a regulator moves: the item named (epc), or one packed
// in it (what then says which). The rule holds for every item a move
// reaches: the GTIN owner of a serialised case is not the GTIN owner of what
// is packed in it, else a holder could clear its own suspicion of a package
// by packing it into a case of its own GTIN and clearing the case.
func (tx *txn) mayMove(x *item, to Investigation, epc, what string) error {
	holder, manufacturer, err := tx.investigationRoles(x)
	if err != nil {
		return err
	}
	ok := false
	switch to {
	case InvestigationSuspect, InvestigationIllegitimate:
		ok = holder || manufacturer
	case InvestigationQuarantined:
		ok = holder
	case InvestigationCleared:
		ok = manufacturer
	}
	if !ok {
		return refuse(CodeForbidden, "investigation-not-allowed", epc, fmt.Sprintf("%s may not set %s on %s: %s", tx.caller, to, what, whoMay[to]))
	}
	return nil
}

// whoMay says who may make each move, for the refusal of one who may not
// (the caller already holds the item or owns its GTIN, or it would have
// been refused as no party to it).
var whoMay = map[Investigation]string{
	InvestigationSuspect:      "the holder, the GTIN's owner or a regulator flags a package suspect",
	InvestigationIllegitimate: "the holder, the GTIN's owner or a regulator finds a package illegitimate",
	InvestigationQuarantined:  "the holder or a regulator quarantines a package",
	InvestigationCleared:      "the GTIN's owner (the manufacturer) or a regulator clears a package, not its holder",
}

package chaincode

import (
	"fmt"
	"slices"

	"rxledger/epcis"
)

// eventCtx is the application of one event.
type eventCtx struct {
	tx      *txn
	i       int
	ev      *epcis.Event
	hash    string   // the event's hash ID
	parties []string // sorted
	shipTo  string   // addressee, for a shipping event

	// named are the event's sources and destinations, resolved; relation
	// is who they may name, set by a rule that moves custody (else the
	// caller and, for packages in transit, relatedSources and
	// relatedDests: rules_parties.go).
	named                        []namedParty
	relation                     partyRelation
	relatedSources, relatedDests []string
	// ownGoods is set when the event names goods the caller owns (not in
	// transit, not retired): it may name the buyer it sells them to
	// (relate).
	ownGoods bool
}

func (ec *eventCtx) addParty(org string) {
	if org == "" {
		return
	}
	if i, found := slices.BinarySearch(ec.parties, org); !found {
		ec.parties = slices.Insert(ec.parties, i, org)
	}
}

func (ec *eventCtx) fail(code, rule, epc, format string, args ...any) error {
	return refuseEvent(ec.i, code, rule, epc, fmt.Sprintf(format, args...))
}

// commissions reports whether the event creates items, and so needs the
// lot and expiry of its ILMD: an ObjectEvent ADD commissioning, and a
// TransformationEvent (its outputs), the events applyRule commissions by.
func (ec *eventCtx) commissions() bool {
	ev := ec.ev
	step := epcis.ShortCBV(epcis.BizStep, ev.BizStep)
	return ev.Type == epcis.ObjectEventType && step == "commissioning" && ev.Action == epcis.ActionAdd ||
		ev.Type == epcis.TransformationEventType
}

// apply maps the event to its rule, then checks that the parties it names
// agree with the caller and the ledger (checkParties) and that its
// disposition agrees with what the rule left (dispositionApplied): a
// shipment said stolen, a commissioning said recalled, are refused, not
// recorded while verification answers otherwise.
func (ec *eventCtx) apply() error {
	if err := ec.resolveParties(); err != nil {
		return err
	}
	if err := ec.applyRule(); err != nil {
		return err
	}
	if err := ec.checkParties(); err != nil {
		return err
	}
	return ec.dispositionApplied()
}

// applyRule maps the event to its rule.
func (ec *eventCtx) applyRule() error {
	ev := ec.ev
	step := epcis.ShortCBV(epcis.BizStep, ev.BizStep)
	switch ev.Type {
	case epcis.ObjectEventType:
		switch step {
		case "commissioning":
			if ev.Action != epcis.ActionAdd {
				return ec.fail(CodeInvalid, "commissioning-action", "", "commissioning needs action ADD, not %q", ev.Action)
			}
			return ec.commission()
		case "shipping":
			return ec.ship()
		case "receiving":
			return ec.receive()
		case "void_shipping":
			return ec.voidShipping()
		}
		if status, ok := RetiredBy(step); ok {
			return ec.retire(status)
		}
		if ev.Action == epcis.ActionObserve {
			return ec.observe()
		}
	case epcis.AggregationEventType:
		if ev.Action == epcis.ActionObserve {
			return ec.observe()
		}
		if step != "" && step != "packing" && step != "unpacking" {
			break
		}
		switch ev.Action {
		case epcis.ActionAdd:
			return ec.pack()
		case epcis.ActionDelete:
			return ec.unpack()
		}
	case epcis.TransactionEventType, epcis.AssociationEventType:
		return ec.observe()
	case epcis.TransformationEventType:
		return ec.transform()
	}
	return ec.fail(CodeInvalid, "unsupported-event", "",
		"%s with action %q and bizStep %q has no DSCSA rule (an ObjectEvent ADD is commissioning, a DELETE decommissioning, destroying or dispensing; an AggregationEvent ADD packs and DELETE unpacks; OBSERVE events, TransactionEvents, TransformationEvents and AssociationEvents are all applied, shipping, receiving and void_shipping as ObjectEvents only)",
		ev.Type, ev.Action, ev.BizStep)
}

// retiredBy are the ObjectEvent steps that take a package out of the supply
// chain, with the status they leave it in.
var retiredBy = map[string]Status{"dispensing": StatusDispensed, "destroying": StatusDestroyed, "decommissioning": StatusDecommissioned}

// RetiredBy returns the terminal status an ObjectEvent with bizStep step
// (a short CBV name) leaves its packages in, taking each out of its
// container; ok is false for a step that retires nothing.
func RetiredBy(step string) (status Status, ok bool) {
	status, ok = retiredBy[step]
	return status, ok
}

// listed is an EPC of the event, parsed and loaded.
type listed struct {
	epc string
	it  *item
}

// loadList parses and loads every EPC of list; unknown ones (and SSCCs
// hidden from the caller) are refused.
func (ec *eventCtx) loadList(list []string) ([]listed, error) {
	if len(list) == 0 {
		return nil, ec.fail(CodeInvalid, "epcs-required", "", "the event lists no EPCs")
	}
	out := make([]listed, 0, len(list))
	for _, epc := range list {
		id, err := ParseItemID(epc)
		if err != nil {
			return nil, ec.fail(CodeInvalid, "bad-epc", epc, "%v", err)
		}
		it, err := ec.tx.item(id)
		if err != nil {
			return nil, err
		}
		// An SSCC the caller neither owns nor is the addressee of is
		// refused as unknown, in the same pass (txn.hidden).
		if !it.exists() || ec.tx.hidden(it) {
			return nil, ec.fail(CodeNotFound, "unknown-epc", epc, "%s", unknownDetail(epc, ec.tx.caller, id))
		}
		out = append(out, listed{epc, it})
	}
	return out, nil
}

// topLevel drops the items whose container (or a container above it) is
// listed as well: they follow it. An item packed in a container that is not
// listed is refused with rule, since it cannot move without it.
func (ec *eventCtx) topLevel(items []listed, rule string) ([]listed, error) {
	keys := make(map[string]bool, len(items))
	for _, l := range items {
		keys[l.it.key] = true
	}
	out := items[:0:0]
	for _, l := range items {
		// An item listed twice was refused before (checkRepeatedEPCs).
		covered, err := ec.tx.insideAny(l.it, keys)
		if err != nil {
			return nil, err
		}
		if covered {
			continue
		}
		if p := l.it.custody().Parent; p != "" && rule != "" {
			return nil, ec.fail(CodeInvalid, rule, l.epc, "%s is packed in %s, which the event does not list", l.epc, p)
		}
		out = append(out, l)
	}
	return out, nil
}

// insideAny reports whether a container holding it, directly or further up,
// has its key in keys.
func (tx *txn) insideAny(it *item, keys map[string]bool) (bool, error) {
	for p := it.custody().Parent; p != ""; {
		parent, err := tx.itemByLink(p)
		if err != nil {
			return false, err
		}
		if !parent.exists() {
			return false, nil
		}
		if keys[parent.key] {
			return true, nil
		}
		p = parent.custody().Parent
	}
	return false, nil
}

// walk calls fn for it and, recursively, everything packed in it.
func (tx *txn) walk(it *item, fn func(*item) error) error {
	if err := fn(it); err != nil {
		return err
	}
	for _, link := range *it.children() {
		child, err := tx.itemByLink(link)
		if err != nil {
			return err
		}
		if !child.exists() {
			return fmt.Errorf("container %s lists %s, which has no record", it.key, link)
		}
		if err := tx.walk(child, fn); err != nil {
			return err
		}
	}
	return nil
}

// lotOf returns the lot record of a serial item; nil for containers.
func (tx *txn) lotOf(it *item) (*LotRecord, error) {
	if it.serial == nil {
		return nil, nil
	}
	return tx.lot(it.serial.GTIN, it.serial.Lot)
}

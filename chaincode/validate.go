package chaincode

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"rxledger/epcis"
)

// CheckEvent runs the checks of event i of a capture that read no ledger
// state, for an event already found valid EPCIS (epcis.Event.Validate,
// which a decoder has run): no error declaration, no item named twice, and,
// for an event that commissions (an ObjectEvent ADD commissioning, a
// TransformationEvent's outputs), its lot and expiry date given once each
// and in a form the rules take. A service that accepts a document for a
// later capture runs it first, so that such a fault is answered at once,
// with its place; the chaincode runs the same checks, Validate included,
// again in the capture.
func CheckEvent(i int, ev *epcis.Event) error {
	if err := checkEventRules(i, ev); err != nil {
		return err
	}
	if ec := (&eventCtx{i: i, ev: ev}); ec.commissions() {
		_, _, err := ec.lotAndExpiry()
		return err
	}
	return nil
}

// checkEvent refuses an event that is not valid EPCIS (epcis.Event.Validate:
// required fields, action, event time, CBV values, identifier syntax) before
// any rule looks at it, so that nothing malformed reaches the state or the
// private collections. The refusal names the first problem's path and, when
// the problem is an EPC of the event, that EPC. Error declarations are
// refused too: the chaincode corrects custody with its own events (void
// shipping, returns), never by retracting an anchored event. An event that
// lists one item twice is refused too (duplicate-epc).
func checkEvent(i int, ev *epcis.Event) error {
	if err := ev.Validate(); err != nil {
		epc := ""
		var list epcis.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			epc = epcAt(ev, list[0].Path)
		}
		return refuseEvent(i, CodeInvalid, "event-invalid", epc, "the event is not valid EPCIS: "+err.Error())
	}
	return checkEventRules(i, ev)
}

// checkEventRules is checkEvent after Validate.
func checkEventRules(i int, ev *epcis.Event) error {
	if ev.ErrorDeclaration != nil {
		return refuseEvent(i, CodeInvalid, "error-declaration-unsupported", "",
			"error declarations are not applied; correct custody with void_shipping or a return shipment")
	}
	if err := checkCustodyStep(i, ev); err != nil {
		return err
	}
	return checkRepeatedEPCs(i, ev)
}

// custodySteps are the bizSteps that move custody between organisations.
var custodySteps = []string{"shipping", "receiving", "void_shipping"}

// checkCustodyStep refuses a custody step on an event type other than an
// ObjectEvent (rule custody-step-not-object-event). The rules model
// shipping, receiving and voiding as ObjectEvents (the GS1 US guideline's
// form): a TransactionEvent, AggregationEvent, AssociationEvent or
// TransformationEvent with such a step would otherwise be anchored as an
// observation, its seller, buyer and purchase order unchecked, reading
// like a sale the ledger never saw.
func checkCustodyStep(i int, ev *epcis.Event) error {
	step := epcis.ShortCBV(epcis.BizStep, ev.BizStep)
	if ev.Type == epcis.ObjectEventType || !slices.Contains(custodySteps, step) {
		return nil
	}
	return refuseEvent(i, CodeInvalid, "custody-step-not-object-event", "",
		fmt.Sprintf("this %s with bizStep %s moves no custody: shipping, receiving and void_shipping are ObjectEvents (with the purchase order or invoice in their bizTransactionList); send the step as an ObjectEvent, and this event with another bizStep or none", ev.Type, step))
}

// checkRepeatedEPCs refuses an event whose epcList, childEPCs, inputEPCList
// or outputEPCList names one item twice (rule duplicate-epc), which no rule
// gives a meaning: a commissioning would otherwise be refused as already
// commissioned by itself. An SGTIN or SSCC is the same item in every form
// (EPC URN, Digital Link on any domain); any other identifier counts as
// written.
func checkRepeatedEPCs(i int, ev *epcis.Event) error {
	for _, l := range []struct {
		name string
		ids  []string
	}{{"epcList", ev.EPCList}, {"childEPCs", ev.ChildEPCs}, {"inputEPCList", ev.InputEPCList}, {"outputEPCList", ev.OutputEPCList}} {
		if len(l.ids) < 2 {
			continue
		}
		// An item is its parsed ID; anything else its text.
		type itemKey struct {
			id    ItemID
			other string
		}
		seen := make(map[itemKey]int, len(l.ids))
		for n, epc := range l.ids {
			key := itemKey{other: epc}
			if id, err := ParseItemID(epc); err == nil {
				key = itemKey{id: id}
			}
			if first, ok := seen[key]; ok {
				return refuseEvent(i, CodeInvalid, "duplicate-epc", epc,
					fmt.Sprintf("%s[%d] and %s[%d] name the same item, %s: an event lists each item once", l.name, first, l.name, n, epc))
			}
			seen[key] = n
		}
	}
	return nil
}

// epcAt returns the EPC a validation path points at (epcList[3],
// childEPCs[0], parentID), or "" for any other path.
func epcAt(ev *epcis.Event, path string) string {
	if path == "parentID" {
		return ev.ParentID
	}
	for _, l := range []struct {
		name string
		ids  []string
	}{{"epcList", ev.EPCList}, {"childEPCs", ev.ChildEPCs}} {
		rest, ok := strings.CutPrefix(path, l.name+"[")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
		if err == nil && n >= 0 && n < len(l.ids) {
			return l.ids[n]
		}
	}
	return ""
}

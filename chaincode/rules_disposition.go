package chaincode

import (
	"slices"

	"rxledger/epcis"
)

// changingDispositions are the CBV dispositions that say a package's state
// changed: left the supply chain (dispensed, retail_sold, destroyed,
// disposed), recalled, or stolen or not matching its records (DSCSA suspect
// product), each with what applies that change. An event with one whose
// rule did not apply it (an inspection, a shipment, a commissioning) is
// refused (disposition-not-applied) rather than anchored while every
// verification went on answering as before (dispositionApplied).
var changingDispositions = map[string]string{
	"dispensed":         "capture it with bizStep dispensing",
	"retail_sold":       "capture it with bizStep dispensing",
	"destroyed":         "capture it with bizStep destroying",
	"disposed":          "capture it with bizStep destroying",
	"recalled":          "the GTIN's owner recalls the lot with RecallLot (rxledger: POST /lots/{gtin}/{lot}/recall)",
	"stolen":            "flag the package with SetInvestigation (rxledger: PUT /items/{epc}/investigation)",
	"no_pedigree_match": "flag the package with SetInvestigation (rxledger: PUT /items/{epc}/investigation)",
}

// dispositionApplied refuses an event whose disposition says a change of
// state (changingDispositions) that the ledger, after the event's rule,
// does not show for every package it names: a recalled lot, packages under
// investigation, or out of the supply chain (any terminal status, for
// dispensed, retail_sold, destroyed and disposed). An event that agrees
// with the ledger (a holding event of a lot already recalled, a dispensing
// said dispensed) passes. It runs after the rule's checks of who may act,
// so that only the caller's goods are looked at.
func (ec *eventCtx) dispositionApplied() error {
	ev := ec.ev
	disp := epcis.ShortCBV(epcis.Disposition, ev.Disposition)
	how := changingDispositions[disp]
	if how == "" {
		return nil
	}
	refuse := func(epc string) error {
		return ec.fail(CodeInvalid, "disposition-not-applied", epc,
			"disposition %s with bizStep %q says the packages' state changed, which the ledger does not show and this event does not apply: %s",
			disp, ev.BizStep, how)
	}
	shows := func(it *item) (bool, error) {
		c := it.custody()
		switch disp {
		case "dispensed", "retail_sold", "destroyed", "disposed":
			return c.Status.Terminal(), nil
		case "stolen", "no_pedigree_match":
			return c.Investigation.Blocking(), nil
		}
		lot, err := ec.tx.lotOf(it) // recalled
		return lot != nil && lot.Recalled, err
	}
	named := 0
	for _, epc := range slices.Concat(ev.EPCList, []string{ev.ParentID}, ev.ChildEPCs, ev.InputEPCList, ev.OutputEPCList) {
		if !isProductID(epc) {
			continue
		}
		named++
		it, err := ec.productItem(epc)
		if err != nil {
			return err
		}
		all := true
		err = ec.tx.walk(it, func(x *item) error {
			if x.serial == nil && disp == "recalled" {
				return nil // a container is recalled with what it holds
			}
			ok, err := shows(x)
			all = all && ok
			return err
		})
		if err != nil {
			return err
		}
		if !all {
			return refuse(epc)
		}
	}
	for _, q := range slices.Concat(ev.QuantityList, ev.ChildQuantityList, ev.InputQuantityList, ev.OutputQuantityList) {
		gtin, lot, ok, _ := gtinClass(q.EPCClass)
		if !ok {
			continue
		}
		named++
		if disp != "recalled" || lot == "" {
			return refuse(q.EPCClass)
		}
		l, err := ec.tx.lot(gtin, lot)
		if err != nil {
			return err
		}
		if l == nil || !l.Recalled {
			return refuse(q.EPCClass)
		}
	}
	if named == 0 {
		return refuse("")
	}
	return nil
}

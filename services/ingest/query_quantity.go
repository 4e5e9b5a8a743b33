package ingest

import (
	"slices"

	"rxledger/epcis"
)

// quantityCond is one of EQ_quantity, GT_quantity, GE_quantity,
// LT_quantity and LE_quantity, optionally with a unit of measure suffix
// (GE_quantity_KGM, as the EPCIS query schema names them).
type quantityCond struct {
	uom string // "": the quantity whatever its unit
	numCond
}

// parseQuantity reads a quantity parameter; handled is false for a name
// that is none.
func parseQuantity(name string, values []string) (c quantityCond, handled bool, err error) {
	op, rest, ok := cutComparison(name)
	if !ok {
		return c, false, nil
	}
	switch {
	case rest == "quantity":
	case len(rest) > len("quantity_") && rest[:len("quantity_")] == "quantity_":
		c.uom = rest[len("quantity_"):]
		if !uomPattern.MatchString(c.uom) {
			return c, true, badParam(name, "%q is not a UN/ECE Rec 20 unit code (2 to 4 capitals or digits, e.g. KGM)", c.uom)
		}
	default:
		return c, false, nil
	}
	c.numCond, err = parseNumCond(name, op, values)
	return c, true, err
}

// matchesQuantities reports whether one quantity element of e satisfies
// every quantity condition of q together with the class parameters
// (MATCH_epcClass and the others): the quantity asked for is that of the
// class asked for, in one element. With class parameters, an element
// counts only when each of them covers its list (MATCH_epcClass:
// quantityList and childQuantityList; MATCH_inputEPCClass and
// MATCH_outputEPCClass: their lists; MATCH_anyEPCClass: every list) and
// names its class; without, every element of every list counts. An element
// without a quantity never matches; a condition with a unit takes elements
// in that unit, or in one convert turns into it.
func (q *query) matchesQuantities(e *epcis.Event) bool {
	lists := []struct {
		elements []epcis.QuantityElement
		field    byte // the class parameter of the list itself
	}{
		{e.QuantityList, fieldEPCClass}, {e.ChildQuantityList, fieldEPCClass},
		{e.InputQuantityList, fieldInputClass}, {e.OutputQuantityList, fieldOutputClass},
	}
	for _, l := range lists {
		for _, el := range l.elements {
			if q.quantityElementMatches(el, l.field) {
				return true
			}
		}
	}
	return false
}

func (q *query) quantityElementMatches(el epcis.QuantityElement, listField byte) bool {
	if !el.HasQuantity || el.Quantity == nil {
		return false
	}
	class := canonClass(el.EPCClass)
	for _, f := range []byte{fieldEPCClass, fieldInputClass, fieldOutputClass, fieldAnyClass} {
		want, ok := q.eq[f]
		if !ok {
			continue
		}
		if f != fieldAnyClass && f != listField || !slices.Contains(want, class) {
			return false
		}
	}
	for _, c := range q.quantities {
		x := *el.Quantity
		if c.uom != "" {
			var ok bool
			if x, ok = convert(x, el.UOM, c.uom, false); !ok {
				return false
			}
		}
		if !c.holds(x) {
			return false
		}
	}
	return true
}

package chaincode

import (
	"errors"
	"strconv"
	"strings"

	"rxledger/epcis"
)

// checkEvent refuses an event that is not valid EPCIS (epcis.Event.Validate:
// required fields, action, event time, CBV values, identifier syntax) before
// any rule looks at it, so that nothing malformed reaches the state or the
// private collections. The refusal names the first problem's path and, when
// the problem is an EPC of the event, that EPC. Error declarations are
// refused too: the chaincode corrects custody with its own events (void
// shipping, returns), never by retracting an anchored event.
func checkEvent(i int, ev *epcis.Event) error {
	if err := ev.Validate(); err != nil {
		epc := ""
		var list epcis.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			epc = epcAt(ev, list[0].Path)
		}
		return refuseEvent(i, CodeInvalid, "event-invalid", epc, "the event is not valid EPCIS: "+err.Error())
	}
	if ev.ErrorDeclaration != nil {
		return refuseEvent(i, CodeInvalid, "error-declaration-unsupported", "",
			"error declarations are not applied; correct custody with void_shipping or a return shipment")
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

package ledgertest

import (
	"slices"
	"testing"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/platform/problem"
)

// Event builders for the events a partner's documents carry beside the
// custody steps.

// lgtinObserve observes a quantity of a lot (class level).
func lgtinObserve(minute int, bizStep, lot string) epcis.Event {
	e := baseEvent(epcis.ObjectEventType, epcis.ActionObserve, bizStep, minute)
	n := 2.0
	e.QuantityList = []epcis.QuantityElement{{EPCClass: "urn:epc:class:lgtin:0312345.067890." + lot, Quantity: &n, HasQuantity: true}}
	return e
}

// associate attaches a sensor (a GIAI) to packages.
func associate(minute int, sensor string, children ...string) epcis.Event {
	e := baseEvent(epcis.AssociationEventType, epcis.ActionAdd, "installing", minute)
	e.ParentID, e.ChildEPCs = sensor, children
	return e
}

// repackage is a TransformationEvent consuming inputs and commissioning
// outputs with lot and expiry in the ILMD.
func repackage(minute int, lot string, inputs, outputs []string) epcis.Event {
	e := baseEvent(epcis.TransformationEventType, "", "repackaging", minute)
	e.InputEPCList, e.OutputEPCList = inputs, outputs
	e.ILMD = []epcis.Element{
		{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot},
		{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: expiry},
	}
	return e
}

// observationsAndRepackaging: documents mix observations, a sensor
// association and a repackaging with the custody steps. Observations are
// anchored for their parties and change nothing; only holders may send
// them; the repackaging ends its inputs and commissions the wholesaler's
// outputs, linked both ways; resending is idempotent; a failing later event
// leaves nothing of the earlier ones.
func observationsAndRepackaging(t *testing.T, h *harness) {
	a, b := h.sgtin("O1"), h.sgtin("O2")
	out := []string{"urn:epc:id:sgtin:0388888.012345." + h.id("P1"), "urn:epc:id:sgtin:0388888.012345." + h.id("P2")}
	sensor := "urn:epc:id:giai:0388888." + h.id("S1")

	_, r1 := h.mustCapture(Manufacturer, nil,
		commission(0, h.id("LO"), a, b),
		step(1, "inspecting", a, b),
		ship(2, whsGLN, a, b))
	if ev := eventOf(t, h.l, r1); len(ev.Events) != 3 || len(ev.AllSerials()) != 2 {
		t.Fatalf("manufacturer document: %d events %d serials", len(ev.Events), len(ev.AllSerials()))
	}

	// Nobody observes another's goods.
	_, _, err := h.capture(Pharmacy, nil, step(3, "arriving", a))
	wantRefusalAt(t, err, problem.Forbidden, "not-holder", 0, a)
	_, _, err = h.capture(Pharmacy, nil, lgtinObserve(3, "storing", h.id("LO")))
	wantRefusalAt(t, err, problem.Forbidden, "not-class-holder", 0, "urn:epc:class:lgtin:0312345.067890."+h.id("LO"))

	doc := []epcis.Event{
		step(3, "arriving", a, b),
		lgtinObserve(4, "accepting", h.id("LO")),
		step(5, "receiving", a, b),
		associate(6, sensor, a),
		repackage(7, h.id("LP"), []string{a, b}, out),
	}
	res, r2 := h.mustCapture(Wholesaler, nil, doc...)
	ev := eventOf(t, h.l, r2)
	if len(ev.Events) != len(doc) || len(ev.Transformations) != 1 {
		t.Fatalf("wholesaler document: %d events %d transformations", len(ev.Events), len(ev.Transformations))
	}
	if arriving := ev.Events[0]; arriving.BizStep != "arriving" || !slices.Equal(arriving.Parties, []string{Manufacturer, Wholesaler}) {
		t.Fatalf("arriving anchor %+v", arriving)
	}
	hash := res.Events[4].HashID
	for _, epc := range []string{a, b} {
		if s := h.wantSerial(epc, Wholesaler, chaincode.StatusTransformed, ""); s.Transformation != hash {
			t.Fatalf("input %s names transformation %q, want %q", epc, s.Transformation, hash)
		}
	}
	for _, epc := range out {
		if s := h.wantSerial(epc, Wholesaler, chaincode.StatusActive, ""); s.Transformation != hash || s.Lot != h.id("LP") {
			t.Fatalf("output %s: %+v", epc, s)
		}
	}
	var rec chaincode.TransformationRecord
	if err := h.query(Pharmacy, &rec, chaincode.FnReadTransformation, hash); err != nil {
		t.Fatalf("read transformation: %v", err)
	}
	if len(rec.Inputs) != 2 || len(rec.Outputs) != 2 || rec.Creator != Wholesaler || rec.TxID != r2.TxID {
		t.Fatalf("transformation record %+v", rec)
	}

	again, _ := h.mustCapture(Wholesaler, nil, doc...)
	for i, e := range again.Events {
		if !e.Duplicate || e.HashID != res.Events[i].HashID {
			t.Fatalf("resent event %d: %+v", i, e)
		}
	}

	// Atomic: the observation of an output goes with a shipment of a
	// transformed input, which is refused; the observation is not anchored.
	obs := step(8, "storing", out[0])
	_, _, err = h.capture(Wholesaler, nil, obs, ship(9, pharmGLN, a))
	wantRefusalAt(t, err, problem.Invalid, "terminal", 1, a)
	first, _ := h.mustCapture(Wholesaler, nil, obs)
	if first.Events[0].Duplicate {
		t.Fatal("an observation of a refused capture was anchored")
	}
}

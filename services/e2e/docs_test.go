package e2e

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"rxledger/epcis"
	"rxledger/epcis/gs1"
)

// minute numbers the tests' events so that each has its own time (and
// hash ID).
var minute atomic.Int64

// eventAt starts an event at the next minute after a fixed base.
func eventAt(typ epcis.EventType, action epcis.Action, bizStep, disposition, gln string) epcis.Event {
	t := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC).Add(time.Duration(minute.Add(1)) * time.Minute)
	return epcis.Event{Type: typ, Action: action, BizStep: bizStep, Disposition: disposition,
		EventTime: t, EventTimeZoneOffset: "+00:00", BizLocation: "https://id.gs1.org/414/" + gln}
}

// sgtins returns the SGTIN URNs of serials of a GTIN whose company prefix
// has 7 digits (the demo manufacturer's).
func sgtins(t *testing.T, gtin string, serials []string) []string {
	t.Helper()
	out := make([]string, len(serials))
	for i, s := range serials {
		id, err := gs1.NewSGTIN(gtin, s)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = id.EPC(7); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func commissioning(gln, lot, expiry string, epcs []string) epcis.Event {
	e := eventAt(epcis.ObjectEventType, epcis.ActionAdd, "commissioning", "active", gln)
	e.EPCList = epcs
	e.ILMD = []epcis.Element{
		{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot},
		{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: expiry},
	}
	return e
}

func packing(gln, parent string, children []string) epcis.Event {
	e := eventAt(epcis.AggregationEventType, epcis.ActionAdd, "packing", "in_progress", gln)
	e.ParentID, e.ChildEPCs = parent, children
	return e
}

func unpacking(gln, parent string) epcis.Event {
	e := eventAt(epcis.AggregationEventType, epcis.ActionDelete, "unpacking", "in_progress", gln)
	e.ParentID = parent
	return e
}

// shipping ships epcs from the owner of fromGLN to the owner of toGLN,
// with a purchase order (the T3 the ingest service derives).
func shipping(fromGLN, toGLN, po string, epcs []string) epcis.Event {
	e := eventAt(epcis.ObjectEventType, epcis.ActionObserve, "shipping", "in_transit", fromGLN)
	e.EPCList = epcs
	e.BizTransactionList = []epcis.BizTransaction{{Type: "po", Value: "urn:epcglobal:cbv:bt:" + toGLN + ":" + po}}
	e.SourceList = []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/" + fromGLN}}
	e.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/" + toGLN}}
	return e
}

func receiving(gln string, epcs []string) epcis.Event {
	e := eventAt(epcis.ObjectEventType, epcis.ActionObserve, "receiving", "in_progress", gln)
	e.EPCList = epcs
	return e
}

// document writes events as an EPCIS 2.0 JSON-LD capture document.
func document(t *testing.T, events ...epcis.Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	doc := &epcis.Document{SchemaVersion: "2.0", CreationDate: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Events: events}
	if err := epcis.EncodeJSON(&buf, doc); err != nil {
		t.Fatalf("encode document: %v", err)
	}
	return buf.Bytes()
}

// serialRange returns count serials prefix000001, prefix000002, ...
func serialRange(prefix string, count int) []string {
	out := make([]string, count)
	for i := range out {
		out[i] = fmt.Sprintf("%s%06d", prefix, i+1)
	}
	return out
}

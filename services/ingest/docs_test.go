package ingest_test

import (
	"bytes"
	"testing"
	"time"

	"rxledger/epcis"
)

// Content types of the three bindings.
const (
	ctJSON = "application/ld+json"
	ctXML  = "application/xml"
)

func sgtin(serial string) string { return "urn:epc:id:sgtin:0312345.067890." + serial }

// sscc returns an SSCC of the manufacturer with a one-digit extension and
// a 9-digit serial reference ending in ref.
func sscc(ref string) string {
	return "urn:epc:id:sscc:0312345.1" + ("000000000" + ref)[len(ref):]
}

func at(minute int) time.Time { return base.Add(time.Duration(minute) * time.Minute) }

func commission(minute int, lot string, epcs ...string) epcis.Event {
	return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionAdd, BizStep: "commissioning", Disposition: "active",
		EventTime: at(minute), EventTimeZoneOffset: "+00:00", EPCList: epcs,
		ReadPoint: "urn:epc:id:sgln:0312345.00000.1", BizLocation: mfrSGLN,
		ILMD: []epcis.Element{
			{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot},
			{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: "2099-12-31"},
		}}
}

func commissionContainers(minute int, epcs ...string) epcis.Event {
	return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionAdd, BizStep: "commissioning",
		EventTime: at(minute), EventTimeZoneOffset: "+00:00", EPCList: epcs, BizLocation: mfrSGLN}
}

func pack(minute int, parent string, children ...string) epcis.Event {
	return epcis.Event{Type: epcis.AggregationEventType, Action: epcis.ActionAdd, BizStep: "packing",
		EventTime: at(minute), EventTimeZoneOffset: "+00:00", ParentID: parent, ChildEPCs: children, BizLocation: mfrSGLN}
}

// ship is a shipping event with what DSCSA's transaction information needs:
// the owning parties, a purchase order and the seller's transaction
// statement (the GS1 US guideline's extension).
func ship(minute int, from, to string, epcs ...string) epcis.Event {
	return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "shipping", Disposition: "in_transit",
		EventTime: at(minute), EventTimeZoneOffset: "+00:00", EPCList: epcs, BizLocation: from,
		BizTransactionList: []epcis.BizTransaction{{Type: "po", Value: "urn:epcglobal:cbv:bt:0312345000004:PO-1"}},
		SourceList:         []epcis.SourceDest{{Type: "owning_party", Value: from}, {Type: "location", Value: from}},
		DestinationList:    []epcis.SourceDest{{Type: "owning_party", Value: to}, {Type: "location", Value: to}},
		Extensions: []epcis.Element{{Space: epcis.NSGS1USHealthcare, Local: "dscsaTransactionStatement",
			Children: []epcis.Element{{Space: epcis.NSGS1USHealthcare, Local: "affirmTransactionStatement", Text: "true"}}}}}
}

func receive(minute int, at string, epcs ...string) epcis.Event {
	return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "receiving", Disposition: "in_progress",
		EventTime: base.Add(time.Duration(minute) * time.Minute), EventTimeZoneOffset: "+00:00", EPCList: epcs, BizLocation: at}
}

func document(events ...epcis.Event) *epcis.Document {
	return &epcis.Document{SchemaVersion: "2.0", CreationDate: base, Events: events}
}

// encode writes a document in one of the bindings: "json", "xml" (2.0) or
// "xml12".
func encode(t testing.TB, d *epcis.Document, binding string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch binding {
	case "json":
		err = epcis.EncodeJSON(&buf, d)
	case "xml":
		err = epcis.EncodeXML(&buf, d)
	case "xml12":
		err = epcis.EncodeXML12(&buf, d)
	default:
		t.Fatalf("unknown binding %q", binding)
	}
	if err != nil {
		t.Fatalf("encode %s: %v", binding, err)
	}
	return buf.Bytes()
}

// hashIDs returns the GS1 hash IDs of events.
func hashIDs(t *testing.T, events ...epcis.Event) []string {
	t.Helper()
	out := make([]string, len(events))
	for i := range events {
		h, err := epcis.HashID(&events[i])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = h
	}
	return out
}

// idsOf returns the event IDs of query results (the service sets them to
// the hash ID when the event was captured without one).
func idsOf(events []epcis.Event) []string {
	out := make([]string, len(events))
	for i := range events {
		out[i] = events[i].EventID
	}
	return out
}

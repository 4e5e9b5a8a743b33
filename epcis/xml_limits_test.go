package epcis

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// xmlDoc wraps events in a minimal EPCIS 2.0 capture document whose events
// start on line 3.
func xmlDoc(events ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList>` + "\n" +
		strings.Join(events, "\n") + "\n</EventList></EPCISBody></epcis:EPCISDocument>\n"
}

func xmlObjectEvent(epcs int) string {
	var b strings.Builder
	b.WriteString("<ObjectEvent><eventTime>2024-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList>")
	for i := 0; i < epcs; i++ {
		fmt.Fprintf(&b, "<epc>urn:epc:id:sgtin:0614141.107346.%d</epc>", i)
	}
	b.WriteString("</epcList><action>OBSERVE</action></ObjectEvent>")
	return b.String()
}

func TestDecodeXMLRejectsMalformedAndHostileInput(t *testing.T) {
	deep := strings.Repeat("<ext:a>", 10000) + strings.Repeat("</ext:a>", 10000)
	// Many attributes, or many namespace declarations, on one element: the
	// check for an attribute given twice was quadratic in their number.
	var attrs, decls, nested strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&attrs, ` a%d=""`, i)
		fmt.Fprintf(&decls, ` xmlns:p%d="urn:p%d"`, i, i)
	}
	for i := range 300 {
		fmt.Fprintf(&nested, `<ext:a xmlns:q%d="urn:q">`, i)
	}
	tests := []struct {
		name   string
		doc    string
		limits Limits
		reason string
		line   int
		event  int
		large  bool
	}{
		{name: "unclosed element", doc: xmlDoc("<ObjectEvent>"), reason: "end tag </EventList> does not match <ObjectEvent>", line: 4, event: -1},
		{name: "truncated inside a tag", doc: xmlDoc(xmlObjectEvent(1))[:150], reason: "malformed XML: unterminated value of attribute creationDate", line: 2, event: -1},
		{name: "truncated between elements", doc: strings.TrimSuffix(xmlDoc(xmlObjectEvent(1)), "</epcis:EPCISDocument>\n"), reason: "<epcis:EPCISDocument> is not closed", line: 4, event: -1},
		{name: "mismatched end tag", doc: xmlDoc("<ObjectEvent></AggregationEvent>"), reason: "does not match <ObjectEvent>", line: 3, event: -1},
		{name: "DTD with entity expansion", doc: `<?xml version="1.0"?>` + "\n" + `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>` + "\n<lolz>&lol2;</lolz>", reason: "DTDs", line: 2, event: -1},
		{name: "undefined entity", doc: xmlDoc("<ObjectEvent><eventTime>&boom;</eventTime></ObjectEvent>"), reason: "malformed XML", line: 3, event: -1},
		{name: "undeclared prefix", doc: xmlDoc("<ObjectEvent><x:y/></ObjectEvent>"), reason: `undeclared namespace prefix "x"`, line: 3, event: -1},
		{name: "non UTF-8 encoding", doc: `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, reason: "unsupported character encoding", line: 1, event: -1},
		{name: "error in second event", doc: xmlDoc(xmlObjectEvent(1), "<ObjectEvent><eventTime>2024-01-01T00:00:00Z</eventTime><action>MOVE</action></ObjectEvent>"), reason: `invalid action "MOVE"`, line: 4, event: 1},
		{name: "repeated single field", doc: xmlDoc("<ObjectEvent><eventTime>2024-01-01T00:00:00Z</eventTime><action>ADD</action><action>DELETE</action></ObjectEvent>"), reason: "element <action> given twice", line: 3, event: 0},
		{name: "two EventList elements", doc: strings.Replace(xmlDoc(xmlObjectEvent(1)), "</EventList>", "</EventList><EventList>"+xmlObjectEvent(1)+"</EventList>", 1), reason: "element <EventList> given twice", line: 4, event: -1},
		{name: "two EPCISBody elements", doc: strings.Replace(xmlDoc(xmlObjectEvent(1)), "</EPCISBody>", "</EPCISBody><EPCISBody><EventList>"+xmlObjectEvent(1)+"</EventList></EPCISBody>", 1), reason: "element <EPCISBody> given twice", line: 4, event: -1},
		{name: "two EPCISHeader elements", doc: strings.Replace(xmlDoc(xmlObjectEvent(1)), "<EPCISBody>", "<EPCISHeader/><EPCISHeader/><EPCISBody>", 1), reason: "element <EPCISHeader> given twice", line: 2, event: -1},
		{name: "bad quantity", doc: xmlDoc("<ObjectEvent><eventTime>2024-01-01T00:00:00Z</eventTime><action>ADD</action><quantityList><quantityElement><epcClass>x</epcClass><quantity>ten</quantity></quantityElement></quantityList></ObjectEvent>"), reason: `quantity "ten" is not a number`, line: 3, event: 0},
		{name: "attribute bomb", doc: xmlDoc(`<ObjectEvent><x` + attrs.String() + `/></ObjectEvent>`), reason: "the attributes of <x> exceeds 256", line: 3, event: -1, large: true},
		{name: "namespace declaration bomb", doc: strings.Replace(xmlDoc(xmlObjectEvent(1)), `<epcis:EPCISDocument `, `<epcis:EPCISDocument`+decls.String()+` `, 1), reason: "the attributes of <epcis:EPCISDocument> exceeds 256", line: 2, event: -1, large: true},
		{name: "namespace declarations nested", doc: xmlDoc(`<ObjectEvent xmlns:ext="urn:x">` + nested.String()), limits: Limits{MaxDepth: 1000}, reason: "namespace declarations in scope exceeds 256", line: 3, event: -1, large: true},
		{name: "nesting bomb", doc: xmlDoc(`<ObjectEvent xmlns:ext="urn:x">` + deep + `</ObjectEvent>`), reason: "element nesting depth", line: 3, event: -1, large: true},
		{name: "too many events", doc: xmlDoc(xmlObjectEvent(1), xmlObjectEvent(1), xmlObjectEvent(1)), limits: Limits{MaxEvents: 2}, reason: "number of events", line: 5, event: -1, large: true},
		{name: "too many EPCs", doc: xmlDoc(xmlObjectEvent(3)), limits: Limits{MaxEPCsPerEvent: 2}, reason: "number of entries", line: 3, event: 0, large: true},
		{name: "document too large", doc: xmlDoc(xmlObjectEvent(100)), limits: Limits{MaxDocumentBytes: 1000}, reason: "document size", line: 1, event: -1, large: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&XMLDecoder{Limits: tt.limits}).Decode(strings.NewReader(tt.doc))
			assertXMLErrorAt(t, err, tt.reason, tt.line)
			var xe *XMLError
			if errors.As(err, &xe) && xe.Event != tt.event {
				t.Errorf("event index %d, want %d", xe.Event, tt.event)
			}
			if got := errors.Is(err, ErrTooLarge); got != tt.large {
				t.Errorf("errors.Is(err, ErrTooLarge) = %v, want %v", got, tt.large)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Event != tt.event {
				t.Errorf("error does not unwrap to an *Error for event %d: %v", tt.event, err)
			}
		})
	}
}

func TestDecodeXMLErrorColumn(t *testing.T) {
	doc := xmlDoc(xmlObjectEvent(1), "  <ObjectEvent><action>ADD</action></ObjectEvent>")
	_, err := DecodeXML(strings.NewReader(doc))
	var xe *XMLError
	if !errors.As(err, &xe) {
		t.Fatalf("want an *XMLError, got %v", err)
	}
	if xe.Line != 4 || xe.Column != 3 || xe.Event != 1 || xe.Path != "/EPCISDocument/EPCISBody/EventList/ObjectEvent" {
		t.Fatalf("got line %d col %d event %d path %q, want 4:3 event 1 at the ObjectEvent (%v)", xe.Line, xe.Column, xe.Event, xe.Path, err)
	}
	if !strings.Contains(err.Error(), "missing eventTime") {
		t.Errorf("error %q does not name the problem", err)
	}
}

func TestDecodeXMLLimitsAllowAtTheLimit(t *testing.T) {
	doc := xmlDoc(xmlObjectEvent(3), xmlObjectEvent(3))
	d, err := (&XMLDecoder{Limits: Limits{MaxEvents: 2, MaxEPCsPerEvent: 3, MaxDocumentBytes: int64(len(doc))}}).Decode(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("document exactly at the limits rejected: %v", err)
	}
	if len(d.Events) != 2 || len(d.Events[1].EPCList) != 3 {
		t.Fatalf("got %d events", len(d.Events))
	}
}

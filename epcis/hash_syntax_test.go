package epcis

import (
	"strings"
	"testing"
	"time"
)

// twinBaseEvent is a small ObjectEvent for the syntax-agreement tests.
func twinBaseEvent() Event {
	return Event{
		Type:                ObjectEventType,
		EventTime:           time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
		EventTimeZoneOffset: "+00:00",
		EPCList:             []string{"urn:epc:id:sgtin:0614141.107346.2017"},
		Action:              ActionObserve,
	}
}

// TestHashIgnoresXSIAttributes checks that XML Schema instance attributes of
// extension elements (which JSON-LD cannot carry) do not change the hash,
// while other attributes still count as child fields.
func TestHashIgnoresXSIAttributes(t *testing.T) {
	plain := twinBaseEvent()
	plain.Extensions = []Element{{Space: "https://ns.example.com/", Local: "count", Text: "12"}}
	plainID, err := HashID(&plain)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	tests := []struct {
		name  string
		attrs []Attr
		same  bool
	}{
		{"xsi:type", []Attr{{Space: NSXSI, Local: "type", Value: "xsd:integer"}}, true},
		{"xsi:nil and xsi:type", []Attr{{Space: NSXSI, Local: "nil", Value: "false"}, {Space: NSXSI, Local: "type", Value: "xsd:int"}}, true},
		{"user attribute counts", []Attr{{Space: "https://ns.example.com/", Local: "unit", Value: "pcs"}}, false},
		{"user attribute next to xsi:type counts", []Attr{{Space: NSXSI, Local: "type", Value: "xsd:int"}, {Space: "", Local: "unit", Value: "pcs"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := twinBaseEvent()
			ev.Extensions = []Element{{Space: "https://ns.example.com/", Local: "count", Text: "12", Attrs: tt.attrs}}
			got, err := HashID(&ev)
			if err != nil {
				t.Fatalf("hash: %v", err)
			}
			if (got == plainID) != tt.same {
				pre, _ := PreHash(&ev)
				t.Errorf("same hash as without attributes = %v, want %v; pre-hash %s", got == plainID, tt.same, pre)
			}
		})
	}
}

// TestHashVocabularyForms checks that every written form of a standard
// sensor term (bare word, CURIE, GS1 web vocabulary URIs) gives the pre-hash
// https://gs1.org/voc/ URI, and that other terms are hashed as written.
func TestHashVocabularyForms(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bare word", "Speed", "type=https://gs1.org/voc/Speed"},
		{"gs1 CURIE", "gs1:Speed", "type=https://gs1.org/voc/Speed"},
		{"gs1.org URI", "https://gs1.org/voc/Speed", "type=https://gs1.org/voc/Speed"},
		{"ref.gs1.org URI", "https://ref.gs1.org/voc/Speed", "type=https://gs1.org/voc/Speed"},
		{"user CURIE as written", "example:someSensorProperty", "type=example:someSensorProperty"},
		{"term outside the list as written", "EffectiveDoseRate", "type=EffectiveDoseRate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := twinBaseEvent()
			v := 4.5
			ev.SensorElementList = []SensorElement{{Reports: []SensorReport{{Type: tt.in, Value: &v}}}}
			pre, err := PreHash(&ev)
			if err != nil {
				t.Fatalf("pre-hash: %v", err)
			}
			if !strings.Contains(pre, "sensorReport"+tt.want+"value=4.5") {
				t.Errorf("pre-hash %s does not contain sensorReport%svalue=4.5", pre, tt.want)
			}
		})
	}
}

// TestJSONAndXMLVocabularyCURIEsHashAlike decodes one event written in both
// syntaxes with user-defined CURIEs in CBV-valued fields and a standard
// value written through a document prefix bound to the CBV namespace, and
// expects one hash ID.
func TestJSONAndXMLVocabularyCURIEsHashAlike(t *testing.T) {
	const jsonDoc = `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
	  {"ex":"https://ns.example.com/epcis/","mycbv":"https://ref.gs1.org/cbv/"}],
	  "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T10:00:00Z",
	  "epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2024-03-01T10:00:00Z","eventTimeZoneOffset":"+00:00",
	    "epcList":["urn:epc:id:sgtin:0614141.107346.2017"],"action":"OBSERVE","bizStep":"mycbv:BizStep-shipping",
	    "disposition":"ex:quarantined",
	    "bizTransactionList":[{"type":"ex:order","bizTransaction":"urn:epcglobal:cbv:bt:0614141000005:1"}],
	    "sensorElementList":[{"sensorReport":[{"type":"ex:someSensorProperty","stringValue":"x"},
	      {"type":"gs1:Temperature","value":4.5,"uom":"CEL","component":"ex:axis"}]}]}]}}`
	const xmlDoc = `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://ns.example.com/epcis/"
	  xmlns:gs1="https://gs1.org/voc/" schemaVersion="2.0" creationDate="2024-03-01T10:00:00Z"><EPCISBody><EventList>
	  <ObjectEvent><eventTime>2024-03-01T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
	  <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>OBSERVE</action>
	  <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep><disposition>ex:quarantined</disposition>
	  <bizTransactionList><bizTransaction type="ex:order">urn:epcglobal:cbv:bt:0614141000005:1</bizTransaction></bizTransactionList>
	  <sensorElementList><sensorElement><sensorReport type="ex:someSensorProperty" stringValue="x"/>
	  <sensorReport type="gs1:Temperature" value="4.5" uom="CEL" component="ex:axis"/></sensorElement></sensorElementList>
	  </ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`
	jd, err := JSONDecoder{}.DecodeBytes([]byte(jsonDoc))
	if err != nil {
		t.Fatalf("decode JSON: %v", err)
	}
	xd, err := DecodeXML(strings.NewReader(xmlDoc))
	if err != nil {
		t.Fatalf("decode XML: %v", err)
	}
	if len(jd.Events) != 1 || len(xd.Events) != 1 {
		t.Fatalf("events: JSON %d, XML %d", len(jd.Events), len(xd.Events))
	}
	if got := jd.Events[0].BizStep; got != "shipping" {
		t.Errorf("JSON bizStep through a prefix bound to the CBV namespace = %q, want shipping", got)
	}
	jh, err := HashID(&jd.Events[0])
	if err != nil {
		t.Fatalf("hash JSON: %v", err)
	}
	xh, err := HashID(&xd.Events[0])
	if err != nil {
		t.Fatalf("hash XML: %v", err)
	}
	if jh != xh {
		jp, _ := PreHash(&jd.Events[0])
		xp, _ := PreHash(&xd.Events[0])
		t.Errorf("hash IDs differ:\nJSON %s\nXML  %s", jp, xp)
	}
}

package epcis

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"rxledger/internal/testenv"
)

// TestXMLRoundTrip decodes every valid XML example, writes it with EncodeXML
// (2.0) and EncodeXML12 (1.2), decodes the output and expects the same model.
func TestXMLRoundTrip(t *testing.T) {
	root := testenv.Testdata(t, "")
	encoders := []struct {
		name string
		enc  func(io.Writer, *Document) error
	}{
		{"2.0", EncodeXML},
		{"1.2", EncodeXML12},
		{"2.0 web URIs", func(w io.Writer, d *Document) error { return EncodeXMLWith(w, d, XMLOptions{CBVWebURIs: true}) }},
	}
	n := 0
	for _, set := range xmlExampleSets {
		for _, path := range xmlFiles(t, testenv.Testdata(t, set)) {
			name := xmlRelPath(root, path)
			if _, bad := xmlInvalidExamples[name]; bad {
				continue
			}
			if _, other := xmlNotEPCIS[name]; other {
				continue
			}
			n++
			for _, e := range encoders {
				t.Run(e.name+"/"+name, func(t *testing.T) {
					want, err := decodeXMLFile(t, path)
					if err != nil {
						t.Fatal(err)
					}
					var buf bytes.Buffer
					if err := e.enc(&buf, want); err != nil {
						t.Fatalf("encode: %v", err)
					}
					got, err := DecodeXML(bytes.NewReader(buf.Bytes()))
					if err != nil {
						t.Fatalf("decode own output: %v\n%s", err, buf.Bytes())
					}
					wantNS := NSEPCIS2
					if e.name == "1.2" {
						wantNS = NSEPCIS1
					}
					if !bytes.Contains(buf.Bytes(), []byte(wantNS)) {
						t.Errorf("output does not declare %s", wantNS)
					}
					// The output is a capture or query document even when
					// the input was a bare event or vocabulary list.
					want = xmlComparableDoc(want)
					want.SchemaVersion, got.SchemaVersion = "", ""
					assertSameXMLModel(t, want, got)
				})
			}
		}
	}
	if n == 0 {
		t.Fatal("no examples found")
	}
}

func TestEncodeXMLRejectsUnknownEventType(t *testing.T) {
	d := &Document{Events: []Event{{Type: "QuantityEvent"}}}
	for name, enc := range map[string]func(io.Writer, *Document) error{"2.0": EncodeXML, "1.2": EncodeXML12} {
		t.Run(name, func(t *testing.T) {
			err := enc(io.Discard, d)
			if err == nil {
				t.Fatal("want an error for an unknown event type")
			}
		})
	}
}

type xmlFailingWriter struct{}

var errXMLWrite = errors.New("disk full")

func (xmlFailingWriter) Write([]byte) (int, error) { return 0, errXMLWrite }

func TestEncodeXMLReportsWriteErrors(t *testing.T) {
	d := &Document{Events: []Event{{Type: ObjectEventType, Action: ActionObserve}}}
	if err := EncodeXML(xmlFailingWriter{}, d); !errors.Is(err, errXMLWrite) {
		t.Fatalf("want the writer's error, got %v", err)
	}
}

// TestEncodeXMLCarriesHeaderFieldsInSBDH checks that sender, receiver and
// instance identifier (JSON-LD header fields) survive XML in an SBDH.
func TestEncodeXMLCarriesHeaderFieldsInSBDH(t *testing.T) {
	created := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	d := &Document{
		CreationDate:       created,
		Sender:             "urn:epc:id:sgln:0312345.00001.0",
		Receiver:           "urn:epc:id:sgln:0398765.00001.0",
		InstanceIdentifier: "doc-42",
	}
	for name, enc := range map[string]func(io.Writer, *Document) error{"2.0": EncodeXML, "1.2": EncodeXML12} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := enc(&buf, d); err != nil {
				t.Fatal(err)
			}
			got, err := DecodeXML(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if got.Sender != d.Sender || got.Receiver != d.Receiver || got.InstanceIdentifier != d.InstanceIdentifier {
				t.Fatalf("header fields %q %q %q, want %q %q %q", got.Sender, got.Receiver, got.InstanceIdentifier, d.Sender, d.Receiver, d.InstanceIdentifier)
			}
			if got.SBDH == nil || got.SBDH.TypeVersion != name || !got.SBDH.CreationDate.Equal(created) {
				t.Fatalf("SBDH %+v, want type version %s created %v", got.SBDH, name, created)
			}
		})
	}
}

func TestEncodeXMLRejectsNamesXMLCannotCarry(t *testing.T) {
	tests := map[string]Element{
		"space in name":      {Space: "urn:x", Local: "my field", Text: "1"},
		"leading digit":      {Space: "urn:x", Local: "1st"},
		"nested bad name":    {Space: "urn:x", Local: "ok", Children: []Element{{Space: "urn:x", Local: "a/b"}}},
		"bad attribute name": {Space: "urn:x", Local: "ok", Attrs: []Attr{{Local: "x y", Value: "1"}}},
	}
	for name, el := range tests {
		t.Run(name, func(t *testing.T) {
			d := &Document{Events: []Event{{Type: ObjectEventType, Action: ActionObserve, Extensions: []Element{el}}}}
			if err := EncodeXML(io.Discard, d); err == nil || !strings.Contains(err.Error(), "not an XML name") {
				t.Fatalf("want a name error, got %v", err)
			}
		})
	}
}

// TestEncodeXMLWithCBVWebURIs writes every kind of CBV value an event holds
// as a web URI when asked, and as a URN by default; a value of no standard
// vocabulary is written as it is either way.
func TestEncodeXMLWithCBVWebURIs(t *testing.T) {
	ev := Event{Type: ObjectEventType, Action: ActionObserve, EventTime: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		EventTimeZoneOffset: "+00:00", EPCList: []string{"urn:epc:id:sgtin:0312345.067890.1"},
		BizStep: "shipping", Disposition: "in_transit",
		BizTransactionList:    []BizTransaction{{Type: "po", Value: "urn:example:po:1"}, {Type: "https://example.com/btt/own", Value: "x"}},
		SourceList:            []SourceDest{{Type: "owning_party", Value: "urn:epc:id:pgln:0312345.00000"}},
		DestinationList:       []SourceDest{{Type: "location", Value: "urn:epc:id:sgln:0388888.00000.0"}},
		PersistentDisposition: &PersistentDisposition{Set: []string{"completeness_verified"}},
		ErrorDeclaration:      &ErrorDeclaration{DeclarationTime: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Reason: "incorrect_data"},
		SensorElementList:     []SensorElement{{Reports: []SensorReport{{Type: "Temperature", Value: new(8.5), UOM: "CEL"}}}},
	}
	d := &Document{SchemaVersion: "2.0", CreationDate: ev.EventTime, Query: &QueryResults{QueryName: "SimpleEventQuery"}, Events: []Event{ev}}
	web := []string{
		"https://ref.gs1.org/cbv/BizStep-shipping", "https://ref.gs1.org/cbv/Disp-in_transit", "https://ref.gs1.org/cbv/BTT-po",
		"https://ref.gs1.org/cbv/SDT-owning_party", "https://ref.gs1.org/cbv/SDT-location", "https://ref.gs1.org/cbv/Disp-completeness_verified",
		"https://ref.gs1.org/cbv/ER-incorrect_data",
	}
	urn := []string{
		"urn:epcglobal:cbv:bizstep:shipping", "urn:epcglobal:cbv:disp:in_transit", "urn:epcglobal:cbv:btt:po",
		"urn:epcglobal:cbv:sdt:owning_party", "urn:epcglobal:cbv:sdt:location", "urn:epcglobal:cbv:disp:completeness_verified",
		"urn:epcglobal:cbv:er:incorrect_data",
	}
	for _, tc := range []struct {
		name      string
		opts      XMLOptions
		want, not []string
	}{
		{"web URIs", XMLOptions{CBVWebURIs: true}, web, urn},
		{"URNs by default", XMLOptions{}, urn, web},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := EncodeXMLWith(&buf, d, tc.opts); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range append(tc.want, "https://example.com/btt/own", "https://gs1.org/voc/Temperature") {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %s:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("output has %s:\n%s", n, out)
				}
			}
			got, err := DecodeXML(bytes.NewReader(buf.Bytes()))
			if err != nil || len(got.Events) != 1 || got.Events[0].BizStep != "shipping" || got.Events[0].ErrorDeclaration.Reason != "incorrect_data" {
				t.Fatalf("decode own output: %v %+v", err, got)
			}
		})
	}
}

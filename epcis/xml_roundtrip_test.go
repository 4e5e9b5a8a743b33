package epcis

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestXMLRoundTrip decodes every valid XML example, writes it with EncodeXML
// (2.0) and EncodeXML12 (1.2), decodes the output and expects the same model.
func TestXMLRoundTrip(t *testing.T) {
	root := xmlTestdata(t, "")
	encoders := []struct {
		name string
		enc  func(io.Writer, *Document) error
	}{
		{"2.0", EncodeXML},
		{"1.2", EncodeXML12},
	}
	n := 0
	for _, set := range xmlExampleSets {
		for _, path := range xmlFiles(t, xmlTestdata(t, set)) {
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

package epcis

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const stdContext = `"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]`

// docWith wraps event JSON objects in a capture document.
func docWith(context string, events ...string) string {
	return `{` + context + `,"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z",` +
		`"epcisBody":{"eventList":[` + strings.Join(events, ",") + `]}}`
}

const minimalEvent = `{"type":"ObjectEvent","eventTime":"2024-01-01T10:00:00.123+01:00","eventTimeZoneOffset":"+01:00",` +
	`"epcList":["urn:epc:id:sgtin:0614141.107346.2017"],"action":"OBSERVE"}`

func decodeString(t *testing.T, s string) (*Document, error) {
	t.Helper()
	return JSONDecoder{}.DecodeBytes([]byte(s))
}

func TestDecodeJSONFields(t *testing.T) {
	doc, err := decodeString(t, docWith(`"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"ex":"https://example.com/ns/"}]`,
		`{"type":"ObjectEvent","eventTime":"2024-01-01T10:00:00.123+01:00","eventTimeZoneOffset":"+01:00",
		  "certificationInfo":"https://cert.example.org/1",
		  "epcList":["urn:epc:id:sgtin:0614141.107346.2017"],"action":"OBSERVE",
		  "bizStep":"urn:epcglobal:cbv:bizstep:shipping","disposition":"cbv:Disp-in_transit",
		  "readPoint":{"id":"urn:epc:id:sgln:0614141.00777.0","ex:dock":"7"},
		  "bizTransactionList":[{"type":"ex:order","bizTransaction":"urn:epcglobal:cbv:bt:0614141000005:1"}],
		  "ex:note":{"ex:line":["a","b"],"plain":"\u00e9\n"}}`))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	e := doc.Events[0]
	checks := []struct{ name, got, want string }{
		{"eventTime UTC", e.EventTime.UTC().Format("15:04:05.000"), "09:00:00.123"},
		{"certificationInfo", strings.Join(e.CertificationInfo, ","), "https://cert.example.org/1"},
		{"bizStep short", e.BizStep, "shipping"},
		{"disposition short", e.Disposition, "in_transit"},
		{"btt user CURIE kept as XML keeps it", e.BizTransactionList[0].Type, "ex:order"},
		{"readPoint extension", e.ReadPointExtensions[0].Space + e.ReadPointExtensions[0].Local + "=" + e.ReadPointExtensions[0].Text, "https://example.com/ns/dock=7"},
		{"extension", e.Extensions[0].Space + e.Extensions[0].Local, "https://example.com/ns/note"},
		{"array becomes repeated children", fmt.Sprint(len(e.Extensions[0].Children)), "3"},
		{"unprefixed nested key", e.Extensions[0].Children[2].Local + "=" + e.Extensions[0].Children[2].Text, "plain=é\n"},
		{"namespaces", doc.Namespaces["ex"], "https://example.com/ns/"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}

func TestDecodeJSONContextAnywhere(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"document context after the events", `{"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z",
			"epcisBody":{"eventList":[` + strings.Replace(minimalEvent, `"action"`, `"ex:x":"1","action"`, 1) + `]},
			"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"ex":"https://example.com/ns/"}]}`},
		{"event context after the field", docWith(stdContext,
			strings.Replace(minimalEvent, `"action"`, `"ex:x":"1","@context":[{"ex":"https://example.com/ns/"}],"action"`, 1))},
		{"prefix as a term definition object", docWith(`"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"ex":{"@id":"https://example.com/ns/"}}]`,
			strings.Replace(minimalEvent, `"action"`, `"ex:x":"1","action"`, 1))},
		{"full IRI key", docWith(stdContext, strings.Replace(minimalEvent, `"action"`, `"https://example.com/ns/x":"1","action"`, 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := decodeString(t, tt.doc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			ext := doc.Events[0].Extensions
			if len(ext) != 1 || ext[0].Space != "https://example.com/ns/" || ext[0].Local != "x" || ext[0].Text != "1" {
				t.Fatalf("extension = %+v", ext)
			}
		})
	}
}

func TestDecodeJSONShapes(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		events  int
		isQuery bool
	}{
		{"bare event", `{` + stdContext + `,` + minimalEvent[1:], 1, false},
		{"single event body", `{` + stdContext + `,"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z","epcisBody":{"event":` + minimalEvent + `}}`, 1, false},
		{"query document", `{` + stdContext + `,"type":"EPCISQueryDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z",
			"epcisBody":{"queryResults":{"queryName":"SimpleEventQuery","resultsBody":{"eventList":[` + minimalEvent + `,` + minimalEvent + `]}}}}`, 2, true},
		{"byte order mark", "\xef\xbb\xbf" + docWith(stdContext, minimalEvent), 1, false},
		{"certificationInfo array", docWith(stdContext, strings.Replace(minimalEvent, `"action"`, `"certificationInfo":["urn:c:1"],"action"`, 1)), 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := decodeString(t, tt.doc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(doc.Events) != tt.events || (doc.Query != nil) != tt.isQuery {
				t.Fatalf("%d events, query %v; want %d, %v", len(doc.Events), doc.Query != nil, tt.events, tt.isQuery)
			}
			if err := doc.Validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
		})
	}
}

func TestDecodeJSONErrorsAreLocated(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // substring of the error, which starts with event and path
	}{
		{"wrong kind in a list", docWith(stdContext, strings.Replace(minimalEvent, `"urn:epc:id:sgtin:0614141.107346.2017"]`, `"urn:epc:id:sgtin:0614141.107346.2017",7]`, 1)),
			"event 0: epcisBody.eventList[0].epcList[1]: must be a string, not number"},
		{"unknown field", docWith(stdContext, minimalEvent, strings.Replace(minimalEvent, `"action"`, `"colour":"red","action"`, 1)),
			"event 1: epcisBody.eventList[1].colour: unknown field"},
		{"undeclared prefix", docWith(stdContext, strings.Replace(minimalEvent, `"action"`, `"zz:x":"1","action"`, 1)),
			`event 0: zz:x: namespace prefix is not declared in @context: "zz"`},
		{"bad timestamp", docWith(stdContext, strings.Replace(minimalEvent, `2024-01-01T10:00:00.123+01:00`, `2024-01-01 10:00`, 1)),
			"event 0: epcisBody.eventList[0].eventTime: invalid timestamp"},
		{"timestamp without zone", docWith(stdContext, strings.Replace(minimalEvent, `2024-01-01T10:00:00.123+01:00`, `2024-01-01T10:00:00`, 1)),
			"event 0: epcisBody.eventList[0].eventTime: invalid timestamp"},
		{"syntax error", docWith(stdContext, `{"type":"ObjectEvent","epcList":["a" "b"]}`),
			"event 0: epcisBody.eventList[0].epcList: invalid JSON at byte"},
		{"truncated", docWith(stdContext, minimalEvent)[:120], "invalid JSON at byte"},
		{"trailing data", docWith(stdContext, minimalEvent) + `{}`, "unexpected data after the document"},
		{"bad escape", docWith(stdContext, strings.Replace(minimalEvent, `OBSERVE`, `OBS\qERVE`, 1)), `invalid escape \q`},
		{"no context", `{"type":"EPCISDocument","epcisBody":{"eventList":[]}}`, "@context: missing"},
		{"not an object", `[1,2]`, "must be an object"},
		{"unknown document type", `{` + stdContext + `,"type":"EPCISThing"}`, `type: unknown document or event type "EPCISThing"`},
		{"duplicate field", docWith(stdContext, strings.Replace(minimalEvent, `"action"`, `"eventTime":"2024-01-02T10:00:00Z","action"`, 1)),
			"event 0: epcisBody.eventList[0].eventTime: duplicate field"},
		{"two epcisBody members", strings.TrimSuffix(docWith(stdContext, minimalEvent), "}") + `,"epcisBody":{"eventList":[` + minimalEvent + `]}}`,
			"epcisBody: epcisBody is given twice"},
		{"two eventList members", strings.Replace(docWith(stdContext, minimalEvent), `]}}`, `],"eventList":[`+minimalEvent+`]}}`, 1),
			"epcisBody.eventList: eventList is given twice"},
		{"two epcisHeader members", strings.Replace(docWith(stdContext, minimalEvent), `"epcisBody"`, `"epcisHeader":{},"epcisHeader":{},"epcisBody"`, 1),
			"epcisHeader: epcisHeader is given twice"},
		{"two schemaVersion members", strings.Replace(docWith(stdContext, minimalEvent), `"epcisBody"`, `"schemaVersion":"2.0","epcisBody"`, 1),
			"schemaVersion: schemaVersion is given twice"},
		{"ObjectEvent without epcList", docWith(stdContext, strings.Replace(minimalEvent, `"epcList":["urn:epc:id:sgtin:0614141.107346.2017"],`, ``, 1)),
			"event 0: epcisBody.eventList[0].epcList: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeString(t, tt.doc)
			if err == nil {
				t.Fatalf("decode accepted the document")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if errors.Is(err, ErrTooLarge) {
				t.Fatalf("content error reported as ErrTooLarge")
			}
		})
	}
}

func TestDecodeJSONLimits(t *testing.T) {
	deep := strings.Repeat(`{"ex:a":`, 20) + `"x"` + strings.Repeat(`}`, 20)
	epcs := make([]string, 11)
	for i := range epcs {
		epcs[i] = fmt.Sprintf(`"urn:epc:id:sgtin:0614141.107346.%d"`, i)
	}
	manyEPCs := strings.Replace(minimalEvent, `"urn:epc:id:sgtin:0614141.107346.2017"`, strings.Join(epcs, ","), 1)
	tests := []struct {
		name   string
		limits Limits
		doc    string
	}{
		{"document bytes", Limits{MaxDocumentBytes: 100}, docWith(stdContext, minimalEvent)},
		{"events", Limits{MaxEvents: 2}, docWith(stdContext, minimalEvent, minimalEvent, minimalEvent)},
		{"EPCs per event", Limits{MaxEPCsPerEvent: 10}, docWith(stdContext, manyEPCs)},
		{"extension depth", Limits{MaxDepth: 20}, docWith(`"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"ex":"https://example.com/"}]`,
			strings.Replace(minimalEvent, `"action"`, `"ex:deep":`+deep+`,"action"`, 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := JSONDecoder{Limits: tt.limits}.Decode(strings.NewReader(tt.doc))
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v is not ErrTooLarge", err)
			}
			// The same document is fine with the default limits.
			var defaults JSONDecoder
			if _, err := defaults.Decode(strings.NewReader(tt.doc)); err != nil && errors.Is(err, ErrTooLarge) {
				t.Fatalf("default limits reject it too: %v", err)
			}
		})
	}
}

func TestDecodeAndValidateJSONMergesProblems(t *testing.T) {
	doc := docWith(stdContext,
		strings.Replace(minimalEvent, `2024-01-01T10:00:00.123+01:00`, `yesterday`, 1),
		strings.Replace(minimalEvent, `"OBSERVE"`, `"CREATE"`, 1))
	_, err := DecodeAndValidateJSON(strings.NewReader(doc))
	if err == nil {
		t.Fatalf("accepted")
	}
	list, ok := err.(ErrorList)
	if !ok {
		t.Fatalf("error %T is not an ErrorList", err)
	}
	want := []string{
		"event 0: epcisBody.eventList[0].eventTime: invalid timestamp",
		"event 1: epcisBody.eventList[1].action: invalid value",
	}
	if len(list) != len(want) {
		t.Fatalf("%d problems, want %d (a bad timestamp is not also missing): %v", len(list), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(list[i].Error(), w) {
			t.Errorf("problem %d = %q, want prefix %q", i, list[i], w)
		}
	}
}

func TestJSONScannerStrings(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`"plain"`, "plain", true},
		{`"a\"b\\c\/d\n"`, "a\"b\\c/d\n", true},
		{`"\u00e9\ud83d\ude00"`, "é😀", true},
		{`"\ud83d"`, "\ufffd", true},
		{"\"bad\x01\"", "", false},
		{"\"\xff\"", "", false},
		{`"open`, "", false},
		{`"\u12"`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s := jsonScanner{data: []byte(tt.in), maxDepth: 8}
			got, err := s.readString()
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("readString(%s) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestDecodeJSONErrorClasses(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		is   error
	}{
		{"unknown field", docWith(stdContext, strings.Replace(minimalEvent, `"action"`, `"colour":"red","action"`, 1)), ErrUnknownField},
		{"wrong kind", docWith(stdContext, strings.Replace(minimalEvent, `"OBSERVE"`, `7`, 1)), ErrInvalidValue},
		{"missing context", `{"type":"EPCISDocument","epcisBody":{"eventList":[]}}`, ErrMissing},
		{"undeclared prefix", docWith(stdContext, strings.Replace(minimalEvent, `"action"`, `"zz:x":"1","action"`, 1)), errUndeclaredPrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeString(t, tt.doc)
			if !errors.Is(err, tt.is) {
				t.Fatalf("error %v does not match %v", err, tt.is)
			}
		})
	}
}

package epcis

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestEncodeJSONContextAndShape(t *testing.T) {
	e := validObjectEvent()
	e.CertificationInfo = []string{"https://cert.example.org/1"}
	e.Extensions = append(e.Extensions,
		Element{Space: "https://undeclared.example/ns/", Local: "x", Text: "1"},
		Element{Space: "https://undeclared.example/ns/", Local: "x", Text: "2"},
		Element{Space: "urn:epcglobal:cbv:mda:", Local: "lotNumber", Text: "L\"1"})
	doc := &Document{
		SchemaVersion: "1.2",
		Namespaces:    map[string]string{"gs1ushc": "http://epcis.gs1us.org/hc/ns"},
		Events:        []Event{e},
	}
	var buf bytes.Buffer
	if err := EncodeJSON(&buf, doc); err != nil {
		t.Fatalf("encode: %v", err)
	}
	var generic map[string]any
	if err := json.Unmarshal(buf.Bytes(), &generic); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
	}
	out := buf.String()
	for _, want := range []string{
		`"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"gs1ushc":"http://epcis.gs1us.org/hc/ns","ns1":"https://undeclared.example/ns/"}]`,
		`"schemaVersion":"2.0"`,
		`"certificationInfo":"https://cert.example.org/1"`,
		`"gs1ushc:dscsaTransactionStatement":"true"`,
		`"ns1:x":["1","2"]`,
		`"cbvmda:lotNumber":"L\"1"`,
		`"bizStep":"shipping"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s\n%s", want, out)
		}
	}
	again, err := DecodeAndValidateJSON(&buf)
	if err != nil {
		t.Fatalf("re-decode: %v", err)
	}
	if h1, h2 := eventHashes(t, doc), eventHashes(t, again); h1[0] != h2[0] {
		t.Fatalf("hash changed through JSON")
	}
}

func TestEncodeJSONEmptyEPCList(t *testing.T) {
	e := validObjectEvent()
	e.EPCList, e.QuantityList = nil, nil
	var buf bytes.Buffer
	if err := EncodeJSON(&buf, &Document{Events: []Event{e}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"epcList":[]`) {
		t.Fatalf("an ObjectEvent without EPCs must keep an empty epcList:\n%s", buf.String())
	}
	if _, err := DecodeJSON(&buf); err != nil {
		t.Fatalf("re-decode: %v", err)
	}
}

func TestEncodeJSONRejectsNonFiniteNumbers(t *testing.T) {
	e := validObjectEvent()
	inf := math.Inf(1)
	e.QuantityList[0].Quantity = &inf
	if err := EncodeJSON(&bytes.Buffer{}, &Document{Events: []Event{e}}); err == nil {
		t.Fatalf("encoded an infinite quantity")
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"q\"b\\", `"q\"b\\"`},
		{"\n\t\x01", `"\n\t\u0001"`},
		{"é😀", `"é😀"`},
		{"bad\xff", `"bad\ufffd"`},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		writeDocString(&b, tt.in)
		if b.String() != tt.want {
			t.Errorf("writeDocString(%q) = %s, want %s", tt.in, b.String(), tt.want)
		}
	}
}

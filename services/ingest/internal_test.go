package ingest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"reflect"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
)

func TestPrefersXML(t *testing.T) {
	tests := []struct {
		accept string
		xml    bool
	}{
		{"", false},
		{"*/*", false},
		{"application/ld+json", false},
		{"application/xml", true},
		{"text/xml", true},
		{"application/xml, application/json", true},
		{"application/json, application/xml", false},
		{"application/json;q=0.5, application/xml", true},
		{"application/xml;q=0.4, */*", false},
		{"application/xml;q=0", false},
		{"text/html", false},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			if got, _ := negotiate(tt.accept); got != tt.xml {
				t.Fatalf("negotiate(%q) = %v", tt.accept, got)
			}
		})
	}
}

// TestAcceptable: an Accept header that takes neither JSON-LD nor XML is
// told so (406); none at all, or a wildcard, takes JSON-LD.
func TestAcceptable(t *testing.T) {
	for accept, want := range map[string]bool{
		"": true, "*/*": true, "application/*": true, "text/*": true, "application/ld+json": true,
		"application/xml;q=0.1": true, "text/csv, */*;q=0.1": true, "not a type": true,
		"text/csv": false, "text/html, application/pdf": false, "application/xml;q=0": false,
		"application/json;q=0, text/xml;q=0": false,
	} {
		if _, ok := negotiate(accept); ok != want {
			t.Errorf("Accept %q: acceptable %v, want %v", accept, ok, want)
		}
	}
}

func TestPageTokens(t *testing.T) {
	k, err := loadTokenKey(t.TempDir()+"/key", "tokens stop working")
	if err != nil {
		t.Fatal(err)
	}
	fp := bytes.Repeat([]byte{7}, 32)
	st := pageState{after: 42, served: 300, ceiling: 77}
	tok := k.issue(st, fp, "OrgA")
	if got, err := k.open(tok, fp, "OrgA"); err != nil || got != st {
		t.Fatalf("open own token: %+v %v", got, err)
	}
	// A token of an earlier release: the seq alone, then its MAC.
	old := binary.BigEndian.AppendUint64(nil, 42)
	old = append(old, k.mac(old, fp, "OrgA")[:16]...)
	if got, err := k.open(base64.RawURLEncoding.EncodeToString(old), fp, "OrgA"); err != nil || got != (pageState{after: 42}) {
		t.Fatalf("open an earlier release's token: %+v %v", got, err)
	}
	other, err := loadTokenKey(t.TempDir()+"/key", "tokens stop working")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		key   *tokenKey
		token string
		fp    []byte
		org   string
	}{
		{"other organisation", k, tok, fp, "OrgB"},
		{"other query", k, tok, bytes.Repeat([]byte{8}, 32), "OrgA"},
		{"other key (another installation)", other, tok, fp, "OrgA"},
		{"truncated", k, tok[:10], fp, "OrgA"},
		{"not base64", k, "!!!!", fp, "OrgA"},
		{"seq changed", k, k.issue(pageState{after: 41, served: 300, ceiling: 77}, fp, "OrgA")[:12] + tok[12:], fp, "OrgA"},
		{"position changed", k, k.issue(pageState{after: 42, served: 100, ceiling: 77}, fp, "OrgA")[:23] + tok[23:], fp, "OrgA"},
		{"unknown version", k, func() string {
			b := append([]byte{2}, make([]byte, 24)...)
			return base64.RawURLEncoding.EncodeToString(append(b, k.mac(b, fp, "OrgA")[:16]...))
		}(), fp, "OrgA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.key.open(tt.token, tt.fp, tt.org); err == nil {
				t.Fatal("a foreign token was accepted")
			}
		})
	}
}

// TestCanonEPC: an SGTIN or SSCC as an EPC URN or as a Digital Link in any
// of its spellings (another host, a path prefix, short names, a lot between
// GTIN and serial, escapes) is one value; anything else is kept as written.
func TestCanonEPC(t *testing.T) {
	const (
		item = "https://id.gs1.org/01/00312345678906/21/A1"
		pkg  = "https://id.gs1.org/00/103123450000000018"
	)
	tests := []struct{ in, want string }{
		{"urn:epc:id:sgtin:0312345.067890.A1", item},
		{"https://example.com/01/00312345678906/21/A1", item},
		{"urn:epc:id:sscc:0312345.1000000001", pkg},
		{"urn:epc:id:sgln:0312345.00000.0", "urn:epc:id:sgln:0312345.00000.0"},
		{"https://id.gs1.org/gtin/00312345678906/ser/A1", item},
		{"https://example.com/resolver/gtin/00312345678906/ser/A1", item},
		{"http://example.com/gtin/00312345678906/lot/L7/ser/A1?17=280630", item},
		{"https://id.gs1.org/gtin/00312345678906/21/A1", item},
		{"https://id.gs1.org/gtin/00312345678906/ser/A%2FB", "https://id.gs1.org/01/00312345678906/21/A%2FB"},
		{"https://id.gs1.org/gtin/00312345678906/ser/A(1)", "https://id.gs1.org/01/00312345678906/21/A%281%29"},
		{"https://example.com/sscc/103123450000000018", pkg},
		{"https://id.gs1.org/gtin/00312345678906/lot/L7", "https://id.gs1.org/gtin/00312345678906/lot/L7"}, // a class, not an item
		{"https://id.gs1.org/gtin/00312345678907/ser/A1", "https://id.gs1.org/gtin/00312345678907/ser/A1"}, // check digit
		{"https://id.gs1.org/gln/0312345000011", "https://id.gs1.org/gln/0312345000011"},
		{"https://example.com/products/gtin-list", "https://example.com/products/gtin-list"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := canonEPC(tt.in); got != tt.want {
				t.Fatalf("canonEPC(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestCanonLocation: an SGLN as an EPC URN or as a Digital Link in any of
// its spellings is one value; the URN's extension "0" is no (254); other
// values are kept as written.
func TestCanonLocation(t *testing.T) {
	const (
		gln    = "https://id.gs1.org/414/0312345000011"
		glnExt = gln + "/254/7"
	)
	tests := []struct{ name, in, want string }{
		{"URN, extension 0", "urn:epc:id:sgln:0312345.00001.0", gln},
		{"URN, extension", "urn:epc:id:sgln:0312345.00001.7", glnExt},
		{"Digital Link", gln, gln},
		{"Digital Link with extension", glnExt, glnExt},
		{"Digital Link with extension 0", gln + "/254/0", gln},
		{"another host and a path prefix", "https://example.com/resolver/414/0312345000011/254/7", glnExt},
		{"http and a query", "http://id.gs1.org/414/0312345000011?linkType=all", gln},
		{"short names", "https://example.com/gln/0312345000011/glnx/7", glnExt},
		{"URN escape", "urn:epc:id:sgln:0312345.00001.A%2FB", gln + "/254/A%2FB"},
		{"URN character left literal", "urn:epc:id:sgln:0312345.00001.A(1)", gln + "/254/A%281%29"},
		{"Digital Link character left literal", gln + "/254/A(1)", gln + "/254/A%281%29"},
		{"party GLN URN", "urn:epc:id:pgln:0312345.00001", "https://id.gs1.org/417/0312345000011"},
		{"private URN", "urn:example:rxledger:dock:7", "urn:example:rxledger:dock:7"},
		{"private web URI", "https://example.com/sites/dock-7", "https://example.com/sites/dock-7"},
		{"malformed URN", "urn:epc:id:sgln:0312345.00001", "urn:epc:id:sgln:0312345.00001"},
		{"wrong check digit", "https://id.gs1.org/414/0312345000012", "https://id.gs1.org/414/0312345000012"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := canonLocation(tt.in); got != tt.want {
				t.Fatalf("canonLocation(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestCanonClass: a lot as an LGTIN class URN or a Digital Link, and every
// package of a product as an SGTIN pattern or the GTIN's Digital Link, are
// each one value; wildcard products and private values are kept.
func TestCanonClass(t *testing.T) {
	const (
		lot     = "https://id.gs1.org/01/00312345678906/10/L1"
		product = "https://id.gs1.org/01/00312345678906"
	)
	tests := []struct{ name, in, want string }{
		{"LGTIN URN", "urn:epc:class:lgtin:0312345.067890.L1", lot},
		{"lot Digital Link", lot, lot},
		{"lot Digital Link on another host", "https://example.com/r/01/00312345678906/10/L1", lot},
		{"lot with short names", "https://example.com/gtin/00312345678906/lot/L1", lot},
		{"lot URN escape", "urn:epc:class:lgtin:0312345.067890.A%2FB", product + "/10/A%2FB"},
		{"SGTIN pattern", "urn:epc:idpat:sgtin:0312345.067890.*", product},
		{"product Digital Link", product, product},
		{"wildcard product", "urn:epc:idpat:sgtin:0312345.*.*", "urn:epc:idpat:sgtin:0312345.*.*"},
		{"private class", "urn:example:rxledger:class:7", "urn:example:rxledger:class:7"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := canonClass(tt.in); got != tt.want {
				t.Fatalf("canonClass(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestCaptureSalt: the salt of a capture is the same for the same service
// key, organisation and events, and differs when any of them differs.
func TestCaptureSalt(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	ev := []byte(`[{"Type":"ObjectEvent"}]`)
	s := captureSalt(k1, "M", ev)
	if len(s) != chaincode.SaltSize || !bytes.Equal(s, captureSalt(bytes.Clone(k1), "M", bytes.Clone(ev))) {
		t.Fatalf("salt %x", s)
	}
	for name, other := range map[string][]byte{
		"key":    captureSalt(k2, "M", ev),
		"org":    captureSalt(k1, "W", ev),
		"events": captureSalt(k1, "M", []byte(`[{"Type":"ObjectEvent"} ]`)),
		"split":  captureSalt(k1, "M[", ev[1:]),
	} {
		if bytes.Equal(s, other) {
			t.Errorf("another %s, the same salt", name)
		}
	}
}

// TestMatchesUnindexed covers the parameters on fields the chaincode never
// lets into the ledger today (error declarations) or that the story has
// none of (transformations, persistent dispositions, sensors), on events
// built here.
func TestMatchesUnindexed(t *testing.T) {
	at := func(s string) *time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &tm
	}
	declared := epcis.Event{ErrorDeclaration: &epcis.ErrorDeclaration{
		DeclarationTime: *at("2026-05-01T00:00:00Z"), Reason: "urn:epcglobal:cbv:er:incorrect_data",
		CorrectiveEventIDs: []string{"urn:uuid:c1", "urn:uuid:c2"},
	}}
	plain := epcis.Event{
		TransformationID:      "urn:uuid:t1",
		PersistentDisposition: &epcis.PersistentDisposition{Set: []string{"https://ref.gs1.org/cbv/Disp-completeness_verified"}, Unset: []string{"completeness_inferred"}},
		SensorElementList:     []epcis.SensorElement{{}},
	}
	tests := []struct {
		name          string
		q             query
		matchDeclared bool
		matchPlain    bool
	}{
		{"nothing asked", query{}, true, true},
		{"EXISTS_errorDeclaration", query{errDecl: errorDeclQuery{exists: true}}, true, false},
		{"errorDeclarationTime in range", query{errDecl: errorDeclQuery{exists: true, ge: at("2026-04-01T00:00:00Z"), lt: at("2026-06-01T00:00:00Z")}}, true, false},
		{"GE_errorDeclarationTime after it", query{errDecl: errorDeclQuery{exists: true, ge: at("2026-05-01T00:00:01Z")}}, false, false},
		{"LT_errorDeclarationTime at it", query{errDecl: errorDeclQuery{exists: true, lt: at("2026-05-01T00:00:00Z")}}, false, false},
		{"EQ_errorReason short", query{errDecl: errorDeclQuery{exists: true, reasons: []string{"incorrect_data"}}}, true, false},
		{"EQ_errorReason other", query{errDecl: errorDeclQuery{exists: true, reasons: []string{"did_not_occur"}}}, false, false},
		{"EQ_correctiveEventID", query{errDecl: errorDeclQuery{exists: true, corrective: []string{"urn:uuid:x", "urn:uuid:c2"}}}, true, false},
		{"EQ_correctiveEventID other", query{errDecl: errorDeclQuery{exists: true, corrective: []string{"urn:uuid:x"}}}, false, false},
		{"EQ_transformationID", query{transformationIDs: []string{"urn:uuid:t1"}}, false, true},
		{"EQ_transformationID other", query{transformationIDs: []string{"urn:uuid:t2"}}, false, false},
		{"EQ_persistentDisposition_set", query{pdSet: []string{"completeness_verified"}}, false, true},
		{"EQ_persistentDisposition_unset", query{pdUnset: []string{"completeness_inferred"}}, false, true},
		{"EQ_persistentDisposition_set not set", query{pdSet: []string{"completeness_inferred"}}, false, false},
		{"EXISTS_sensorElementList", query{sensors: true}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.matchesUnindexed(&declared); got != tt.matchDeclared {
				t.Errorf("event with an error declaration: %v, want %v", got, tt.matchDeclared)
			}
			if got := tt.q.matchesUnindexed(&plain); got != tt.matchPlain {
				t.Errorf("event without one: %v, want %v", got, tt.matchPlain)
			}
		})
	}
}

// TestQueryValues: lists split on ',', '|' and %7C before unescaping (so
// %2C stays within a value), repeated names add to the list, a name without
// a value is kept with none, and a name or value that does not unescape
// (which httpx.CheckQuery refuses before) is kept as written, not dropped.
func TestQueryValues(t *testing.T) {
	tests := []struct {
		raw  string
		want url.Values
	}{
		{"a=1,2|3%7C4&a=5", url.Values{"a": {"1", "2", "3", "4", "5"}}},
		{"a=x%2Cy", url.Values{"a": {"x,y"}}},
		{"EXISTS_errorDeclaration&b=", url.Values{"EXISTS_errorDeclaration": {}, "b": {}}},
		{"a=%zz&b%zz=1", url.Values{"a": {"%zz"}, "b%zz": {"1"}}},
	}
	for _, tt := range tests {
		if got := queryValues(tt.raw); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("queryValues(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

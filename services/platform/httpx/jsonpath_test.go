package httpx

import (
	"errors"
	"strings"
	"testing"

	"rxledger/services/platform/problem"
)

func TestPathAt(t *testing.T) {
	doc := `{"reqGLN":"x","requests":[{"gtin":"1","expiry":"2"},{"gtin":"3","expiry":26,"n":{"a":[1,[2,3]]}}],"z":true}`
	for _, tc := range []struct {
		at   string // the value's text, found in doc; the offset is its end
		want string
	}{
		{`"x"`, "reqGLN"},
		{`"1"`, "requests[0].gtin"},
		{`"2"`, "requests[0].expiry"},
		{`"3"`, "requests[1].gtin"},
		{`26`, "requests[1].expiry"},
		{`[1`, "requests[1].n.a[0]"},
		{`,3`, "requests[1].n.a[1][1]"},
		{`true`, "z"},
	} {
		i := strings.Index(doc, tc.at)
		if i < 0 {
			t.Fatalf("%s not in the document", tc.at)
		}
		end := int64(i + len(tc.at))
		if got, ok := pathAt([]byte(doc), end); !ok || got != tc.want {
			t.Errorf("value %s: path %q, %v; want %q", tc.at, got, ok, tc.want)
		}
	}
	if _, ok := pathAt([]byte(`{"a":`), 10); ok {
		t.Error("a truncated document gave a path")
	}
}

// TestDecodeErrorsNameTheElement: a wrong type or an unknown field deep in
// a batch is named with the index of its element and the JSON kind
// expected, not encoding/json's "requests.expiry" and Go type names.
func TestDecodeErrorsNameTheElement(t *testing.T) {
	type req struct {
		GTIN   string `json:"gtin"`
		Expiry string `json:"expiry"`
	}
	type batch struct {
		Requests []req `json:"requests"`
	}
	for _, tc := range []struct {
		doc, field, detail string
		col                int
	}{
		{`{"requests":[{"gtin":"1"},{"gtin":"2","expiry":26}]}`, "requests[1].expiry", `field "requests[1].expiry" must be a JSON string, not number`, 50},
		{`{"requests":[{"gtin":"1"},{"gtin":"2","gtn":"x"}]}`, "requests[1].gtn", `unknown field "gtn"`, 39},
		{`{"requests":{"gtin":"1"}}`, "requests", `field "requests" must be a JSON array, not object`, 14},
		// A name used twice cannot be placed: the name alone.
		{`{"requests":[{"gtn":"1"},{"gtn":"2"}]}`, "gtn", `unknown field "gtn"`, 0},
	} {
		var v batch
		err := DecodeJSONBytes([]byte(tc.doc), &v)
		var pe *problem.Error
		if !errors.As(err, &pe) || pe.Code != problem.Invalid || len(pe.Where) != 1 {
			t.Fatalf("%s: %v, want one invalid location", tc.doc, err)
		}
		if pe.Where[0].Field != tc.field || pe.Detail != tc.detail || (tc.col > 0 && pe.Where[0].Column != tc.col) {
			t.Errorf("%s: %q at %+v, want %q at %s column %d", tc.doc, pe.Detail, pe.Where[0], tc.detail, tc.field, tc.col)
		}
	}
}

// TestNoDuplicateKeys: a member given twice in the same object is named by
// its path, at any depth; the same name in different objects is no
// duplicate.
func TestNoDuplicateKeys(t *testing.T) {
	for doc, want := range map[string]string{
		`{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`: "",
		`{}`:                         "",
		`[{"x":{}},{"x":[]}]`:        "",
		`{"a":1,"a":2}`:              "a",
		`{"a":{"b":1,"c":{},"b":2}}`: "a.b",
		`{"items":[{"x":1},{"x":1,"y":[1,2],"x":2}]}`:   "items[1].x",
		`{"a":[],"b":{},"a":3}`:                         "a",
		`{"serial":"A","Serial":"B"}`:                   "Serial",
		`{"items":[{"lot":"1"},{"LOT":"2","lot":"3"}]}`: "items[1].lot",
		`{"a":1,"b":{"A":2}}`:                           "",
	} {
		err := NoDuplicateKeys([]byte(doc))
		var pe *problem.Error
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", doc, err)
		case want != "" && (!errors.As(err, &pe) || len(pe.Where) != 1 || pe.Where[0].Field != want):
			t.Errorf("%s: %v, want %s named", doc, err, want)
		}
	}
}

package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestBodyOf(t *testing.T) {
	tests := []struct {
		name       string
		err        *Error
		status     int
		detail     string
		hidden     bool
		whereCount int
	}{
		{name: "invalid keeps detail and where", err: New(Invalid, "bad gtin").At(Location{Field: "gtin", Index: Index(3)}),
			status: 400, detail: "bad gtin", whereCount: 1},
		{name: "internal hides detail", err: Wrap(Internal, errors.New("pebble: corrupt sstable /var/x"), "read block 7"),
			status: 500, hidden: true},
		{name: "unknown code is a hidden 500", err: New(Code("mystery"), "secret"), status: 500, hidden: true},
		{name: "method not allowed", err: New(MethodNotAllowed, "DELETE on /x"), status: 405, detail: "DELETE on /x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := BodyOf(tt.err, "/v1/x")
			if b.Status != tt.status || b.Instance != "/v1/x" || b.Code != tt.err.Code {
				t.Errorf("body %+v", b)
			}
			if b.Type != "https://rxledger.dev/problems/"+string(tt.err.Code) || b.Title == "" {
				t.Errorf("type %q title %q", b.Type, b.Title)
			}
			if tt.hidden {
				if strings.Contains(b.Detail, "secret") || strings.Contains(b.Detail, "pebble") || strings.Contains(b.Detail, "block 7") {
					t.Errorf("detail leaks: %q", b.Detail)
				}
			} else if b.Detail != tt.detail {
				t.Errorf("detail %q, want %q", b.Detail, tt.detail)
			}
			if len(b.Errors) != tt.whereCount {
				t.Errorf("errors %+v, want %d", b.Errors, tt.whereCount)
			}
		})
	}
}

func TestAtDoesNotAlias(t *testing.T) {
	base := New(Invalid, "bad")
	a := base.At(Location{Field: "a"})
	b := a.At(Location{Field: "b"})
	if len(base.Where) != 0 || len(a.Where) != 1 || len(b.Where) != 2 || a.Where[0].Field != "a" {
		t.Errorf("At aliased: base %v a %v b %v", base.Where, a.Where, b.Where)
	}
}

func TestItems(t *testing.T) {
	if Items("request", []*Error{nil, nil}) != nil {
		t.Fatal("no item problem, yet a problem")
	}
	bad := func(field, detail string) *Error { return New(Invalid, "%s", detail).At(Location{Field: field}) }
	one := Items("request", []*Error{nil, bad("requests[1].gtin", "gtin is short")})
	if one.Detail != "gtin is short" || len(one.Where) != 1 || *one.Where[0].Index != 1 || one.Where[0].Field != "requests[1].gtin" {
		t.Errorf("one problem: %+v", one)
	}
	many := make([]*Error, 150)
	for i := range many {
		if i%3 != 0 {
			many[i] = bad(fmt.Sprintf("items[%d].expiry", i), fmt.Sprintf("expiry %d is not a date", i))
		}
	}
	got := Items("item", many)
	if got.Code != Invalid || got.Detail != "100 items are invalid; the first: expiry 1 is not a date" {
		t.Errorf("detail %q", got.Detail)
	}
	if len(got.Where) != 100 {
		t.Fatalf("%d locations, want all 100", len(got.Where))
	}
	for _, l := range got.Where {
		if l.Field != fmt.Sprintf("items[%d].expiry", *l.Index) || l.Detail != fmt.Sprintf("expiry %d is not a date", *l.Index) {
			t.Errorf("location %+v: field, index and detail disagree", l)
		}
	}
	b, _ := json.Marshal(BodyOf(got, "/returns/check"))
	if !strings.Contains(string(b), `{"field":"items[1].expiry","index":1,"detail":"expiry 1 is not a date"}`) {
		t.Errorf("body %s lacks the first location with its detail", b)
	}
}

// TestBodyRule: the chaincode rule that refused is in the body; an
// internal error shows none.
func TestBodyRule(t *testing.T) {
	e := New(Forbidden, "not yours")
	e.Rule = "not-owner"
	if b := BodyOf(e, "/x"); b.Rule != "not-owner" {
		t.Errorf("rule %q, want not-owner", b.Rule)
	}
	raw, _ := json.Marshal(BodyOf(e, "/x"))
	if !strings.Contains(string(raw), `"rule":"not-owner"`) {
		t.Errorf("body %s lacks the rule", raw)
	}
	e.Code = Internal
	if b := BodyOf(e, "/x"); b.Rule != "" {
		t.Errorf("internal error shows rule %q", b.Rule)
	}
}

package problem

import (
	"errors"
	"fmt"
	"testing"
)

// TestRuleFieldsLocate: a chaincode refusal (an Error with a rule, wrapped
// as the ledger adapters wrap it) gets the field of its rule; an error
// without a rule, or whose rule is not listed, comes back as it was.
func TestRuleFieldsLocate(t *testing.T) {
	f := RuleFields{"investigation-transition": "state"}
	refusal := &Error{Code: Invalid, Detail: "no move", Rule: "investigation-transition"}
	got := f.Locate(fmt.Errorf("ledger: tx 1: %w", refusal))
	var pe *Error
	if !errors.As(got, &pe) || pe.Code != Invalid || pe.Rule != "investigation-transition" || len(pe.Where) != 1 || pe.Where[0].Field != "state" {
		t.Fatalf("located %#v", got)
	}
	if len(refusal.Where) != 0 {
		t.Fatal("Locate changed the refusal it was given")
	}
	for _, err := range []error{
		&Error{Code: Forbidden, Detail: "x", Rule: "not-owner"},
		New(Invalid, "no rule"),
		errors.New("plain"),
	} {
		if got := f.Locate(err); got != err {
			t.Errorf("Locate(%v) = %v; want it unchanged", err, got)
		}
	}
	if _, ok := Refusal(New(Invalid, "no rule")); ok {
		t.Error("an error without a rule is a refusal")
	}
}

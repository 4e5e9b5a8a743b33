package ledgertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// wantRefusal asserts that err is a *ledger.Error with the problem code and
// that it carries the chaincode refusal of the rule (ledger.RefusalOf), as
// both ledgers give it to services.
func wantRefusal(t *testing.T, err error, code problem.Code, rule string) {
	t.Helper()
	ruleOf(t, err, code, rule)
}

// wantRefusalAt is wantRefusal for a capture: the refusal must also name
// the event index (none when index < 0) and the EPC.
func wantRefusalAt(t *testing.T, err error, code problem.Code, rule string, index int, epc string) {
	t.Helper()
	re := ruleOf(t, err, code, rule)
	switch {
	case index < 0 && re.EventIndex != nil:
		t.Fatalf("want no event index, got %d: %v", *re.EventIndex, err)
	case index >= 0 && (re.EventIndex == nil || *re.EventIndex != index):
		t.Fatalf("want event index %d: %v", index, err)
	case re.EPC != epc:
		t.Fatalf("want EPC %q, got %q: %v", epc, re.EPC, err)
	}
}

// ruleOf asserts code and rule of a refusal and returns its RuleError.
func ruleOf(t *testing.T, err error, code problem.Code, rule string) *chaincode.RuleError {
	t.Helper()
	if err == nil {
		t.Fatalf("want refusal %s (%s), got success", rule, code)
	}
	var le *ledger.Error
	if !errors.As(err, &le) {
		t.Fatalf("want *ledger.Error, got %T: %v", err, err)
	}
	if got := problem.CodeOf(err); got != code {
		t.Fatalf("want code %s, got %s: %v", code, got, err)
	}
	re, ok := ledger.RefusalOf(err)
	if !ok {
		t.Fatalf("error carries no chaincode refusal: %v", err)
	}
	if le.Err.Rule != re.Rule {
		t.Fatalf("problem rule %q, refusal rule %q: %v", le.Err.Rule, re.Rule, err)
	}
	if re.Rule != rule {
		t.Fatalf("want rule %s, got %s: %v", rule, re.Rule, err)
	}
	return re
}

var errSeen = errors.New("seen every block")

// events returns the "dscsa" chaincode events of the blocks [from, height),
// read through Blocks, keyed by transaction ID.
func events(t *testing.T, l ledger.Ledger, from uint64) map[string]*chaincode.ChaincodeEvent {
	t.Helper()
	out := map[string]*chaincode.ChaincodeEvent{}
	ctx := t.Context()
	height, err := l.Height(ctx)
	if err != nil {
		t.Fatalf("height: %v", err)
	}
	if from >= height {
		return out
	}
	// The deadline only keeps a broken implementation from hanging the
	// suite; nothing asserts on time.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	next := from
	err = l.Blocks(ctx, from, func(b ledger.Block) error {
		if b.Number != next {
			t.Errorf("block %d delivered, want %d", b.Number, next)
		}
		next = b.Number + 1
		for _, e := range b.Events {
			if e.Name != chaincode.EventName {
				continue
			}
			ce, err := chaincode.DecodeEvent(e.Payload)
			if err != nil {
				t.Errorf("block %d: %v", b.Number, err)
				continue
			}
			if ce.TxID != e.TxID {
				t.Errorf("event of tx %s names tx %s", e.TxID, ce.TxID)
			}
			out[e.TxID] = ce
		}
		if next >= height {
			return errSeen
		}
		return nil
	})
	if !errors.Is(err, errSeen) {
		t.Fatalf("blocks from %d: %v", from, err)
	}
	return out
}

// eventOf returns the chaincode event of the transaction of receipt r.
func eventOf(t *testing.T, l ledger.Ledger, r ledger.Receipt) *chaincode.ChaincodeEvent {
	t.Helper()
	ev, ok := events(t, l, r.Block)[r.TxID]
	if !ok {
		t.Fatalf("no chaincode event for tx %s in block %d", r.TxID, r.Block)
	}
	return ev
}

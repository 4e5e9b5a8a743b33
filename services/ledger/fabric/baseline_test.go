package fabric

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// These tests prove the adapter against the baseline chaincode
// (deploy/fabric/baseline), which has a function for each thing the adapter
// must handle.

const (
	baselineCC   = "baseline"
	manufacturer = "ManufacturerMSP"
	wholesaler   = "WholesalerMSP"
	pharmacy     = "PharmacyMSP"
	regulator    = "RegulatorMSP"
)

func TestSubmitThenEvaluateAsAnotherOrg(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	ctx := context.Background()
	key := uniqueKey(t, "k")
	receipt, err := l.Submit(ctx, manufacturer, ledger.Transaction{Function: "put", Args: []string{key, "v1"}})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if receipt.TxID == "" || receipt.Block == 0 {
		t.Errorf("receipt %+v: want a transaction ID and a block after the genesis block", receipt)
	}
	got, err := l.Evaluate(ctx, pharmacy, "get", key)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if string(got) != "v1" {
		t.Errorf("get %s as %s = %q, want v1", key, pharmacy, got)
	}
	height, err := l.Height(ctx)
	if err != nil {
		t.Fatalf("Height: %v", err)
	}
	if height <= receipt.Block {
		t.Errorf("height %d, want more than the receipt's block %d", height, receipt.Block)
	}
}

// TestPutManyWritesEveryKey checks the baseline's many-key writes, which the
// per-key throughput measurement (loadtest/fabric putmany, readputmany)
// uses: every key is written, and readputmany refuses a key that exists.
func TestPutManyWritesEveryKey(t *testing.T) {
	l := newTestLedger(t, baselineCC, manufacturer)
	ctx := context.Background()
	prefix := uniqueKey(t, "many")
	r, err := l.Submit(ctx, manufacturer, ledger.Transaction{Function: "readputmany", Args: []string{prefix, "3", "5"}})
	if err != nil {
		t.Fatalf("readputmany: %v", err)
	}
	if string(r.Result) != "3" {
		t.Errorf("readputmany result %q, want 3", r.Result)
	}
	for i := range 3 {
		got, err := l.Evaluate(ctx, manufacturer, "get", fmt.Sprintf("%s/%d", prefix, i))
		if err != nil || string(got) != "abcde" {
			t.Errorf("key %d: %q %v, want abcde", i, got, err)
		}
	}
	if _, err := l.Submit(ctx, manufacturer, ledger.Transaction{Function: "putmany", Args: []string{prefix, "4", "2"}}); err != nil {
		t.Fatalf("putmany over existing keys: %v", err)
	}
	if got, err := l.Evaluate(ctx, manufacturer, "get", prefix+"/3"); err != nil || string(got) != "ab" {
		t.Errorf("key 3 after putmany: %q %v, want ab", got, err)
	}
	_, err = l.Submit(ctx, manufacturer, ledger.Transaction{Function: "readputmany", Args: []string{prefix, "1", "1"}})
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("readputmany of an existing key: %v, want a refusal saying it exists", err)
	}
}

func TestSubmitResultIsTheChaincodeResult(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	key := uniqueKey(t, "counter")
	for want := 1; want <= 2; want++ {
		receipt, err := l.Submit(context.Background(), wholesaler, ledger.Transaction{Function: "incr", Args: []string{key}})
		if err != nil {
			t.Fatalf("Submit incr: %v", err)
		}
		if got := string(receipt.Result); got != string(rune('0'+want)) {
			t.Errorf("incr #%d result %q, want %d", want, got, want)
		}
	}
}

func TestOrgWithoutIdentityIsForbidden(t *testing.T) {
	l := newTestLedger(t, baselineCC, manufacturer)
	ctx := context.Background()
	for _, org := range []string{pharmacy, "NoSuchMSP", ""} {
		t.Run("submit as "+org, func(t *testing.T) {
			_, err := l.Submit(ctx, org, ledger.Transaction{Function: "put", Args: []string{uniqueKey(t, "k"), "v"}})
			wantCode(t, err, problem.Forbidden)
		})
		t.Run("evaluate as "+org, func(t *testing.T) {
			_, err := l.Evaluate(ctx, org, "get", "k")
			wantCode(t, err, problem.Forbidden)
		})
	}
}

func TestChaincodeErrorsAreClassified(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	ctx := context.Background()
	tests := []struct {
		name       string
		function   string
		args       []string
		code       problem.Code
		detail     string
		eventIndex int // -1: none
	}{
		{"forbidden rule", "refuse", []string{`{"code":"forbidden","rule":"not-owner","eventIndex":3,"epc":"urn:epc:id:sgtin:0312345.012345.1","detail":"the caller does not own the item"}`},
			problem.Forbidden, "the caller does not own the item", 3},
		{"invalid rule", "refuse", []string{`{"code":"invalid","rule":"bad-date","detail":"eventTime is in the future"}`},
			problem.Invalid, "eventTime is in the future", -1},
		{"not-found rule", "refuse", []string{`{"code":"not-found","rule":"unknown-serial","detail":"no such serial"}`},
			problem.NotFound, "no such serial", -1},
		{"conflict rule", "refuse", []string{`{"code":"conflict","rule":"already-shipped","detail":"already shipped"}`},
			problem.Conflict, "already shipped", -1},
		{"plain chaincode error: a failure, not the caller's mistake", "nosuchfunction", nil, problem.Internal, `unknown function "nosuchfunction"`, -1},
	}
	for _, tt := range tests {
		check := func(t *testing.T, err error) {
			t.Helper()
			le := wantCode(t, err, tt.code)
			if !bytes.Contains([]byte(le.Err.Detail), []byte(tt.detail)) {
				t.Errorf("detail %q, want it to contain %q", le.Err.Detail, tt.detail)
			}
			switch {
			case tt.eventIndex < 0 && len(le.Err.Where) != 0:
				t.Errorf("where %+v, want none", le.Err.Where)
			case tt.eventIndex >= 0 && (len(le.Err.Where) != 1 || le.Err.Where[0].Index == nil || *le.Err.Where[0].Index != tt.eventIndex):
				t.Errorf("where %+v, want event index %d", le.Err.Where, tt.eventIndex)
			}
		}
		t.Run(tt.name+" on submit", func(t *testing.T) {
			_, err := l.Submit(ctx, manufacturer, ledger.Transaction{Function: tt.function, Args: tt.args})
			check(t, err)
			if ledger.TxIDOf(err) == "" {
				t.Errorf("error %v names no transaction", err)
			}
		})
		t.Run(tt.name+" on evaluate", func(t *testing.T) {
			_, err := l.Evaluate(ctx, regulator, tt.function, tt.args...)
			check(t, err)
		})
	}
}

func TestReadConflictIsConflictAndItsEventIsNotDelivered(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	ctx := context.Background()
	key := uniqueKey(t, "counter")
	// Both increments are endorsed on the same (absent) version of the key;
	// the one committed second must fail validation with an MVCC conflict.
	og, err := l.as(manufacturer)
	if err != nil {
		t.Fatal(err)
	}
	endorse := func() *client.Transaction {
		t.Helper()
		txn, err := l.endorse(ctx, og, "incr", []client.ProposalOption{client.WithArguments(key)}, false)
		if err != nil {
			t.Fatalf("endorse: %v", err)
		}
		return txn
	}
	first, second := endorse(), endorse()
	firstReceipt, err := l.commit(ctx, og, first)
	if err != nil {
		t.Fatalf("commit first: %v", err)
	}
	_, err = l.commit(ctx, og, second)
	le := wantCode(t, err, problem.Conflict)
	if le.TxID != second.TransactionID() {
		t.Errorf("conflict names tx %q, want %q", le.TxID, second.TransactionID())
	}

	// The first increment's event is delivered, the second's is not.
	height, err := l.Height(ctx)
	if err != nil {
		t.Fatalf("Height: %v", err)
	}
	var txIDs []string
	collectBlocks(t, l, firstReceipt.Block, height-1, func(b ledger.Block) {
		for _, ev := range b.Events {
			txIDs = append(txIDs, ev.TxID)
		}
	})
	if !slices.Contains(txIDs, first.TransactionID()) {
		t.Errorf("events of transactions %v lack the committed increment %s", txIDs, first.TransactionID())
	}
	if slices.Contains(txIDs, second.TransactionID()) {
		t.Errorf("events of transactions %v include the invalid increment %s", txIDs, second.TransactionID())
	}
}

// collectBlocks runs Blocks from from to last inclusive and checks they come
// in order without gaps.
func collectBlocks(t *testing.T, l *Ledger, from, last uint64, fn func(ledger.Block)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errDone := errors.New("done")
	next := from
	err := l.Blocks(ctx, from, func(b ledger.Block) error {
		if b.Number != next {
			t.Errorf("block %d delivered, want %d", b.Number, next)
		}
		next = b.Number + 1
		fn(b)
		if b.Number >= last {
			return errDone
		}
		return nil
	})
	if !errors.Is(err, errDone) {
		t.Fatalf("Blocks from %d to %d: %v (next block %d)", from, last, err, next)
	}
}

func TestBlocksDeliverEveryBlockWithItsEvents(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	ctx := context.Background()
	start, err := l.Height(ctx)
	if err != nil {
		t.Fatalf("Height: %v", err)
	}
	type sent struct{ txID, key string }
	var withEvent []sent
	var last ledger.Receipt
	for i := range 3 {
		key := uniqueKey(t, "k")
		last, err = l.Submit(ctx, pharmacy, ledger.Transaction{Function: "putEvent", Args: []string{key, "v"}})
		if err != nil {
			t.Fatalf("Submit putEvent %d: %v", i, err)
		}
		withEvent = append(withEvent, sent{last.TxID, key})
	}
	silent, err := l.Submit(ctx, pharmacy, ledger.Transaction{Function: "put", Args: []string{uniqueKey(t, "k"), "v"}})
	if err != nil {
		t.Fatalf("Submit put: %v", err)
	}

	var events []ledger.ChaincodeEvent
	collectBlocks(t, l, start, silent.Block, func(b ledger.Block) { events = append(events, b.Events...) })
	for _, s := range withEvent {
		i := slices.IndexFunc(events, func(ev ledger.ChaincodeEvent) bool { return ev.TxID == s.txID })
		if i < 0 {
			t.Errorf("no event of transaction %s", s.txID)
			continue
		}
		if events[i].Name != "put" || string(events[i].Payload) != s.key {
			t.Errorf("event of %s = %q %q, want \"put\" %q", s.txID, events[i].Name, events[i].Payload, s.key)
		}
	}
	if slices.ContainsFunc(events, func(ev ledger.ChaincodeEvent) bool { return ev.TxID == silent.TxID }) {
		t.Errorf("an event was delivered for %s, which emitted none", silent.TxID)
	}

	t.Run("resumes at the block asked for", func(t *testing.T) {
		var first []uint64
		collectBlocks(t, l, last.Block, last.Block, func(b ledger.Block) { first = append(first, b.Number) })
		if len(first) != 1 || first[0] != last.Block {
			t.Errorf("blocks %v, want just %d", first, last.Block)
		}
	})
	t.Run("returns nil when the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		handled := make(chan uint64, 1)
		go func() {
			// Far beyond the height: Blocks waits for blocks that never come.
			done <- l.Blocks(ctx, silent.Block+1_000_000, func(b ledger.Block) error {
				handled <- b.Number
				return nil
			})
		}()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Blocks after cancel = %v, want nil", err)
		}
		select {
		case n := <-handled:
			t.Errorf("block %d handled, want none", n)
		default:
		}
	})
}

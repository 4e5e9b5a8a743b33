package embedded

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/cockroachdb/pebble/vfs/errorfs"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// TestFailedStoreMakesTheLedgerUnavailable breaks the disk under a running
// ledger: the transaction being committed and every later call get
// Unavailable errors, and nothing acknowledged is lost on reopen.
func TestFailedStoreMakesTheLedgerUnavailable(t *testing.T) {
	var broken atomic.Bool
	errDisk := errors.New("injected disk failure")
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op, path string) error {
		if broken.Load() && (op == errorfs.OpFileWrite || op == errorfs.OpFileSync) && strings.HasSuffix(path, ".log") {
			return errDisk
		}
		return nil
	}))
	dir := t.TempDir()
	opts := quietOptions()
	opts.fs = fs
	l, err := Open(dir, testConsortium(), (&kvChaincode{}).invoke, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := submit(t, l, mfr, "put", "a", "1")
	select {
	case <-l.Failed():
		t.Fatal("Failed is closed while the ledger works")
	default:
	}
	if l.Err() != nil {
		t.Fatalf("Err %v while the ledger works", l.Err())
	}

	broken.Store(true)
	ctx := context.Background()
	_, err = l.Submit(ctx, mfr, ledger.Transaction{Function: "put", Args: []string{"b", "2"}})
	le := wantCode(t, err, problem.Unavailable)
	if le.TxID == "" {
		t.Error("the failed commit's error names no transaction")
	}
	select { // what rxledger serve waits on to stop
	case <-l.Failed():
	default:
		t.Fatal("Failed is not closed after a block failed to commit")
	}
	if err := l.Err(); err == nil || !strings.Contains(err.Error(), errDisk.Error()) {
		t.Errorf("Err %v, want the store's error", err)
	}
	_, err = l.Submit(ctx, mfr, ledger.Transaction{Function: "put", Args: []string{"c", "3"}})
	wantCode(t, err, problem.Unavailable)
	_, err = l.Evaluate(ctx, mfr, "get", "a")
	wantCode(t, err, problem.Unavailable)
	_, err = l.Height(ctx)
	wantCode(t, err, problem.Unavailable)
	l.Close() // may report the store's error; the ledger is already failed

	broken.Store(false)
	l2 := openAt(t, dir, nil, Options{})
	if got := string(evaluate(t, l2, mfr, "get", "a")); got != "1" {
		t.Errorf("acknowledged a = %q after reopen, want 1", got)
	}
	if h, _ := l2.Tip(); h < r.Block+1 {
		t.Errorf("height %d after reopen, want at least %d", h, r.Block+1)
	}
	l2.Close()
	if _, err := Verify(dir); err != nil {
		t.Errorf("verify after the failure: %v", err)
	}
}

// TestChaincodeFailureClasses pins how an error of the chaincode is
// answered: a *chaincode.RuleError (wrapped or not) is the ledger's refusal,
// carrying its rule, event index and EPC structurally; the store closing
// under a transaction is Unavailable (the caller may retry), any other
// failure Internal (the cause kept for the log, not shown), and neither is
// the caller's invalid input: not even a text that reads like a refusal,
// since the chaincode runs in process and refuses only with a RuleError.
func TestChaincodeFailureClasses(t *testing.T) {
	refusal := &chaincode.RuleError{Code: chaincode.CodeForbidden, Rule: "not-owner", EventIndex: problem.Index(2),
		EPC: "urn:epc:id:sgtin:0312345.067890.S1", Detail: "not yours"}
	for _, tc := range []struct {
		name    string
		err     error
		code    problem.Code
		refusal *chaincode.RuleError
	}{
		{"store closed", fmt.Errorf("read serial~x: %w", pebble.ErrClosed), problem.Unavailable, nil},
		{"decoding failed", fmt.Errorf("decode serial~x: %w", errors.New("unexpected end of JSON input")), problem.Internal, nil},
		{"refusal", refusal, problem.Forbidden, refusal},
		{"wrapped refusal", fmt.Errorf("capture: %w", refusal), problem.Forbidden, refusal},
		{"refusal with a code no refusal has", &chaincode.RuleError{Code: "teapot", Rule: "r"}, problem.Internal, nil},
		{"text that reads like a refusal", errors.New(refusal.Error()), problem.Internal, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			le := chaincodeFailure("tx1", tc.err)
			if le.Err.Code != tc.code {
				t.Errorf("code %s, want %s", le.Err.Code, tc.code)
			}
			if !errors.Is(le, tc.err) {
				t.Errorf("the cause is not kept in the chain (%v)", le)
			}
			re, ok := ledger.RefusalOf(le)
			if tc.refusal == nil {
				if ok || le.Err.Rule != "" || len(le.Err.Where) != 0 {
					t.Errorf("a failure reads as a refusal: %+v, rule %q, where %+v", re, le.Err.Rule, le.Err.Where)
				}
				return
			}
			if !ok || re.Rule != tc.refusal.Rule || re.EPC != tc.refusal.EPC || re.EventIndex == nil || *re.EventIndex != *tc.refusal.EventIndex {
				t.Fatalf("refusal %+v, want %+v", re, tc.refusal)
			}
			if le.Err.Rule != "not-owner" || le.Err.Detail != "not yours" || len(le.Err.Where) != 1 || *le.Err.Where[0].Index != 2 {
				t.Errorf("problem %+v: want rule, detail and event index of the refusal", le.Err)
			}
		})
	}
}

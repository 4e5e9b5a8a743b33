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

	broken.Store(true)
	ctx := context.Background()
	_, err = l.Submit(ctx, mfr, ledger.Transaction{Function: "put", Args: []string{"b", "2"}})
	le := wantCode(t, err, problem.Unavailable)
	if le.TxID == "" {
		t.Error("the failed commit's error names no transaction")
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

// TestChaincodeFailureClasses pins how an error of the chaincode that is not
// a refusal is answered: the store closing under a transaction is
// Unavailable (the caller may retry), any other failure Internal (the cause
// kept for the log, not shown), and neither is the caller's invalid input.
func TestChaincodeFailureClasses(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code problem.Code
	}{
		{fmt.Errorf("read serial~x: %w", pebble.ErrClosed), problem.Unavailable},
		{fmt.Errorf("decode serial~x: %w", errors.New("unexpected end of JSON input")), problem.Internal},
		{errors.New(`{"code":"forbidden","rule":"not-owner","detail":"not yours"}`), problem.Forbidden},
	} {
		le := chaincodeFailure("tx1", tc.err)
		if le.Err.Code != tc.code {
			t.Errorf("%v: code %s, want %s", tc.err, le.Err.Code, tc.code)
		}
		if !errors.Is(le, tc.err) {
			t.Errorf("%v: the cause is not kept in the chain (%v)", tc.err, le)
		}
		if want := map[bool]string{true: "not-owner"}[tc.code == problem.Forbidden]; le.Err.Rule != want {
			t.Errorf("%v: rule %q, want %q", tc.err, le.Err.Rule, want)
		}
	}
}

package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

const mfr = "ManufacturerMSP"

func submit(t *testing.T, l *Ledger, org, fn string, args ...string) ledger.Receipt {
	t.Helper()
	r, err := l.Submit(context.Background(), org, ledger.Transaction{Function: fn, Args: args})
	if err != nil {
		t.Fatalf("submit %s%v: %v", fn, args, err)
	}
	return r
}

func evaluate(t *testing.T, l *Ledger, org, fn string, args ...string) []byte {
	t.Helper()
	out, err := l.Evaluate(context.Background(), org, fn, args...)
	if err != nil {
		t.Fatalf("evaluate %s%v: %v", fn, args, err)
	}
	return out
}

func wantCode(t *testing.T, err error, code problem.Code) *ledger.Error {
	t.Helper()
	var le *ledger.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T): want a *ledger.Error", err, err)
	}
	if got := problem.CodeOf(err); got != code {
		t.Fatalf("error %v: code %s, want %s", err, got, code)
	}
	return le
}

func TestSubmitEvaluateHeight(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	ctx := context.Background()
	h0, err := l.Height(ctx)
	if err != nil || h0 != 1 {
		t.Fatalf("new ledger height = %d, %v; want 1 (the genesis block)", h0, err)
	}
	r1 := submit(t, l, mfr, "put", "a", "1")
	r2 := submit(t, l, mfr, "put", "a", "2")
	if r1.TxID == "" || r1.TxID == r2.TxID {
		t.Errorf("tx IDs %q, %q: want distinct, non-empty", r1.TxID, r2.TxID)
	}
	if r1.Block < 1 || r2.Block <= r1.Block {
		t.Errorf("blocks %d then %d: want increasing from 1", r1.Block, r2.Block)
	}
	if got := string(evaluate(t, l, "PharmacyMSP", "get", "a")); got != "2" {
		t.Errorf("get a = %q, want 2", got)
	}
	if got := evaluate(t, l, mfr, "get", "missing"); got != nil {
		t.Errorf("get missing = %q, want nil", got)
	}
	h, _ := l.Height(ctx)
	if h != r2.Block+1 {
		t.Errorf("height %d, want %d", h, r2.Block+1)
	}
	who := string(evaluate(t, l, "WholesalerMSP", "whoami"))
	if !strings.HasPrefix(who, "WholesalerMSP ") {
		t.Errorf("creator seen by the chaincode = %q, want WholesalerMSP", who)
	}
	r3 := submit(t, l, mfr, "incr", "n")
	if string(r3.Result) != "1" {
		t.Errorf("submit result %q, want 1", r3.Result)
	}
}

func TestEvaluateDiscardsWrites(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	evaluate(t, l, mfr, "put", "k", "v")
	if got := evaluate(t, l, mfr, "get", "k"); got != nil {
		t.Errorf("after evaluating a put, k = %q; want it absent", got)
	}
	if h, _ := l.Height(context.Background()); h != 1 {
		t.Errorf("height %d after evaluate, want 1", h)
	}
}

func TestRefusals(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	idx := `{"code":"forbidden","rule":"owner-only","eventIndex":3,"epc":"urn:epc:id:sgtin:0312345.012345.1","detail":"not the owner"}`
	tests := []struct {
		name       string
		org, fn    string
		args       []string
		code       problem.Code
		detail     string
		eventIndex int // -1: none
	}{
		{"unknown org", "NobodyMSP", "put", []string{"k", "v"}, problem.Forbidden, "not a member", -1},
		{"no function", mfr, "", nil, problem.Invalid, "no chaincode function", -1},
		{"plain chaincode error: a failure, not the caller's mistake", mfr, "fail", []string{"bad input"}, problem.Internal, "chaincode failed", -1},
		{"rule violation", mfr, "refuse", []string{idx}, problem.Forbidden, "not the owner", 3},
		{"wrapped rule violation", mfr, "refuse", []string{`{"code":"not-found","rule":"r","detail":"no such lot"}`, "capture"}, problem.NotFound, "no such lot", -1},
		{"rule violation with a conflict", mfr, "refuse", []string{`{"code":"conflict","rule":"shipped","detail":"already shipped"}`}, problem.Conflict, "already shipped", -1},
		{"unknown code is a failure", mfr, "refuse", []string{`{"code":"weird","rule":"r","detail":"x"}`}, problem.Internal, "chaincode failed", -1},
		{"a refusal's text is not a refusal", mfr, "fail", []string{idx}, problem.Internal, "chaincode failed", -1},
		{"chaincode panic", mfr, "panic", nil, problem.Internal, "chaincode failed", -1},
		{"private read of another org's collection", mfr, "getPrivate", []string{ImplicitCollection("PharmacyMSP"), "k"}, problem.Internal, "chaincode failed", -1},
		{"private write to a non-implicit collection", mfr, "putPrivate", []string{"shared", "k"}, problem.Internal, "chaincode failed", -1},
		{"private write for a non-member org", mfr, "putPrivate", []string{ImplicitCollection("NobodyMSP"), "k"}, problem.Internal, "chaincode failed", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := l.Height(context.Background())
			for _, call := range []string{"submit", "evaluate"} {
				var err error
				if call == "submit" {
					_, err = l.Submit(context.Background(), tc.org, ledger.Transaction{Function: tc.fn, Args: tc.args})
				} else {
					_, err = l.Evaluate(context.Background(), tc.org, tc.fn, tc.args...)
				}
				le := wantCode(t, err, tc.code)
				if !strings.Contains(le.Err.Detail, tc.detail) {
					t.Errorf("%s: detail %q, want it to mention %q", call, le.Err.Detail, tc.detail)
				}
				if tc.eventIndex >= 0 && (len(le.Err.Where) != 1 || *le.Err.Where[0].Index != tc.eventIndex) {
					t.Errorf("%s: where %+v, want event index %d", call, le.Err.Where, tc.eventIndex)
				}
				// A refusal reaches the caller whole: rule, event index and
				// EPC (ledger.RefusalOf); nothing else reads as one.
				re, ok := ledger.RefusalOf(err)
				if ok != (le.Err.Rule != "") || ok != (tc.fn == "refuse" && tc.code != problem.Internal) {
					t.Errorf("%s: refusal %+v, %v with rule %q", call, re, ok, le.Err.Rule)
				}
				if tc.eventIndex >= 0 && (!ok || re.EventIndex == nil || *re.EventIndex != tc.eventIndex || re.EPC != "urn:epc:id:sgtin:0312345.012345.1" || re.Rule != "owner-only") {
					t.Errorf("%s: refusal %+v, want rule owner-only, event index %d and the EPC", call, re, tc.eventIndex)
				}
			}
			if after, _ := l.Height(context.Background()); after != before {
				t.Errorf("height went from %d to %d: a refused transaction must not be ordered", before, after)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	var rs []ledger.Receipt
	rs = append(rs, submit(t, l, mfr, "put", "k\x00x", "1"))
	submit(t, l, mfr, "put", "k", "other") // a key that is a prefix must not mix in
	rs = append(rs, submit(t, l, mfr, "put", "k\x00x", "2"))
	rs = append(rs, submit(t, l, mfr, "del", "k\x00x"))
	var got []chaincode.HistoryEntry
	if err := json.Unmarshal(evaluate(t, l, mfr, "history", "k\x00x"), &got); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		val string
		del bool
	}{{"1", false}, {"2", false}, {"", true}}
	if len(got) != len(want) {
		t.Fatalf("history has %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.TxID != rs[i].TxID || g.Block != rs[i].Block || string(g.Value) != w.val || g.IsDelete != w.del {
			t.Errorf("entry %d = %+v, want tx %s block %d value %q delete %v", i, g, rs[i].TxID, rs[i].Block, w.val, w.del)
		}
		b, err := l.Block(rs[i].Block)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Txs) != 1 || !g.Timestamp.Equal(b.Txs[0].Time) {
			t.Errorf("entry %d has time %v, want its transaction's time in block %d", i, g.Timestamp, rs[i].Block)
		}
	}
}

func TestRange(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	for _, k := range []string{"r~b", "r~a", "r~c", "s~a", "q~z"} {
		submit(t, l, mfr, "put", k, "v")
	}
	tests := []struct {
		name, start, end, limit string
		want                    []string
	}{
		{"bounded", "r~", "r~~", "0", []string{"r~a", "r~b", "r~c"}},
		{"to the end", "r~b", "", "0", []string{"r~b", "r~c", "s~a"}},
		{"stopped early", "r~", "r~~", "2", []string{"r~a", "r~b"}},
		{"empty", "t", "u", "0", nil},
		{"end before start", "s", "r", "0", nil},
		{"end equals start", "r~a", "r~a", "0", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			if err := json.Unmarshal(evaluate(t, l, mfr, "keys", tc.start, tc.end, tc.limit), &got); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("keys = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestClosedLedgerIsUnavailable(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	submit(t, l, mfr, "put", "a", "1")
	if err := l.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	ctx := context.Background()
	_, err := l.Submit(ctx, mfr, ledger.Transaction{Function: "put", Args: []string{"a", "2"}})
	wantCode(t, err, problem.Unavailable)
	_, err = l.Evaluate(ctx, mfr, "get", "a")
	wantCode(t, err, problem.Unavailable)
	_, err = l.Height(ctx)
	wantCode(t, err, problem.Unavailable)
	err = l.Blocks(ctx, 0, func(ledger.Block) error { return nil })
	wantCode(t, err, problem.Unavailable)
	if err := l.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

func TestReopenKeepsChain(t *testing.T) {
	dir := t.TempDir()
	l := openAt(t, dir, nil, Options{})
	r := submit(t, l, mfr, "put", "a", "1")
	h1, tip1 := l.Tip()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openAt(t, dir, nil, Options{})
	h2, tip2 := l2.Tip()
	if h2 != h1 || tip2 != tip1 {
		t.Fatalf("reopened at height %d tip %s, want %d %s", h2, tip2, h1, tip1)
	}
	if got := string(evaluate(t, l2, mfr, "get", "a")); got != "1" {
		t.Errorf("a = %q after reopen, want 1", got)
	}
	r2 := submit(t, l2, mfr, "put", "a", "2")
	if r2.Block != r.Block+1 {
		t.Errorf("next block %d, want %d", r2.Block, r.Block+1)
	}
	l2.Close()
	if _, err := Verify(dir); err != nil {
		t.Errorf("verify: %v", err)
	}
}

func TestOpenRejectsBadArguments(t *testing.T) {
	tests := []struct {
		name string
		cons *Consortium
		cc   chaincode.Func
	}{
		{"no consortium", nil, (&kvChaincode{}).invoke},
		{"no chaincode", testConsortium(), nil},
		{"invalid consortium", &Consortium{Name: "x"}, (&kvChaincode{}).invoke},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if l, err := Open(t.TempDir(), tc.cons, tc.cc, quietOptions()); err == nil {
				l.Close()
				t.Fatal("open succeeded")
			}
		})
	}
}

func TestBlockCuttingOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"defaults", Options{}},
		{"no wait", Options{MaxBlockWait: -1}},
		{"one transaction per block", Options{MaxBlockTxs: 1}},
		// n below is a multiple of 3, so every block fills and none waits the hour.
		{"small blocks, long wait", Options{MaxBlockTxs: 3, MaxBlockWait: time.Hour}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := openTest(t, nil, tc.opts)
			const n = 30
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				go func() {
					_, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "put", Args: []string{fmt.Sprint("k", i), "v"}})
					errs <- err
				}()
			}
			for i := 0; i < n; i++ {
				if err := <-errs; err != nil {
					t.Fatalf("submit: %v", err)
				}
			}
			limit := tc.opts.withDefaults().MaxBlockTxs
			height, _ := l.Tip()
			total := 0
			for num := uint64(1); num < height; num++ {
				b, err := l.Block(num)
				if err != nil {
					t.Fatal(err)
				}
				if len(b.Txs) == 0 || len(b.Txs) > limit {
					t.Errorf("block %d holds %d transactions, want 1..%d", num, len(b.Txs), limit)
				}
				total += len(b.Txs)
			}
			if total != n {
				t.Errorf("blocks hold %d transactions, want %d", total, n)
			}
		})
	}
}

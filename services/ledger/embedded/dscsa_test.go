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
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Helpers that drive the real DSCSA chaincode (package chaincode) on the
// embedded ledger, for the integration test and the benchmarks.

const (
	dscsaGTIN    = "00312345678906" // company prefix 0312345, item reference 067890
	dscsaMfrGLN  = "0312345000004"
	dscsaExpiry  = "2027-03-31"
	dscsaExpYYMM = "270331"
)

var dscsaEventTime = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func dscsaSGTIN(serial string) string { return "urn:epc:id:sgtin:0312345.067890." + serial }

// dscsaPartners registers the four demo organisations as trading partners:
// each writes its record and the regulator attests what it claims.
func dscsaPartners(tb testing.TB, l ledger.Ledger) {
	tb.Helper()
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	lic := []chaincode.License{{Authority: "FDA", Number: "L-1", Expiry: far}}
	ps := []chaincode.Partner{
		{ID: "ManufacturerMSP", Name: "Acme Pharma", Roles: []chaincode.Role{chaincode.RoleManufacturer}, GLNs: []string{dscsaMfrGLN}, CompanyPrefixes: []string{"0312345"}, Licenses: lic},
		{ID: "WholesalerMSP", Name: "Big Wholesale", Roles: []chaincode.Role{chaincode.RoleWholesaler}, GLNs: []string{"0388888000009"}, CompanyPrefixes: []string{"0388888"}, Licenses: lic},
		{ID: "PharmacyMSP", Name: "Corner Pharmacy", Roles: []chaincode.Role{chaincode.RoleDispenser}, GLNs: []string{"0377777000008"}, Licenses: lic},
		{ID: "RegulatorMSP", Name: "FDA", Roles: []chaincode.Role{chaincode.RoleRegulator}, GLNs: []string{"0366666000007"}},
	}
	for _, p := range ps {
		raw, err := json.Marshal(p)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := l.Submit(context.Background(), p.ID, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(raw)}}); err != nil {
			tb.Fatalf("register %s: %v", p.ID, err)
		}
		att, err := json.Marshal(p.Claims())
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := l.Submit(context.Background(), "RegulatorMSP", ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{p.ID, string(att)}}); err != nil {
			tb.Fatalf("attest %s: %v", p.ID, err)
		}
	}
}

// commissionTx is a Capture transaction commissioning the serials in lot.
func commissionTx(tb testing.TB, lot string, serials []string) ledger.Transaction {
	tb.Helper()
	e := epcis.Event{
		Type: epcis.ObjectEventType, Action: epcis.ActionAdd, BizStep: "commissioning", Disposition: "active",
		EventTime: dscsaEventTime, EventTimeZoneOffset: "+00:00",
		ILMD: []epcis.Element{
			{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot},
			{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: dscsaExpiry},
		},
	}
	for _, s := range serials {
		e.EPCList = append(e.EPCList, dscsaSGTIN(s))
	}
	raw, err := json.Marshal([]epcis.Event{e})
	if err != nil {
		tb.Fatal(err)
	}
	return ledger.Transaction{Function: chaincode.FnCapture, Transient: map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}}
}

func serialRange(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, from+i)
	}
	return out
}

// verifyRequest is the Verify query argument for a serial of lot.
func verifyRequest(tb testing.TB, serial, lot string) string {
	tb.Helper()
	raw, err := json.Marshal(chaincode.VerifyRequest{GTIN: dscsaGTIN, Serial: serial, Lot: lot, Expiry: dscsaExpYYMM})
	if err != nil {
		tb.Fatal(err)
	}
	return string(raw)
}

func openDSCSA(tb testing.TB, dir string, opts Options) *Ledger {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = quietOptions().Logger
	}
	l, err := Open(dir, testConsortium(), chaincode.Invoke, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

// TestDSCSAChaincode runs the real chaincode end to end on the embedded
// ledger: partners, a commissioning, verification, the chaincode event, the
// private copy of the event, and verify of the stored chain.
func TestDSCSAChaincode(t *testing.T) {
	dir := t.TempDir()
	l := openDSCSA(t, dir, Options{})
	dscsaPartners(t, l)
	r, err := l.Submit(context.Background(), mfr, commissionTx(t, "LOT1", serialRange("S", 0, 50)))
	if err != nil {
		t.Fatalf("commission: %v", err)
	}
	var res chaincode.CaptureResult
	if err := json.Unmarshal(r.Result, &res); err != nil || len(res.Events) != 1 {
		t.Fatalf("capture result %s: %v", r.Result, err)
	}

	tests := []struct {
		name, serial, lot string
		verified          bool
	}{
		{"commissioned serial", "S7", "LOT1", true},
		{"unknown serial", "S999", "LOT1", false},
		{"wrong lot", "S7", "LOT2", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := l.Evaluate(context.Background(), "PharmacyMSP", chaincode.FnVerify, verifyRequest(t, tc.serial, tc.lot))
			if err != nil {
				t.Fatal(err)
			}
			var v chaincode.VerifyResult
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatal(err)
			}
			if v.Verified != tc.verified {
				t.Errorf("verify %s/%s = %+v, want verified=%v", tc.serial, tc.lot, v, tc.verified)
			}
		})
	}

	t.Run("event published", func(t *testing.T) {
		blocks := collectBlocks(t, l, r.Block, r.Block)
		if len(blocks) != 1 || len(blocks[0].Events) != 1 || blocks[0].Events[0].TxID != r.TxID || blocks[0].Events[0].Name != "dscsa" {
			t.Fatalf("block %d projection %+v, want the dscsa event of %s", r.Block, blocks, r.TxID)
		}
	})
	t.Run("private event body for the owner only", func(t *testing.T) {
		id := res.Events[0].HashID
		if _, err := l.Evaluate(context.Background(), mfr, chaincode.FnReadEvent, id); err != nil {
			t.Errorf("manufacturer reads its event %s: %v", id, err)
		}
		if _, err := l.Evaluate(context.Background(), "PharmacyMSP", chaincode.FnReadEvent, id); err == nil {
			t.Error("pharmacy read the manufacturer's private event")
		}
	})
	t.Run("duplicate commissioning is refused", func(t *testing.T) {
		_, err := l.Submit(context.Background(), mfr, commissionTx(t, "LOT1", []string{"S7", "X1"}))
		var le *ledger.Error
		if !errors.As(err, &le) {
			t.Fatalf("commissioning S7 twice: %v, want a *ledger.Error", err)
		}
		if c := problem.CodeOf(err); c != problem.Invalid && c != problem.Conflict && c != problem.Forbidden {
			t.Errorf("code %s (%v), want the chaincode's refusal code", c, err)
		}
		if len(le.Err.Where) != 1 || *le.Err.Where[0].Index != 0 {
			t.Errorf("where %+v, want event index 0", le.Err.Where)
		}
	})
	l.Close()
	if _, err := Verify(dir); err != nil {
		t.Errorf("verify: %v", err)
	}
}

type (
	ledgerTransaction = ledger.Transaction
	ledgerReceipt     = ledger.Receipt
)

// TestConcurrentCommissioningOfOneBlock: two commissionings executed on the
// same snapshot into one block of serials conflict (MVCC on the block's
// key), whether they share a serial or not, so a serial is never
// commissioned twice; the loser, submitted again, is refused when it
// repeats a serial and goes through when it does not.
func TestConcurrentCommissioningOfOneBlock(t *testing.T) {
	for _, tc := range []struct {
		name       string
		a, b       []string
		retryValid bool
	}{
		{"same serial", serialRange("S1", 100, 20), serialRange("S1", 119, 20), false},
		{"disjoint serials", serialRange("S2", 100, 20), serialRange("S2", 120, 20), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			open := func(opts Options) *Ledger {
				opts.Logger = quietOptions().Logger
				l, err := Open(dir, testConsortium(), chaincode.Invoke, opts)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			l := open(Options{})
			dscsaPartners(t, l)
			if _, err := l.Submit(context.Background(), mfr, commissionTx(t, "LOT1", []string{"X1"})); err != nil {
				t.Fatal(err)
			}
			l.Close()
			// Blocks cut at two transactions: both execute on the snapshot
			// before either commits.
			l = open(Options{MaxBlockTxs: 2, MaxBlockWait: time.Hour})
			txs := map[string]ledger.Transaction{"a": commissionTx(t, "LOT1", tc.a), "b": commissionTx(t, "LOT1", tc.b)}
			type named struct {
				name string
				err  error
			}
			results := make(chan named, 2)
			for name, tx := range txs {
				go func() {
					_, err := l.Submit(context.Background(), mfr, tx)
					results <- named{name, err}
				}()
			}
			var loser string
			for range 2 {
				o := <-results
				if o.err != nil {
					wantCode(t, o.err, problem.Conflict)
					if loser != "" {
						t.Fatalf("both commissionings failed: %v", o.err)
					}
					loser = o.name
				}
			}
			l.Close()
			if loser == "" {
				t.Fatal("both commissionings into one block committed")
			}
			l = open(Options{})
			defer l.Close()
			_, err := l.Submit(context.Background(), mfr, txs[loser])
			if tc.retryValid != (err == nil) {
				t.Fatalf("retry of %s: %v", loser, err)
			}
			want := 1 + 20 + 20
			if !tc.retryValid {
				want = 1 + 20
				if !strings.Contains(err.Error(), "already-commissioned") {
					t.Fatalf("retry refused with %v, want already-commissioned", err)
				}
			}
			var lot chaincode.LotStatus
			if err := json.Unmarshal(evaluate(t, l, mfr, chaincode.FnReadLot, dscsaGTIN, "LOT1"), &lot); err != nil {
				t.Fatal(err)
			}
			if lot.Commissioned != want {
				t.Fatalf("lot counts %d serials, want %d", lot.Commissioned, want)
			}
		})
	}
}

// eventTx is a Capture transaction of one event.
func eventTx(tb testing.TB, e epcis.Event) ledger.Transaction {
	tb.Helper()
	if e.EventTimeZoneOffset == "" {
		e.EventTimeZoneOffset = "+00:00"
	}
	raw, err := json.Marshal([]epcis.Event{e})
	if err != nil {
		tb.Fatal(err)
	}
	return ledger.Transaction{Function: chaincode.FnCapture, Transient: map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}}
}

// TestConcurrentChangesOfABlockSerial: a serial read through its block
// (no record of its own yet) is read with its own key's absence, so two
// transactions executed on one snapshot conflict when one of them gives it
// a record: two changes of the serial, and a lot stock check against the
// destruction of the only package it found.
func TestConcurrentChangesOfABlockSerial(t *testing.T) {
	const whsMSP, whsParty = "WholesalerMSP", "https://id.gs1.org/417/0388888000009"
	at := func(e epcis.Event, second int) epcis.Event {
		e.EventTime = dscsaEventTime.Add(time.Duration(second) * time.Second)
		return e
	}
	ship := func(serial string) epcis.Event {
		return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "shipping", Disposition: "in_transit",
			EPCList: []string{dscsaSGTIN(serial)}, DestinationList: []epcis.SourceDest{{Type: "owning_party", Value: whsParty}}}
	}
	step := func(step, disposition, serial string) epcis.Event {
		return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: step, Disposition: disposition,
			EPCList: []string{dscsaSGTIN(serial)}}
	}
	n := 1.0
	observeLot := epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "storing",
		QuantityList: []epcis.QuantityElement{{EPCClass: "urn:epc:class:lgtin:0312345.067890.LOT1", Quantity: &n, HasQuantity: true}}}
	type submission struct {
		org string
		tx  ledger.Transaction
	}
	// a and b execute on one snapshot and are ordered into one block
	// either way round. Both read and change the serial in the first case,
	// so whichever comes second conflicts. In the second, a only reads
	// (the lot's stock) and b destroys what a found: a conflicts if it is
	// ordered after b; before b, both are valid (a saw the stock as it was).
	for _, tc := range []struct {
		name      string
		setup     []submission
		a, b      submission
		onlyReads bool // a writes nothing b reads
	}{
		{"ship and destroy one serial", nil,
			submission{mfr, eventTx(t, at(ship("M105"), 10))},
			submission{mfr, eventTx(t, at(step("destroying", "", "M105"), 11))}, false},
		{"stock check and the stock leaving", []submission{
			{mfr, eventTx(t, at(ship("M105"), 1))},
			{whsMSP, eventTx(t, at(step("receiving", "", "M105"), 2))},
		},
			submission{whsMSP, eventTx(t, at(observeLot, 10))},
			submission{whsMSP, eventTx(t, at(step("destroying", "", "M105"), 11))}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := openDSCSA(t, dir, Options{})
			dscsaPartners(t, l)
			if _, err := l.Submit(context.Background(), mfr, commissionTx(t, "LOT1", serialRange("M", 100, 20))); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.setup {
				if _, err := l.Submit(context.Background(), s.org, s.tx); err != nil {
					t.Fatal(err)
				}
			}
			l.Close()
			// Blocks cut at two transactions: both execute on the snapshot
			// before either commits.
			l = openDSCSA(t, dir, Options{MaxBlockTxs: 2, MaxBlockWait: time.Hour})
			type result struct {
				name  string
				txID  string
				block uint64
				err   error
			}
			results := make(chan result, 2)
			for name, s := range map[string]submission{"a": tc.a, "b": tc.b} {
				go func() {
					r, err := l.Submit(context.Background(), s.org, s.tx)
					results <- result{name, r.TxID, r.Block, err}
				}()
			}
			code := map[string]problem.Code{}
			txID := map[string]string{}
			var block uint64
			for range 2 {
				r := <-results
				if r.err != nil {
					r.txID = wantCode(t, r.err, problem.Conflict).TxID
					code[r.name] = problem.Conflict
				} else {
					block = r.block
				}
				txID[r.name] = r.txID
			}
			if block == 0 {
				t.Fatal("both transactions failed")
			}
			b, err := l.Block(block)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Txs) != 2 {
				t.Fatalf("block %d holds %d transactions, want both", block, len(b.Txs))
			}
			aFirst := b.Txs[0].ID == txID["a"]
			second := "a"
			if aFirst {
				second = "b"
			}
			want := map[string]problem.Code{"a": "", "b": ""}
			if !tc.onlyReads || !aFirst {
				want[second] = problem.Conflict
			}
			if code["a"] != want["a"] || code["b"] != want["b"] {
				t.Fatalf("a first %v: outcomes a %q b %q, want a %q b %q", aFirst, code["a"], code["b"], want["a"], want["b"])
			}
		})
	}
}

package fabric

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// TestWithBlocks checks that filling the block numbers into a History answer
// gives exactly what the chaincode returns when it knows them (as on the
// embedded ledger).
func TestWithBlocks(t *testing.T) {
	at := time.Date(2026, 11, 21, 8, 30, 15, 123456789, time.UTC)
	entries := []chaincode.CustodyEntry{
		{TxID: "aa01", Time: at, Serial: &chaincode.SerialRecord{GTIN: "00312345678906", Serial: "S\"1<é>", Lot: "L1", Custody: chaincode.Custody{Owner: "ManufacturerMSP", Status: chaincode.StatusActive}}},
		{TxID: "bb02", Time: at.Add(time.Second), Serial: &chaincode.SerialRecord{GTIN: "00312345678906", Serial: "S\"1<é>", Lot: "L1", Custody: chaincode.Custody{Owner: "WholesalerMSP", Status: chaincode.StatusActive}}},
		{TxID: "aa01", Time: at, Deleted: true},
		{TxID: "cc03", Block: 99, Time: at.Add(2 * time.Second), Container: &chaincode.ContainerRecord{SSCC: "003123450000000017", Custody: chaincode.Custody{Owner: "PharmacyMSP"}}},
	}
	numbers := map[string]uint64{"aa01": 12, "bb02": 1 << 33}
	raw, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	spans, err := historySpans(raw)
	if err != nil {
		t.Fatalf("historySpans: %v", err)
	}
	if len(spans) != len(entries) {
		t.Fatalf("%d spans, want %d", len(spans), len(entries))
	}
	for i, s := range spans {
		if s.txID != entries[i].TxID || s.block != entries[i].Block {
			t.Fatalf("span %d: %s/%d, want %s/%d", i, s.txID, s.block, entries[i].TxID, entries[i].Block)
		}
	}
	got := withBlocks(raw, spans, numbers)
	for i := range entries {
		if n, ok := numbers[entries[i].TxID]; ok {
			entries[i].Block = n
		}
	}
	want, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("filled answer\n%s\nwant\n%s", got, want)
	}

	t.Run("spacing is kept", func(t *testing.T) {
		var indented bytes.Buffer
		if err := json.Indent(&indented, raw, " ", "\t"); err != nil {
			t.Fatal(err)
		}
		spans, err := historySpans(indented.Bytes())
		if err != nil {
			t.Fatalf("historySpans: %v", err)
		}
		var wantIndented bytes.Buffer
		if err := json.Indent(&wantIndented, want, " ", "\t"); err != nil {
			t.Fatal(err)
		}
		if got := withBlocks(indented.Bytes(), spans, numbers); !bytes.Equal(got, wantIndented.Bytes()) {
			t.Fatalf("filled answer\n%s\nwant\n%s", got, wantIndented.Bytes())
		}
	})

	for _, bad := range []string{
		``, `{}`, `[`, `[{"txId":"a","block":0}`, `[1]`,
		`[{"block":0}]`, `[{"txId":"a"}]`, `[{"txId":"","block":0}]`,
		`[{"txId":"a","block":-1}]`, `[{"txId":"a","block":1.5}]`, `[{"txId":"a","block":"0"}]`,
		`[{"txId":7,"block":0}]`,
	} {
		if _, err := historySpans([]byte(bad)); err == nil {
			t.Errorf("historySpans(%s) succeeded, want an error", bad)
		}
	}
	if spans, err := historySpans([]byte(`[]`)); err != nil || len(spans) != 0 {
		t.Errorf("historySpans([]) = %v, %v", spans, err)
	}
}

func TestBlockCacheIsBounded(t *testing.T) {
	c := newBlockCache(3)
	for i := range 5 {
		c.put(fmt.Sprint("tx", i), uint64(10+i))
	}
	c.put("tx4", 99) // already known: unchanged, nothing dropped
	if len(c.m) != 3 {
		t.Fatalf("%d entries, want 3", len(c.m))
	}
	for i := range 5 {
		n, ok := c.get(fmt.Sprint("tx", i))
		if want := i >= 2; ok != want || (ok && n != uint64(10+i)) {
			t.Errorf("tx%d: %d %v, want present=%v with %d", i, n, ok, want, 10+i)
		}
	}
}

// TestHistoryBlocksAreTheTransactionsBlocks commissions a serial and changes
// it twice on the rxledger chaincode, then reads its custody history as each
// organisation: every entry carries the number of the block that holds its
// transaction, as the receipts and the block stream say, and the answer is
// the chaincode's own with only those numbers filled in.
func TestHistoryBlocksAreTheTransactionsBlocks(t *testing.T) {
	p := network(t)
	if !strings.Contains(" "+p["RXL_FABRIC_CHAINCODES"]+" ", " rxledger ") {
		t.Skip("the network has no rxledger chaincode (chaincode/cmd/rxledger-cc is missing)")
	}
	name := fmt.Sprintf("rxl-hist-%x", rand.Uint32())
	if out, err := runScript("define", name, "rxledger"); err != nil {
		t.Fatalf("define chaincode %s: %v\n%s", name, err, out)
	}
	l := newTestLedger(t, name)
	ctx := context.Background()
	registerManufacturer(t, l)
	epc, commissioned := commission(t, l, "hist-1")
	receipts := []ledger.Receipt{commissioned}
	for _, state := range []chaincode.Investigation{chaincode.InvestigationSuspect, chaincode.InvestigationCleared} {
		r, err := l.Submit(ctx, regulator, ledger.Transaction{Function: chaincode.FnSetInvestigation, Args: []string{epc, string(state)}})
		if err != nil {
			t.Fatalf("SetInvestigation %s: %v", state, err)
		}
		receipts = append(receipts, r)
	}
	for i := 1; i < len(receipts); i++ {
		if receipts[i].Block <= receipts[i-1].Block {
			t.Fatalf("receipt blocks %d then %d: the transactions should be in successive blocks", receipts[i-1].Block, receipts[i].Block)
		}
	}

	// The blocks of the three transactions, from the block stream.
	streamed := map[string]uint64{}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := l.Blocks(sctx, receipts[0].Block, func(b ledger.Block) error {
		for _, ev := range b.Events {
			streamed[ev.TxID] = b.Number
		}
		if b.Number >= receipts[len(receipts)-1].Block {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Blocks: %v", err)
	}

	// What the chaincode itself answers: no block numbers.
	og := l.orgs[pharmacy]
	plain, err := og.contract.EvaluateWithContext(ctx, chaincode.FnHistory, client.WithArguments(epc), client.WithEndorsingOrganizations(pharmacy))
	if err != nil {
		t.Fatalf("History straight from the chaincode: %v", err)
	}

	for _, org := range []string{pharmacy, manufacturer, regulator, wholesaler} {
		t.Run(org, func(t *testing.T) {
			raw, err := l.Evaluate(ctx, org, chaincode.FnHistory, epc)
			if err != nil {
				t.Fatalf("History: %v", err)
			}
			var hist []chaincode.CustodyEntry
			if err := json.Unmarshal(raw, &hist); err != nil {
				t.Fatalf("decode History: %v", err)
			}
			if len(hist) != len(receipts) {
				t.Fatalf("%d history entries, want %d:\n%s", len(hist), len(receipts), raw)
			}
			for i, e := range hist {
				if e.TxID != receipts[i].TxID {
					t.Fatalf("entry %d is transaction %s, want %s", i, e.TxID, receipts[i].TxID)
				}
				if e.Block == 0 || e.Block != receipts[i].Block || e.Block != streamed[e.TxID] {
					t.Errorf("entry %d (tx %s) block %d; the receipt says %d, the block stream %d", i, e.TxID, e.Block, receipts[i].Block, streamed[e.TxID])
				}
			}
			if zeroed := zeroBlocks(t, raw); !bytes.Equal(zeroed, plain) {
				t.Errorf("the answer with its blocks set to 0\n%s\nis not the chaincode's\n%s", zeroed, plain)
			}
		})
	}
	for _, r := range receipts {
		if n, ok := l.blocks.get(r.TxID); !ok || n != r.Block {
			t.Errorf("cached block of %s: %d %v, want %d", r.TxID, n, ok, r.Block)
		}
	}

	// Commit status answers for any committed transaction of the channel,
	// not only those submitted through the peer's own gateway: each
	// organisation's peer, as that organisation, gives each transaction's
	// block with nothing cached (the transactions were submitted as the
	// Manufacturer and the Regulator).
	t.Run("every organisation's peer gives every transaction's block", func(t *testing.T) {
		for _, org := range []string{pharmacy, manufacturer, regulator, wholesaler} {
			for _, r := range receipts {
				l.blocks = newBlockCache(blockCacheSize)
				n, err := l.blockOf(ctx, l.orgs[org], r.TxID)
				if err != nil || n != r.Block {
					t.Errorf("block of %s on %s's peer: %d, %v; the receipt says %d", r.TxID, org, n, err, r.Block)
				}
			}
		}
	})

	t.Run("an unknown transaction is unavailable, not block 0", func(t *testing.T) {
		n, err := l.blockOf(ctx, l.orgs[manufacturer], strings.Repeat("0", 64))
		wantCode(t, err, problem.Unavailable)
		if n != 0 {
			t.Errorf("block %d returned with the error", n)
		}
	})
}

// zeroBlocks returns a History answer with every entry's block number set to
// 0.
func zeroBlocks(t *testing.T, raw []byte) []byte {
	t.Helper()
	spans, err := historySpans(raw)
	if err != nil {
		t.Fatalf("historySpans: %v", err)
	}
	for i := range spans {
		spans[i].block = 0
	}
	return withBlocks(raw, spans, nil)
}

// fakeHistory returns a History answer of n entries, each of its own
// transaction, with block 0 as the chaincode writes on Fabric, and the blocks
// of those transactions.
func fakeHistory(t *testing.T, n int) ([]byte, map[string]uint64) {
	t.Helper()
	at := time.Date(2026, 11, 21, 8, 30, 15, 0, time.UTC)
	entries := make([]chaincode.CustodyEntry, n)
	blocks := map[string]uint64{}
	for i := range entries {
		id := fmt.Sprintf("%064x", i+1)
		entries[i] = chaincode.CustodyEntry{TxID: id, Time: at.Add(time.Duration(i) * time.Second),
			Serial: &chaincode.SerialRecord{GTIN: "00312345678906", Serial: "S1", Lot: "L1", Custody: chaincode.Custody{Owner: "ManufacturerMSP", Status: chaincode.StatusActive}}}
		blocks[id] = uint64(100 + 3*i)
	}
	raw, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	return raw, blocks
}

// checkHistoryBlocks checks that every entry of a History answer carries its
// transaction's block.
func checkHistoryBlocks(t *testing.T, raw []byte, blocks map[string]uint64) {
	t.Helper()
	var hist []chaincode.CustodyEntry
	if err := json.Unmarshal(raw, &hist); err != nil {
		t.Fatalf("decode History: %v", err)
	}
	if len(hist) != len(blocks) {
		t.Fatalf("%d entries, want %d", len(hist), len(blocks))
	}
	for _, e := range hist {
		if e.Block != blocks[e.TxID] {
			t.Errorf("tx %s: block %d, want %d", e.TxID, e.Block, blocks[e.TxID])
		}
	}
}

// TestHistoryLooksEachBlockUpOnce reads a History with more transactions than
// the block cache holds: each transaction's block is still looked up once,
// not again because the answer's own lookups pushed it out of the cache, and
// every lookup is signed as the organisation reading the History.
func TestHistoryLooksEachBlockUpOnce(t *testing.T) {
	raw, blocks := fakeHistory(t, 10)
	f := &fakeGateway{history: raw, blocks: blocks}
	l := serveFake(t, f, "PharmacyMSP")
	l.blocks = newBlockCache(3)
	got, err := l.Evaluate(context.Background(), "PharmacyMSP", chaincode.FnHistory, "epc")
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	checkHistoryBlocks(t, got, blocks)
	lookups, _ := f.counts()
	for id := range blocks {
		if lookups[id] != 1 {
			t.Errorf("block of %s looked up %d times, want once", id[len(id)-4:], lookups[id])
		}
	}
	if signers := f.signedBy(); len(signers) != 1 || signers["PharmacyMSP"] != len(blocks) {
		t.Errorf("lookups signed by %v, want all %d by PharmacyMSP", signers, len(blocks))
	}
}

// TestHistoryBlockLookupsAreBoundedPerLedger reads three uncached Histories at
// once: lookups are bounded for the Ledger (blockLookups at a time), not for
// each answer, so concurrent queries cannot multiply the requests a Ledger
// keeps open on its peers (each of which a peer may hold up to
// blockLookupWait). The fake peer holds each lookup until more than
// blockLookups are in flight, or for at most 300 ms.
func TestHistoryBlockLookupsAreBoundedPerLedger(t *testing.T) {
	raw, blocks := fakeHistory(t, 3*blockLookups)
	f := &fakeGateway{history: raw, blocks: blocks}
	over := make(chan struct{})
	var once sync.Once
	f.hold = func(string) {
		f.mu.Lock()
		if f.inFlight > blockLookups {
			once.Do(func() { close(over) })
		}
		f.mu.Unlock()
		select {
		case <-over:
		case <-time.After(300 * time.Millisecond):
		}
	}
	l := serveFake(t, f, "PharmacyMSP", "WholesalerMSP", "ManufacturerMSP")
	var wg sync.WaitGroup
	for _, org := range []string{"PharmacyMSP", "WholesalerMSP", "ManufacturerMSP"} {
		wg.Go(func() {
			got, err := l.Evaluate(context.Background(), org, chaincode.FnHistory, "epc")
			if err != nil {
				t.Errorf("History as %s: %v", org, err)
				return
			}
			checkHistoryBlocks(t, got, blocks)
		})
	}
	wg.Wait()
	if _, most := f.counts(); most > blockLookups {
		t.Errorf("%d block lookups in flight at once, want at most %d", most, blockLookups)
	}
}

// TestHistoryBlockFailureIsUnavailable: a transaction whose block the peer
// does not give (not committed, committed invalid, block 0, access denied)
// fails the whole answer as Unavailable, and nothing of it is cached. A
// transaction the peer has not committed holds the lookup (as Fabric's
// CommitStatus does) until the lookup's own deadline, at most
// blockLookupWait away, not the caller's.
func TestHistoryBlockFailureIsUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name string
		fake func(f *fakeGateway, lost string)
	}{
		{"not committed", func(f *fakeGateway, lost string) {}},
		{"committed invalid", func(f *fakeGateway, lost string) { f.invalid = map[string]uint64{lost: 7} }},
		{"block 0", func(f *fakeGateway, lost string) { f.blocks[lost] = 0 }},
		{"access denied", func(f *fakeGateway, lost string) { f.deny = "PharmacyMSP" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw, blocks := fakeHistory(t, 6)
			known := map[string]uint64{}
			var lost string
			for id, n := range blocks {
				if lost == "" {
					lost = id
					continue
				}
				known[id] = n
			}
			f := &fakeGateway{history: raw, blocks: known}
			tt.fake(f, lost)
			l := serveFake(t, f, "PharmacyMSP")
			got, err := l.Evaluate(context.Background(), "PharmacyMSP", chaincode.FnHistory, "epc")
			wantCode(t, err, problem.Unavailable)
			if got != nil {
				t.Errorf("answer %s returned with the error", got)
			}
			if _, ok := l.blocks.get(lost); ok {
				t.Errorf("the lost transaction's block is cached")
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.deny == "" && f.lookups[lost] != 1 {
				t.Errorf("the lost transaction looked up %d times, want once", f.lookups[lost])
			}
			if f.noDeadline > 0 || f.longest > blockLookupWait {
				t.Errorf("%d lookups without a deadline; the longest had %s left, want at most %s", f.noDeadline, f.longest, blockLookupWait)
			}
		})
	}
}

// TestHistorySpansReadOnlyTheEntrysOwnMembers: only an entry's own "txId"
// and "block" members count, however they are spelt or spaced; the same
// names inside its serial or container record, or inside a string, are
// left alone, and so is a block the chaincode already knows.
func TestHistorySpansReadOnlyTheEntrysOwnMembers(t *testing.T) {
	raw := []byte("[ {\"serial\":{\"block\":0,\"txId\":\"inner\",\"note\":\"\\\"block\\\":0\"},\"t\\u0078Id\" : \"a\\u0031\" ,\n\"bl\\u006fck\"\t:\t0 },\n" +
		`{"txId":"b2","block":17,"container":{"txId":"a1","block":0}}, {"block":0,"txId":"a1","deleted":true}]`)
	spans, err := historySpans(raw)
	if err != nil {
		t.Fatalf("historySpans: %v", err)
	}
	want := []struct {
		tx    string
		block uint64
	}{{"a1", 0}, {"b2", 17}, {"a1", 0}}
	if len(spans) != len(want) {
		t.Fatalf("%d spans, want %d", len(spans), len(want))
	}
	for i, s := range spans {
		if s.txID != want[i].tx || s.block != want[i].block {
			t.Errorf("span %d: %s/%d, want %s/%d", i, s.txID, s.block, want[i].tx, want[i].block)
		}
	}
	got := withBlocks(raw, spans, map[string]uint64{"a1": 4096})
	wantRaw := []byte("[ {\"serial\":{\"block\":0,\"txId\":\"inner\",\"note\":\"\\\"block\\\":0\"},\"t\\u0078Id\" : \"a\\u0031\" ,\n\"bl\\u006fck\"\t:\t4096 },\n" +
		`{"txId":"b2","block":17,"container":{"txId":"a1","block":0}}, {"block":4096,"txId":"a1","deleted":true}]`)
	if !bytes.Equal(got, wantRaw) {
		t.Fatalf("filled answer\n%s\nwant\n%s", got, wantRaw)
	}
}

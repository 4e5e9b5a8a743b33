package embedded

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// TestLocateWriteMatchesDecode checks the positions a block records when it
// is sealed against those recomputed from its bytes, and the history's way of
// reading one write out of a stored block against decoding the whole block,
// on a block with every kind of transaction content.
func TestLocateWriteMatchesDecode(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 8, 0, 0, 123, time.UTC)
	b := &Block{Header: Header{Number: 7, Time: t0}, Txs: []Tx{
		{ID: "tx0", Creator: "A", Time: t0, Function: "f", Args: []string{"x", ""},
			Writes:        []Write{{Key: "a", Value: []byte("1")}, {Key: "b", Delete: true}, {Key: "c\x00d", Value: []byte{}}},
			PrivateWrites: []PrivateWrite{{Collection: "_implicit_org_A", Key: "p", ValueHash: Hash{1}}},
			Event:         &Event{Name: "e", Payload: []byte("payload")}, Signature: []byte("sig")},
		{ID: "tx1", Creator: "B", Time: t0.Add(time.Second), Function: "g", Writes: []Write{{Key: "a", Value: []byte("lost")}}, Code: TxMVCCConflict},
		{ID: "tx2", Creator: "B", Time: t0.Add(2 * time.Second), Function: "h",
			Writes: []Write{{Key: "a", Value: bytes.Repeat([]byte("v"), 300)}, {Key: "z", Delete: true}}},
		{ID: "tx3", Creator: "C", Time: t0.Add(3 * time.Second), Function: "read only"},
	}}
	var sealed positions
	data := b.sealData(Hash{9}, nil, &sealed)
	raw := b.appendStored(nil, data)
	if len(raw) != b.storedLen(data) {
		t.Fatalf("stored %d bytes, storedLen says %d", len(raw), b.storedLen(data))
	}
	if !bytes.Equal(raw, (&Block{Header: Header{Number: 7, Time: t0}, Txs: b.Txs}).seal(Hash{9})) {
		t.Error("seal and sealData+appendStored differ")
	}
	dec, err := decodeBlock(raw)
	if err != nil {
		t.Fatal(err)
	}
	// seal hashes the writes as it encodes them; the verifier re-encodes.
	if dec.StateHash != stateHash(dec.Txs) || dec.DataHash != sha256.Sum256(dec.data) || dec.PrevHash != (Hash{9}) {
		t.Errorf("sealed header %+v does not match the recomputed hashes", dec.Header)
	}
	walked, err := dataPositions(dec.data)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(walked.tx, walked.writes) != fmt.Sprint(sealed.tx, sealed.writes) {
		t.Fatalf("positions recomputed from the block %v %v, recorded when sealed %v %v", walked.tx, walked.writes, sealed.tx, sealed.writes)
	}
	for ti, tx := range dec.Txs {
		for wi, w := range tx.Writes {
			rec := encodeHistory(sealed.writes[ti][wi], sealed.tx[ti], w.Delete)
			got, err := locateWrite(raw, uint32(ti), rec)
			if tx.Code != TxValid {
				if err == nil {
					t.Errorf("tx %d (invalid) write %d: located %+v, want an error", ti, wi, got)
				}
				continue
			}
			if err != nil {
				t.Fatalf("tx %d write %d: %v", ti, wi, err)
			}
			if got.txID != tx.ID || !got.time.Equal(tx.Time) || got.key != w.Key || got.del != w.Delete || !bytes.Equal(got.value, w.Value) {
				t.Errorf("tx %d write %d: located %+v, decoded %+v of %s at %v", ti, wi, got, w, tx.ID, tx.Time)
			}
			if _, err := locateWrite(raw, uint32(ti), encodeHistory(sealed.writes[ti][wi], sealed.tx[ti], !w.Delete)); err == nil {
				t.Errorf("tx %d write %d: located with the wrong delete flag", ti, wi)
			}
		}
	}
	rec := encodeHistory(sealed.writes[0][0], sealed.tx[0], false)
	if _, err := locateWrite(raw, uint32(len(b.Txs)), rec); err == nil {
		t.Error("a transaction past the block's last was located")
	}
	if _, err := locateWrite(raw, 0, encodeHistory(len(data), 0, false)); err == nil {
		t.Error("a write past the block's data was located")
	}
	// Records and blocks that do not decode are errors, not panics.
	for cut := 0; cut < len(raw); cut += 7 {
		locateWrite(raw[:cut], 2, encodeHistory(sealed.writes[2][1], sealed.tx[2], true))
	}
	for off := 0; off < len(data); off++ {
		for back := 0; back <= off; back += 5 {
			locateWrite(raw, 0, encodeHistory(off, off-back, false))
		}
	}
	for _, bad := range [][]byte{nil, {0x80}, {2}, {2, 3}, {2, 0, 0}} {
		if _, _, _, err := decodeHistory(bad); err == nil {
			t.Errorf("history record %x decoded", bad)
		}
	}
}

// TestHistoryInSharedBlocks checks history entries of keys written by
// several transactions of the same block and by transactions writing many
// keys, through a reopen (entries then come from stored tables, not the
// memtable).
func TestHistoryInSharedBlocks(t *testing.T) {
	l, dir := openTest(t, nil, Options{MaxBlockWait: 20 * time.Millisecond})
	const rounds, writers = 3, 4
	type want struct {
		txID  string
		block uint64
		value string
	}
	wants := make(map[string][]want) // key -> entries in commit order
	var mu sync.Mutex
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each writer has its own keys, so no conflicts; the
				// wait makes the writers share blocks.
				key := fmt.Sprintf("w%d", w)
				val := fmt.Sprintf("r%d-w%d", r, w)
				rc, err := l.Submit(context.Background(), mfr, ledger.Transaction{Function: "put", Args: []string{key, val}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				wants[key] = append(wants[key], want{rc.TxID, rc.Block, val})
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	many := submit(t, l, mfr, "putMany", "m", "50")
	shared := false
	for _, ws := range wants {
		for _, w := range ws {
			b, err := l.Block(w.block)
			if err != nil {
				t.Fatal(err)
			}
			shared = shared || len(b.Txs) > 1
		}
	}
	if !shared {
		t.Log("no block held more than one transaction; the shared-block case was not exercised")
	}
	check := func(l *Ledger) {
		t.Helper()
		for key, ws := range wants {
			var got []chaincode.HistoryEntry
			if err := json.Unmarshal(evaluate(t, l, mfr, "history", key), &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(ws) {
				t.Fatalf("history of %s: %d entries, want %d", key, len(got), len(ws))
			}
			for i, w := range ws {
				if got[i].TxID != w.txID || got[i].Block != w.block || string(got[i].Value) != w.value || got[i].IsDelete {
					t.Errorf("history of %s entry %d = %+v, want %+v", key, i, got[i], w)
				}
			}
		}
		for _, k := range []string{"m0000000", "m0000031", "m0000049"} {
			var got []chaincode.HistoryEntry
			if err := json.Unmarshal(evaluate(t, l, mfr, "history", k), &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].TxID != many.TxID || got[0].Block != many.Block || len(got[0].Value) == 0 {
				t.Errorf("history of %s = %+v, want one entry of %s", k, got, many.TxID)
			}
		}
	}
	check(l)
	if err := l.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openAt(t, dir, nil, Options{})
	check(l2)
	if _, err := l2.Height(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestHistoryOfKeysRewrittenInOneBlock checks the history of keys written,
// deleted and written again by several transactions of the same block, and
// of a key written in a later block by a transaction that failed MVCC
// validation next to valid ones: every valid write has its entry, in block then
// transaction order, with its own transaction, value and delete flag; the
// invalid one has none; and Verify accepts the store.
func TestHistoryOfKeysRewrittenInOneBlock(t *testing.T) {
	g := newGates("A")
	l, dir := openTest(t, &kvChaincode{gate: g.wait}, Options{MaxBlockTxs: 4, MaxBlockWait: time.Hour})
	blocks := map[uint64]bool{}
	wait := func(outs []chan outcome) {
		for _, ch := range outs {
			out := <-ch
			if out.err != nil {
				t.Fatal(out.err)
			}
			blocks[out.r.Block] = true
		}
	}
	var outs []chan outcome
	for _, call := range [][]string{{"put", "k", "0"}, {"put", "a", "1"}, {"put", "b", "1"}, {"put", "c", "1"}} {
		outs = append(outs, submitAsync(l, call[0], call[1:]...)) // one block of four
	}
	wait(outs)
	held := submitAsync(l, "waitIncr", "k", "A") // reads k = 0
	<-g.reached["A"]
	outs = outs[:0]
	for _, call := range [][]string{{"put", "k", "1"}, {"del", "k"}, {"put", "k", "3"}, {"put", "j", "x"}} {
		outs = append(outs, submitAsync(l, call[0], call[1:]...)) // one block of four
	}
	wait(outs)
	close(g.release["A"]) // its read of k is now stale
	outs = outs[:0]
	for _, call := range [][]string{{"put", "k", "5"}, {"del", "j"}, {"put", "j", "6"}} {
		outs = append(outs, submitAsync(l, call[0], call[1:]...)) // a block with A
	}
	wait(outs)
	lost := <-held
	le := wantCode(t, lost.err, problem.Conflict)
	if len(blocks) != 3 {
		t.Fatalf("the eleven valid writes went to blocks %v, want three blocks", blocks)
	}
	want := map[string][]chaincode.HistoryEntry{}
	invalid := 0
	for n := uint64(1); n <= 3; n++ {
		b, err := l.Block(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Txs) != 4 {
			t.Fatalf("block %d has %d transactions, want 4", n, len(b.Txs))
		}
		for i, tx := range b.Txs {
			if tx.Code != TxValid {
				invalid++
				if tx.ID != le.TxID || len(tx.Writes) != 1 || tx.Writes[0].Key != "k" {
					t.Fatalf("block %d transaction %d %s is %s, want only %s (which wrote k)", n, i, tx.ID, tx.Code, le.TxID)
				}
				_, closer, err := l.db.Get(historyKey("k", Version{Block: n, Tx: uint32(i)}))
				if err == nil {
					closer.Close()
					t.Errorf("the invalid transaction's write of k has a history record")
				}
				continue
			}
			for _, w := range tx.Writes {
				want[w.Key] = append(want[w.Key], chaincode.HistoryEntry{TxID: tx.ID, Block: n, Value: w.Value, IsDelete: w.Delete})
			}
		}
	}
	if invalid != 1 {
		t.Fatalf("%d invalid transactions, want 1", invalid)
	}
	if len(want["k"]) != 5 || len(want["j"]) != 3 {
		t.Fatalf("valid writes: %d of k, %d of j; want 5 and 3", len(want["k"]), len(want["j"]))
	}
	for key, ws := range want {
		var got []chaincode.HistoryEntry
		if err := json.Unmarshal(evaluate(t, l, mfr, "history", key), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ws) {
			t.Fatalf("history of %s: %d entries, want %d: %+v", key, len(got), len(ws), got)
		}
		for i, w := range ws {
			g := got[i]
			if g.TxID != w.TxID || g.Block != w.Block || g.IsDelete != w.IsDelete || !bytes.Equal(g.Value, w.Value) {
				t.Errorf("history of %s entry %d = %+v, want %+v", key, i, g, w)
			}
		}
		last := ws[len(ws)-1]
		if got := evaluate(t, l, mfr, "get", key); !bytes.Equal(got, last.Value) {
			t.Errorf("%s = %q, want %q (its last valid write)", key, got, last.Value)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if rep.Writes != 11 || rep.Valid != 11 || rep.Transactions != 12 {
		t.Errorf("verify report %+v, want 11 valid writes by 11 valid of 12 transactions", rep)
	}
}

package embedded

import (
	"bytes"
	"reflect"
	"sort"
	"testing"
	"time"
)

func TestEscapedKeysKeepOrder(t *testing.T) {
	keys := []string{"", "a", "a\x00", "a\x00\x00", "a\x00b", "a\x01", "ab", "b", "\x00", "\xff"}
	for _, k := range keys {
		t.Run("roundtrip "+string(bytes.ReplaceAll([]byte(k), []byte{0}, []byte("\\0"))), func(t *testing.T) {
			v := Version{Block: 7, Tx: 3}
			got, gv, err := parseHistoryKey(historyKey(k, v))
			if err != nil || got != k || gv != v {
				t.Errorf("parse(history(%q)) = %q %v %v", k, got, gv, err)
			}
			coll, key, err := parsePrivateKey(privateKey("_implicit_org_A\x00", k))
			if err != nil || coll != "_implicit_org_A\x00" || key != k {
				t.Errorf("parse(private(%q)) = %q %q %v", k, coll, key, err)
			}
		})
	}
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	byHistory := append([]string(nil), keys...)
	sort.Slice(byHistory, func(i, j int) bool {
		return bytes.Compare(historyKey(byHistory[i], Version{Block: 9}), historyKey(byHistory[j], Version{Block: 1})) < 0
	})
	if !reflect.DeepEqual(sorted, byHistory) {
		t.Errorf("history keys sort as %q, state keys as %q", byHistory, sorted)
	}
}

func TestBlockRoundTrip(t *testing.T) {
	b := &Block{
		Header: Header{Number: 5, Time: time.Unix(0, 1234567890).UTC()},
		Txs: []Tx{
			{ID: "t1", Creator: "AMSP", Time: time.Unix(1, 2).UTC(), Function: "f", Args: []string{"x", ""},
				Writes:        []Write{{Key: "k", Value: []byte("v")}, {Key: "d", Delete: true}, {Key: "e", Value: []byte{}}},
				PrivateWrites: []PrivateWrite{{Collection: "_implicit_org_AMSP", Key: "p", ValueHash: Hash{1, 2}}},
				Event:         &Event{Name: "ev", Payload: []byte("{}")}, Signature: []byte{1, 2, 3}},
			{ID: "t2", Creator: "BMSP", Time: time.Unix(3, 4).UTC(), Function: "g", Code: TxMVCCConflict},
		},
	}
	raw := b.seal(Hash{9})
	got, err := decodeBlock(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.hash() != b.hash() {
		t.Error("decoded header hashes differently")
	}
	if !reflect.DeepEqual(got.Txs, b.Txs) {
		t.Errorf("transactions\n got %+v\nwant %+v", got.Txs, b.Txs)
	}
	for cut := 0; cut < len(raw); cut += 7 {
		if _, err := decodeBlock(raw[:cut]); err == nil {
			t.Errorf("a block cut to %d of %d bytes decoded", cut, len(raw))
		}
	}
}

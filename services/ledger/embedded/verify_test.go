package embedded

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble"

	"rxledger/services/ledger"
)

// verifyFixture builds a small closed ledger and returns its directory and
// the receipts of its transactions, in order:
// 0 put a=1, 1 private t3~1, 2 put b=2, 3 put a=3, 4 del b, 5 put c=x,
// 6 private t3~2, 7 private t3~2 again (another value).
func verifyFixture(t *testing.T) (string, []ledger.Receipt) {
	t.Helper()
	l, dir := openTest(t, nil, Options{})
	var rs []ledger.Receipt
	putPrivate := func(key, value string) {
		t.Helper()
		r, err := l.Submit(context.Background(), mfr, ledger.Transaction{
			Function: "putPrivate", Args: []string{ImplicitCollection(mfr), key},
			Transient: map[string][]byte{"v": []byte(value)},
		})
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	rs = append(rs, submit(t, l, mfr, "put", "a", "1"))
	putPrivate("t3~1", "private value")
	rs = append(rs, submit(t, l, mfr, "put", "b", "2"))
	rs = append(rs, submit(t, l, mfr, "put", "a", "3"))
	rs = append(rs, submit(t, l, mfr, "del", "b"))
	rs = append(rs, submit(t, l, mfr, "put", "c", "x"))
	putPrivate("t3~2", "first value")
	putPrivate("t3~2", "second value")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, rs
}

// copyDir copies a closed store directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// tamper opens the store directly and changes it.
func tamper(t *testing.T, dir string, change func(db *pebble.DB) error) {
	t.Helper()
	db, err := openStore(dir, quietOptions().withDefaults(), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := change(db); err != nil {
		t.Fatalf("tamper: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// flip flips one byte of a stored value; a negative offset counts from the end.
func flip(key []byte, offset int) func(db *pebble.DB) error {
	return func(db *pebble.DB) error {
		raw, closer, err := db.Get(key)
		if err != nil {
			return err
		}
		v := append([]byte(nil), raw...)
		closer.Close()
		if offset < 0 {
			offset += len(v)
		}
		v[offset] ^= 0x5a
		return db.Set(key, v, pebble.Sync)
	}
}

// rewriteHistory decodes a history record, changes it and stores it again.
func rewriteHistory(key []byte, change func(write, tx int, del bool) (int, int, bool)) func(db *pebble.DB) error {
	return func(db *pebble.DB) error {
		raw, closer, err := db.Get(key)
		if err != nil {
			return err
		}
		w, tx, del, err := decodeHistory(raw)
		closer.Close()
		if err != nil {
			return err
		}
		w, tx, del = change(w, tx, del)
		return db.Set(key, encodeHistory(w, tx, del), pebble.Sync)
	}
}

func flipHistoryDelete(key []byte) func(db *pebble.DB) error {
	return rewriteHistory(key, func(w, tx int, del bool) (int, int, bool) { return w, tx, !del })
}

func shiftHistory(key []byte, dw, dtx int) func(db *pebble.DB) error {
	return rewriteHistory(key, func(w, tx int, del bool) (int, int, bool) { return w + dw, tx + dtx, del })
}

func set(key, value []byte) func(db *pebble.DB) error {
	return func(db *pebble.DB) error { return db.Set(key, value, pebble.Sync) }
}

func del(key []byte) func(db *pebble.DB) error {
	return func(db *pebble.DB) error { return db.Delete(key, pebble.Sync) }
}

func TestVerify(t *testing.T) {
	dir, rs := verifyFixture(t)
	blk := func(i int) uint64 { return rs[i].Block }
	ver := func(i int) Version { return Version{Block: rs[i].Block} }
	last := rs[len(rs)-1].Block

	report, err := Verify(copyDir(t, dir))
	if err != nil {
		t.Fatalf("untouched ledger: %v", err)
	}
	if report.Height != last+1 || report.Valid != 8 || report.Writes != 8 || report.StateKeys != 4 || report.PrivateKeys != 2 {
		t.Errorf("report %+v: want height %d, 8 valid txs, 8 writes, 4 state keys (a, c, anchor~t3~1, anchor~t3~2), 2 private keys", report, last+1)
	}

	tests := []struct {
		name   string
		change func(db *pebble.DB) error
		block  uint64
		what   string
	}{
		{"block header byte", flip(blockKey(blk(2)), 10), blk(2), "previous-block hash"},
		{"block transaction byte", flip(blockKey(blk(2)), headerLen+8), blk(2), ""},
		{"block write value", flip(blockKey(blk(2)), -4), blk(2), ""},
		{"validation code", flip(blockKey(blk(2)), -1), blk(2), "state hash"},
		{"last block's time", flip(blockKey(last), 8+96+3), last, "chain tip"},
		{"block removed", del(blockKey(blk(1))), blk(1), "missing"},
		{"block beyond the tip", set(blockKey(last+1), []byte("x")), last + 1, "beyond the chain tip"},
		{"state value byte", flip(stateKey("a"), -1), blk(3), "differs"},
		{"state version", set(stateKey("a"), append(ver(0).append(nil), '3')), blk(3), "version"},
		{"state key removed", del(stateKey("a")), blk(3), "lacks"},
		{"deleted key restored", set(stateKey("b"), append(ver(2).append(nil), '2')), blk(4), "deleted"},
		{"state key added", set(stateKey("zzz"), append(ver(1).append(nil), 'z')), blk(1), "never written"},
		{"history value", flip(historyKey("a", ver(0)), -1), blk(0), "history"},
		{"history points elsewhere", set(historyKey("a", ver(3)), encodeHistory(30, 2, false)), blk(3), "history of \"a\" differs"},
		{"history points to the next byte", shiftHistory(historyKey("a", ver(3)), 1, 0), blk(3), "history of \"a\" differs"},
		{"history names another transaction start", shiftHistory(historyKey("a", ver(3)), 0, 1), blk(3), "history of \"a\" differs"},
		{"history delete flag cleared", flipHistoryDelete(historyKey("b", ver(4))), blk(4), "history of \"b\" differs"},
		{"history delete flag set", flipHistoryDelete(historyKey("c", ver(5))), blk(5), "history of \"c\" differs"},
		{"history record removed", del(historyKey("a", ver(0))), blk(0), "no record"},
		{"history record invented", set(historyKey("c", ver(2)), encodeHistory(40, 0, false)), blk(2), "did not validly write"},
		{"history record moved to another version", func(db *pebble.DB) error {
			if err := db.Delete(historyKey("a", ver(0)), pebble.Sync); err != nil {
				return err
			}
			return db.Set(historyKey("a", ver(2)), encodeHistory(40, 0, false), pebble.Sync)
		}, blk(0), "no record"},
		{"private value", flip(privateKey(ImplicitCollection(mfr), "t3~1"), -1), blk(1), "hash"},
		{"private value removed", del(privateKey(ImplicitCollection(mfr), "t3~1")), blk(1), "missing"},
		{"private value put back in its older version", set(privateKey(ImplicitCollection(mfr), "t3~2"),
			append(ver(6).append(nil), "first value"...)), blk(7), "older"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := copyDir(t, dir)
			tamper(t, d, tc.change)
			_, err := Verify(d)
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("verify returned %v, want a *VerifyError", err)
			}
			if ve.Block != tc.block {
				t.Errorf("verify names block %d (%v), want block %d", ve.Block, err, tc.block)
			}
			if !strings.Contains(err.Error(), tc.what) {
				t.Errorf("verify says %q, want it to mention %q", err, tc.what)
			}
		})
	}
}

// damageLog alters, with damage, the byte 5 bytes into transaction txID as
// the write-ahead log of the store in dir holds it.
func damageLog(t *testing.T, dir, txID string, damage func(b []byte, at int)) {
	t.Helper()
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range logs {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		at := bytes.Index(raw, []byte(txID))
		if at < 0 {
			continue
		}
		damage(raw, at+5)
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("transaction %s is in no write-ahead log of %s", txID, dir)
}

// TestVerifyFindsDamagedLog alters one byte of a block as the store holds
// it on disk, in its write-ahead log (where a small ledger's blocks are
// until a flush): the store reads the log up to the damaged record and
// drops the rest as if it were the torn tail of a crash, which leaves a
// shorter chain that is whole. Verify must name the first block missing,
// and Open must refuse the directory (and leave it as it is) rather than
// go on from the shorter chain.
func TestVerifyFindsDamagedLog(t *testing.T) {
	dir, rs := verifyFixture(t)
	target := rs[3] // a block in the middle of the chain
	for _, damage := range []struct {
		name  string
		apply func(b []byte, at int)
	}{
		{"a byte altered", func(b []byte, at int) { b[at] ^= 0x5a }},
		{"a byte zeroed", func(b []byte, at int) { b[at] = 0 }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			d := copyDir(t, dir)
			damageLog(t, d, target.TxID, damage.apply)
			wantDamage := func(what string, err error) {
				t.Helper()
				var ve *VerifyError
				if !errors.As(err, &ve) || ve.Block != target.Block || !strings.Contains(ve.Detail, "write-ahead log") {
					t.Fatalf("%s returned %v, want a *VerifyError naming block %d and the write-ahead log", what, err, target.Block)
				}
			}
			_, err := Verify(d)
			wantDamage("verify", err)
			l, err := Open(d, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
			if err == nil {
				l.Close()
			}
			wantDamage("open", err)
			_, err = Verify(d)
			wantDamage("verify after the refused open", err)
		})
	}
	t.Run("an intact copy opens", func(t *testing.T) {
		l, err := Open(copyDir(t, dir), testConsortium(), (&kvChaincode{}).invoke, quietOptions())
		if err != nil {
			t.Fatal(err)
		}
		if h, _ := l.Tip(); h != rs[len(rs)-1].Block+1 {
			t.Errorf("height %d, want %d", h, rs[len(rs)-1].Block+1)
		}
		l.Close()
	})
}

func TestVerifyRejectsNonLedger(t *testing.T) {
	tests := map[string]string{
		"missing directory": filepath.Join(t.TempDir(), "nope"),
		"empty directory":   t.TempDir(),
	}
	for name, dir := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Verify(dir); err == nil {
				t.Error("verify succeeded")
			}
		})
	}
}

// TestOldFormatIsRefused checks that a store without this build's format
// record (format 1, written by older builds) or with another format number
// is refused by Open, Verify and Inspect with a FormatError, never read.
func TestOldFormatIsRefused(t *testing.T) {
	dir, _ := verifyFixture(t)
	tests := map[string]func(db *pebble.DB) error{
		"format 1 (no format record)":              del(formatKey),
		"format 2 (serials recorded one key each)": set(formatKey, []byte{0, 0, 0, 2}),
		"format 3 (no holdings index)":             set(formatKey, []byte{0, 0, 0, 3}),
		"a later format (5)":                       set(formatKey, []byte{0, 0, 0, 5}),
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			d := copyDir(t, dir)
			tamper(t, d, change)
			_, err := Open(d, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("open returned %v, want a *FormatError", err)
			}
			if !strings.Contains(err.Error(), "storage format") || !strings.Contains(err.Error(), d) {
				t.Errorf("open error %q should name the directory and its storage format", err)
			}
			if _, err := Verify(d); !errors.As(err, &fe) {
				t.Errorf("verify returned %v, want a *FormatError", err)
			}
			if _, err := Inspect(d); !errors.As(err, &fe) {
				t.Errorf("inspect returned %v, want a *FormatError", err)
			}
			if _, err := RecordedConsortium(d); !errors.As(err, &fe) {
				t.Errorf("RecordedConsortium returned %v, want a *FormatError", err)
			}
		})
	}
	// The untouched store still opens (the format record is there).
	l := openAt(t, copyDir(t, dir), nil, Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// dirContents returns every file of a directory with its contents.
func dirContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]string, len(entries))
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(raw)
	}
	return m
}

// TestOldFormatIsNotWritten checks that refusing a store of another format
// leaves its directory exactly as it was: not a file of the store (its log,
// manifest, tables) is added, removed or changed, so the build that wrote it
// still finds it as it left it.
func TestOldFormatIsNotWritten(t *testing.T) {
	dir, _ := verifyFixture(t)
	d := copyDir(t, dir)
	tamper(t, d, del(formatKey))
	before := dirContents(t, d)
	_, err := Open(d, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("open returned %v, want a *FormatError", err)
	}
	if _, err := Verify(d); !errors.As(err, &fe) {
		t.Fatalf("verify returned %v, want a *FormatError", err)
	}
	if _, err := Inspect(d); !errors.As(err, &fe) {
		t.Fatalf("inspect returned %v, want a *FormatError", err)
	}
	after := dirContents(t, d)
	for name, raw := range after {
		if old, ok := before[name]; !ok {
			t.Errorf("refusing the store added %s", name)
		} else if old != raw {
			t.Errorf("refusing the store changed %s", name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("refusing the store removed %s", name)
		}
	}
}

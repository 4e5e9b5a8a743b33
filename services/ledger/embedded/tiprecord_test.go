package embedded

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"rxledger/internal/testenv"
	"rxledger/services/ledger"
)

// tipFixture builds a closed ledger of 11 blocks (genesis and ten puts, the
// last with a value of 600 bytes, so that its block's record in the
// write-ahead log is longer than 200 bytes) and returns its directory and
// the receipts.
func tipFixture(t *testing.T) (string, []ledger.Receipt) {
	t.Helper()
	l, dir := openTest(t, nil, Options{})
	var rs []ledger.Receipt
	for i := 0; i < 9; i++ {
		rs = append(rs, submit(t, l, mfr, "put", "k"+strconv.Itoa(i), "v"))
	}
	rs = append(rs, submit(t, l, mfr, "put", "last", strings.Repeat("x", 600)))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, rs
}

// newestLogPath returns the path of the newest write-ahead log of dir.
func newestLogPath(t *testing.T, dir string) string {
	t.Helper()
	name, _, err := newestLog(vfs.Default, dir)
	if err != nil || name == "" {
		t.Fatalf("no write-ahead log in %s: %v", dir, err)
	}
	return filepath.Join(dir, name)
}

// flipNearEnd flips one bit 200 bytes before the end of the file, as the
// acceptance test did to the newest write-ahead log: inside its last
// record, the last block committed.
func flipNearEnd(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-200] ^= 1
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readRecord(t *testing.T, dir string) tipRecord {
	t.Helper()
	rec, err := readTipRecord(vfs.Default, dir)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTipRecordEncoding(t *testing.T) {
	h := Hash{1, 2, 3, 0xff}
	raw := encodeTipRecord(nil, 34, h)
	if len(raw) != tipRecordLen {
		t.Fatalf("%d bytes, want %d: %q", len(raw), tipRecordLen, raw)
	}
	if got := decodeTipRecord(raw); got.state != tipValid || got.height != 34 || got.hash != h {
		t.Fatalf("decoded %+v", got)
	}
	if big := encodeTipRecord(nil, 1<<63, h); len(big) != tipRecordLen || decodeTipRecord(big).height != 1<<63 {
		t.Errorf("a record of height 2^63 is %q", big)
	}
	for i := range raw {
		bad := append([]byte(nil), raw...)
		bad[i] ^= 1
		if got := decodeTipRecord(bad); got.state != tipTorn {
			t.Fatalf("byte %d flipped: decoded %+v, want a torn record", i, got)
		}
	}
	for _, n := range []int{0, 1, tipRecordLen / 2, tipRecordLen - 1} {
		if got := decodeTipRecord(raw[:n]); got.state != tipTorn {
			t.Errorf("%d bytes: decoded %+v, want a torn record", n, got)
		}
	}
}

// TestLostLastBlockIsRefused is the acceptance test's case: one bit of the
// last record of the newest write-ahead log flipped in a closed ledger's
// directory. The store takes it for the torn tail of a crash and opens one
// block short, a chain that is whole; the chain tip record names the block
// it lost: Verify fails naming it, Open refuses the directory and changes
// nothing, and deleting the record (what an operator restoring an older
// copy on purpose does) accepts the shorter chain.
func TestLostLastBlockIsRefused(t *testing.T) {
	dir, rs := tipFixture(t)
	last := rs[len(rs)-1].Block
	d := copyDir(t, dir)
	flipNearEnd(t, newestLogPath(t, d))
	before := dirContents(t, d)

	_, err := Verify(d)
	var ve *VerifyError
	var lost *LostBlocksError
	if !errors.As(err, &ve) || ve.Block != last || !errors.As(err, &lost) {
		t.Fatalf("verify returned %v, want a *VerifyError naming block %d that wraps a *LostBlocksError", err, last)
	}
	for _, want := range []string{"missing", "block " + strconv.FormatUint(last, 10) + " is lost", "write-ahead log", "Do not serve", filepath.Join(d, TipRecordFile)} {
		if !strings.Contains(ve.Detail, want) {
			t.Errorf("verify says %q, want it to mention %q", ve.Detail, want)
		}
	}

	l, err := Open(d, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
	if err == nil {
		h, _ := l.Tip()
		l.Close()
		t.Fatalf("open succeeded at height %d, want a refusal", h)
	}
	if !errors.As(err, &lost) || lost.FirstMissing() != last || lost.Held != last || lost.Recorded != last+1 || lost.Differs {
		t.Fatalf("open returned %v, want a *LostBlocksError naming block %d", err, last)
	}
	for _, want := range []string{"lost blocks it had acknowledged", "block " + strconv.FormatUint(last, 10) + " is lost", "nothing was changed", "restore it from a backup", "delete " + filepath.Join(d, TipRecordFile)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("open error %q should say %q", err, want)
		}
	}
	if after := dirContents(t, d); len(after) != len(before) {
		t.Errorf("refusing the directory changed its files: %d before, %d after", len(before), len(after))
	} else {
		for name, raw := range before {
			if after[name] != raw {
				t.Errorf("refusing the directory changed %s", name)
			}
		}
	}

	t.Run("deleting the record accepts the shorter chain", func(t *testing.T) {
		if err := os.Remove(filepath.Join(d, TipRecordFile)); err != nil {
			t.Fatal(err)
		}
		l := openAt(t, d, nil, Options{})
		if h, _ := l.Tip(); h != last {
			t.Fatalf("height %d, want %d (the block the damage took)", h, last)
		}
		if rec := readRecord(t, d); rec.state != tipValid || rec.height != last {
			t.Errorf("record after the open: %+v, want height %d", rec, last)
		}
	})
}

// TestReplacedStoreIsRefused: a store older than the chain tip record (its
// files restored from a backup, or lost), or one holding another block at
// the record's height, is refused; a backup restored whole, its record
// with it, opens.
func TestReplacedStoreIsRefused(t *testing.T) {
	dir := t.TempDir()
	l := openAt(t, dir, nil, Options{})
	for i := 0; i < 3; i++ {
		submit(t, l, mfr, "put", "a", strconv.Itoa(i))
	}
	l.Close()
	backup := copyDir(t, dir) // 4 blocks, its record with it
	l = openAt(t, dir, nil, Options{})
	for i := 0; i < 3; i++ {
		submit(t, l, mfr, "put", "b", strconv.Itoa(i))
	}
	l.Close() // 7 blocks
	record := filepath.Join(dir, TipRecordFile)

	refused := func(t *testing.T, d string) *LostBlocksError {
		t.Helper()
		l, err := Open(d, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
		if err == nil {
			l.Close()
			t.Fatal("open succeeded, want a refusal")
		}
		var lost *LostBlocksError
		if !errors.As(err, &lost) {
			t.Fatalf("open returned %v, want a *LostBlocksError", err)
		}
		return lost
	}
	t.Run("an older store under the newer record", func(t *testing.T) {
		d := copyDir(t, backup)
		copyFile(t, record, filepath.Join(d, TipRecordFile))
		if lost := refused(t, d); lost.Held != 4 || lost.Recorded != 7 || !strings.Contains(lost.Error(), "blocks 4 to 6 are lost") {
			t.Errorf("refusal %v, want blocks 4 to 6 lost", lost)
		}
		_, err := Verify(d)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Block != 4 {
			t.Errorf("verify returned %v, want a failure at block 4", err)
		}
	})
	t.Run("another chain of the same height", func(t *testing.T) {
		d := copyDir(t, backup)
		l := openAt(t, d, nil, Options{})
		for i := 0; i < 3; i++ {
			submit(t, l, mfr, "put", "c", strconv.Itoa(i))
		}
		l.Close()
		copyFile(t, record, filepath.Join(d, TipRecordFile))
		if lost := refused(t, d); !lost.Differs || lost.FirstMissing() != 6 || !strings.Contains(lost.Error(), "replaced or rewritten") {
			t.Errorf("refusal %v, want block 6 not the one acknowledged", lost)
		}
		_, err := Verify(d)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Block != 6 {
			t.Errorf("verify returned %v, want a failure at block 6", err)
		}
	})
	t.Run("the store's files gone, the record left", func(t *testing.T) {
		d := t.TempDir()
		copyFile(t, record, filepath.Join(d, TipRecordFile))
		if lost := refused(t, d); lost.Held != 0 || lost.Recorded != 7 {
			t.Errorf("refusal %v, want blocks 0 to 6 lost", lost)
		}
		if desc, err := pebble.Peek(d, vfs.Default); err != nil || desc.Exists {
			t.Errorf("the refused open created a store (%v)", err)
		}
	})
	t.Run("a backup restored whole opens", func(t *testing.T) {
		l := openAt(t, copyDir(t, backup), nil, Options{})
		if h, _ := l.Tip(); h != 4 {
			t.Errorf("height %d, want 4", h)
		}
	})
}

// openLogged opens the ledger in dir, its log lines in the returned buffer.
func openLogged(t *testing.T, dir string) (*Ledger, *testenv.Buffer) {
	t.Helper()
	logs := &testenv.Buffer{}
	l := openAt(t, dir, nil, Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	return l, logs
}

// TestTornTipRecordIsAWarning: a record that is not whole (a write torn by
// a power loss) is ignored with a warning, by Open and by Verify, and Open
// writes it again.
func TestTornTipRecordIsAWarning(t *testing.T) {
	dir, rs := tipFixture(t)
	height := rs[len(rs)-1].Block + 1
	for name, damage := range map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"emptied":   func(b []byte) []byte { return nil },
		"a bit flipped in its height": func(b []byte) []byte {
			b[len(tipRecordPrefix)+tipHeightDigits-1] ^= 1
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			d := copyDir(t, dir)
			path := filepath.Join(d, TipRecordFile)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, damage(raw), 0o600); err != nil {
				t.Fatal(err)
			}
			report, err := Verify(d)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if len(report.Notes) != 1 || !strings.Contains(report.Notes[0], "torn") {
				t.Errorf("verify notes %q, want one about a torn record", report.Notes)
			}
			l, logs := openLogged(t, d)
			if h, _ := l.Tip(); h != height {
				t.Errorf("height %d, want %d", h, height)
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "torn") {
				t.Errorf("no warning about the torn record in the log:\n%s", logs)
			}
			if rec := readRecord(t, d); rec.state != tipValid || rec.height != height {
				t.Errorf("record after the open: %+v, want height %d", rec, height)
			}
		})
	}
}

// TestMissingTipRecordIsCreated: a ledger written before the record existed
// opens, and Open writes the record, which from then on detects a lost
// block.
func TestMissingTipRecordIsCreated(t *testing.T) {
	dir, rs := tipFixture(t)
	height := rs[len(rs)-1].Block + 1
	d := copyDir(t, dir)
	if err := os.Remove(filepath.Join(d, TipRecordFile)); err != nil {
		t.Fatal(err)
	}
	report, err := Verify(d)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if len(report.Notes) != 1 || !strings.Contains(report.Notes[0], "no chain tip record") {
		t.Errorf("verify notes %q, want one about the missing record", report.Notes)
	}
	l, logs := openLogged(t, d)
	if !strings.Contains(logs.String(), "no chain tip record: writing one") {
		t.Errorf("the log does not say the record is written:\n%s", logs)
	}
	if rec := readRecord(t, d); rec.state != tipValid || rec.height != height {
		t.Fatalf("record after the open: %+v, want height %d", rec, height)
	}
	r := submit(t, l, mfr, "put", "after", strings.Repeat("y", 600))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if report, err := Verify(d); err != nil || len(report.Notes) != 0 {
		t.Fatalf("verify after the open: %v, notes %q", err, report.Notes)
	}
	flipNearEnd(t, newestLogPath(t, d))
	_, err = Verify(d)
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Block != r.Block {
		t.Errorf("verify returned %v, want block %d missing", err, r.Block)
	}
}

// TestLaggingTipRecordIsNoAlarm: a record behind the store (as a crash or
// a power loss leaves it) is no alarm; Open brings it up to date.
func TestLaggingTipRecordIsNoAlarm(t *testing.T) {
	dir, rs := tipFixture(t)
	height := rs[len(rs)-1].Block + 1
	d := copyDir(t, dir)
	l := openAt(t, d, nil, Options{})
	b, err := l.Block(3)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if err := os.WriteFile(filepath.Join(d, TipRecordFile), encodeTipRecord(nil, 4, b.hash()), 0o600); err != nil {
		t.Fatal(err)
	}
	report, err := Verify(d)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if len(report.Notes) != 1 || !strings.Contains(report.Notes[0], "lags") {
		t.Errorf("verify notes %q, want one about the record lagging", report.Notes)
	}
	openAt(t, d, nil, Options{})
	if rec := readRecord(t, d); rec.state != tipValid || rec.height != height {
		t.Errorf("record after the open: %+v, want height %d", rec, height)
	}
}

// TestInspectSaysWhatTheTipRecordHolds: `rxledger ledger info` (Inspect)
// says whether the chain tip record is in step with the store, lags, is
// torn or missing, and reports a directory that lost acknowledged blocks.
func TestInspectSaysWhatTheTipRecordHolds(t *testing.T) {
	dir, rs := tipFixture(t)
	last := rs[len(rs)-1].Block
	const record = TipRecordFile
	tests := []struct {
		name   string
		damage func(t *testing.T, d string)
		want   string
		lost   bool
	}{
		{"in step", func(*testing.T, string) {}, "names block " + strconv.FormatUint(last, 10) + ", the store's tip", false},
		{"missing", func(t *testing.T, d string) {
			if err := os.Remove(filepath.Join(d, record)); err != nil {
				t.Fatal(err)
			}
		}, "no chain tip record", false},
		{"torn", func(t *testing.T, d string) {
			if err := os.WriteFile(filepath.Join(d, record), []byte("rx"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "is ignored", false},
		{"lagging", func(t *testing.T, d string) {
			db, err := openReadOnly(d)
			if err != nil {
				t.Fatal(err)
			}
			b, err := readBlock(db, 3)
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, record), encodeTipRecord(nil, 4, b.hash()), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "it lags", false},
		{"the last block lost", func(t *testing.T, d string) { flipNearEnd(t, newestLogPath(t, d)) },
			"block " + strconv.FormatUint(last, 10) + " is lost", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := copyDir(t, dir)
			tc.damage(t, d)
			info, err := Inspect(d)
			if err != nil {
				t.Fatalf("inspect: %v", err)
			}
			if !strings.Contains(info.TipRecord, tc.want) {
				t.Errorf("tip record %q, want it to say %q", info.TipRecord, tc.want)
			}
			if (info.Lost != nil) != tc.lost {
				t.Errorf("lost %v, want %v", info.Lost, tc.lost)
			}
		})
	}
}

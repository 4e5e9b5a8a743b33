package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
)

// putChaincode stores its two arguments as a key and value.
func putChaincode(st chaincode.State, fn string, args []string) ([]byte, error) {
	return nil, st.PutState(args[0], []byte(args[1]))
}

// ledgerDir creates a closed embedded ledger with a few blocks.
func ledgerDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cons := &embedded.Consortium{Name: "cli-test", Organizations: []embedded.Organization{
		{MSPID: "ManufacturerMSP", Name: "Manufacturer", Roles: []string{"manufacturer"}},
	}}
	l, err := embedded.Open(dir, cons, putChaincode, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][]string{{"a", "1"}, {"b", "2"}, {"a", "3"}} {
		if _, err := l.Submit(context.Background(), "ManufacturerMSP", ledger.Transaction{Function: "put", Args: kv}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// flipBlockByte alters the last byte of block n's transactions, reaching into
// the store's layout (block n is stored under 'b' + its big-endian number).
func flipBlockByte(t *testing.T, dir string, n uint64) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := binary.BigEndian.AppendUint64([]byte{'b'}, n)
	raw, closer, err := db.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	v := bytes.Clone(raw)
	closer.Close()
	v[len(v)-4] ^= 0xff // inside the last transaction's body
	if err := db.Set(key, v, pebble.Sync); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerCommand(t *testing.T) {
	good := ledgerDir(t)
	// serveData is laid out as `rxledger serve --data` leaves it: the
	// ledger in its ledger/ subdirectory.
	serveData := t.TempDir()
	if err := os.Rename(ledgerDir(t), filepath.Join(serveData, LedgerDir)); err != nil {
		t.Fatal(err)
	}
	bad := ledgerDir(t)
	flipBlockByte(t, bad, 2)
	tmp := t.TempDir()
	consFile := filepath.Join(tmp, "cons.json")
	writeFile(t, consFile, `{"name":"cli-test","organizations":[{"mspId":"ManufacturerMSP","name":"M","roles":["manufacturer"]}]}`)
	badCons := filepath.Join(tmp, "bad.json")
	writeFile(t, badCons, `{"name":""}`)
	existing := filepath.Join(tmp, "existing.key")
	writeFile(t, existing, "x")
	tests := []struct {
		name       string
		args       []string
		code       int
		wantOut    string
		wantErrOut string
	}{
		{"verify intact", []string{"verify", "--data", good}, 0, "ok: 4 blocks", ""},
		{"verify tampered", []string{"verify", "--data", bad}, 1, "", "FAILED at block 2"},
		{"verify missing dir", []string{"verify", "--data", good + "/nope"}, 1, "", "verify"},
		{"verify against a consortium file", []string{"verify", "--data", good, "--consortium", consFile}, 0, "ok: 4 blocks", ""},
		{"verify against a bad consortium file", []string{"verify", "--data", good, "--consortium", badCons}, 2, "", "name is required"},
		{"info", []string{"info", "--data", good}, 0, "height: 4", ""},
		{"info on the chain tip record", []string{"info", "--data", good}, 0, "chain tip record: names block 3, the store's tip", ""},
		{"verify the data directory of serve", []string{"verify", "--data", serveData}, 0, "ok: 4 blocks", ""},
		{"info on the data directory of serve", []string{"info", "--data", serveData}, 0, "height: 4", ""},
		{"keygen", []string{"keygen", "--out", filepath.Join(tmp, "new.key")}, 0, "=", ""},
		{"keygen over an existing file", []string{"keygen", "--out", existing}, 1, "", "exists"},
		{"keygen without --out", []string{"keygen"}, 2, "", "want --out FILE"},
		{"no data flag", []string{"verify"}, 2, "", "want --data DIR"},
		{"unknown subcommand", []string{"frobnicate"}, 2, "", "unknown subcommand"},
		{"no subcommand", nil, 2, "", "usage: rxledger ledger"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"ledger"}, tc.args...), strings.NewReader(""), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", stdout.String(), tc.wantOut)
			}
			if !strings.Contains(stderr.String(), tc.wantErrOut) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tc.wantErrOut)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerKeygenKeyLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "org.key")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"ledger", "keygen", "--out", path}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("keygen exit %d: %s", code, stderr.String())
	}
	key, err := embedded.LoadSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	cons := &embedded.Consortium{Name: "k", Organizations: []embedded.Organization{
		{MSPID: "ManufacturerMSP", Name: "M", Roles: []string{"manufacturer"}, PublicKey: strings.TrimSpace(stdout.String())},
	}}
	if err := cons.Validate(); err != nil {
		t.Fatalf("printed public key does not validate: %v", err)
	}
	l, err := embedded.Open(t.TempDir(), cons, putChaincode, embedded.Options{Signers: map[string]ed25519.PrivateKey{"ManufacturerMSP": key}})
	if err != nil {
		t.Fatalf("the generated key does not match its printed public key: %v", err)
	}
	l.Close()
}

// damagedData creates the data directory of serve (the ledger in its
// ledger/ subdirectory, on the demo consortium) with five blocks, the last
// a put of 600 bytes, closed, and returns it with the path of its newest
// write-ahead log.
func damagedData(t *testing.T) (data, newestLog string) {
	t.Helper()
	data = t.TempDir()
	dir := filepath.Join(data, LedgerDir)
	l, err := embedded.Open(dir, demoConsortium(), putChaincode, embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][]string{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", strings.Repeat("x", 600)}} {
		if _, err := l.Submit(context.Background(), "ManufacturerMSP", ledger.Transaction{Function: "put", Args: kv}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no write-ahead log in %s (%v)", dir, err)
	}
	slices.Sort(logs) // numbered with leading zeros: the newest sorts last
	return data, logs[len(logs)-1]
}

// flipAt flips one bit of the file at offset at (negative: from its end).
func flipAt(t *testing.T, path string, at int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if at < 0 {
		at += len(raw)
	}
	raw[at] ^= 1
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestLostBlockIsReported is the acceptance tester's case through the
// commands: one bit flipped 200 bytes before the end of the newest
// write-ahead log of a stopped node, in its last block. The store alone
// reads that as the torn tail of a crash and opens one block short; verify
// fails naming the block, info says the blocks are lost, and serve refuses
// to start.
func TestLostBlockIsReported(t *testing.T) {
	data, log := damagedData(t)
	flipAt(t, log, -200)

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"ledger", "verify", "--data", data}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 {
		t.Fatalf("verify exit %d, want 1; stdout %s; stderr %s", code, stdout.String(), stderr.String())
	}
	record := filepath.Join(data, LedgerDir, embedded.TipRecordFile)
	for _, want := range []string{"FAILED at block 4: missing", "block 4 is lost", "lost blocks it had acknowledged", "Do not serve", "delete " + record} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("verify stderr lacks %q:\n%s", want, stderr.String())
		}
	}

	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"ledger", "info", "--data", data}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "chain tip record: the ledger in") ||
		!strings.Contains(stderr.String(), "lost blocks it had acknowledged (from block 4 on)") {
		t.Errorf("info exit %d, want 1 saying the blocks are lost; stdout %s; stderr %s", code, stdout.String(), stderr.String())
	}

	code, out, errOut := serveOn(t, data, "--roles", "ingest")
	if code != 1 || strings.Contains(out, "rxledger serving") {
		t.Fatalf("serve exit %d, want 1; stdout %s; stderr %s", code, out, errOut)
	}
	for _, want := range []string{"rxledger serve:", "lost blocks it had acknowledged as committed, from block 4 on", "block 4 is lost", "It was not opened"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("serve stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestDamagedOlderLogIsReported: a byte altered in a write-ahead log that a
// newer log follows (here an empty one, as the store leaves a log it has
// just switched to) keeps the store from opening; verify and serve say
// that the log is damaged, which, and what to do, rather than only the
// store's "error when replaying WAL".
func TestDamagedOlderLogIsReported(t *testing.T) {
	data, log := damagedData(t)
	writeFile(t, filepath.Join(filepath.Dir(log), "000100.log"), "")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"ledger", "verify", "--data", data}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("verify of the intact store beside an empty newer log: exit %d: %s", code, stderr.String())
	}
	flipAt(t, log, -200)

	stdout.Reset()
	stderr.Reset()
	code := run(context.Background(), []string{"ledger", "verify", "--data", data}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 {
		t.Fatalf("verify exit %d, want 1; stdout %s; stderr %s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"FAILED: the store in", "is damaged", "write-ahead log " + filepath.Base(log), "block 4",
		"cannot say for certain", "Do not serve", "restore it from a backup"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("verify stderr lacks %q:\n%s", want, stderr.String())
		}
	}

	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"ledger", "info", "--data", data}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "is damaged") || !strings.Contains(stderr.String(), "write-ahead log "+filepath.Base(log)) {
		t.Errorf("info exit %d, want 1 saying the log is damaged; stdout %s; stderr %s", code, stdout.String(), stderr.String())
	}

	code, out, errOut := serveOn(t, data, "--roles", "ingest")
	if code != 1 || strings.Contains(out, "rxledger serving") {
		t.Fatalf("serve exit %d, want 1; stdout %s; stderr %s", code, out, errOut)
	}
	for _, want := range []string{"is damaged", "write-ahead log " + filepath.Base(log), "Do not serve"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("serve stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestVerifyNotesATornTipRecord: a torn chain tip record is a note, not a
// failure.
func TestVerifyNotesATornTipRecord(t *testing.T) {
	dir := ledgerDir(t)
	record := filepath.Join(dir, embedded.TipRecordFile)
	raw, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, record, string(raw[:len(raw)/2]))
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"ledger", "verify", "--data", dir}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "ok: 4 blocks") || !strings.Contains(stderr.String(), "note: the chain tip record "+record+" is ignored") {
		t.Errorf("stdout %q, stderr %q: want ok and a note on the torn record", stdout.String(), stderr.String())
	}
}

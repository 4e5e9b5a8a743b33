package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"rxledger/services/ledger/embedded/embeddedtest"
)

// TestKeyFileConcurrentStarts: services starting at once on the same data
// directory (a restart racing the old process, two replicas) all end up
// with the one key the file keeps, so a capture salt derived before a
// restart is derived again after it, and no page token is invalidated.
func TestKeyFileConcurrentStarts(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "capture-salt.key")
		const n = 8
		keys := make([][]byte, n)
		errs := make([]error, n)
		var ready, wg sync.WaitGroup
		ready.Add(n)
		gate := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				ready.Done()
				<-gate
				k, err := loadTokenKey(path, "tokens stop working")
				if err == nil {
					keys[i] = k.key
				}
				errs[i] = err
			})
		}
		ready.Wait()
		close(gate)
		wg.Wait()
		stored, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, start %d: %v", round, i, errs[i])
			}
			if !bytes.Equal(keys[i], stored) {
				t.Fatalf("round %d: start %d uses key %x, the file keeps %x", round, i, keys[i], stored)
			}
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %o, want 600", fi.Mode().Perm())
		}
		left, err := filepath.Glob(filepath.Join(filepath.Dir(path), ".tmp-*"))
		if err != nil || len(left) > 0 {
			t.Fatalf("temporary files left: %v %v", left, err)
		}
	}
}

// TestKeyFileCorrupt: a key file of the wrong size is refused, not
// silently replaced: a new capture salt key would make every job resumed
// after the restart send another salt, so the chaincode would store its T3
// again under a new ID instead of finding it.
func TestKeyFileCorrupt(t *testing.T) {
	for _, content := range [][]byte{{}, []byte("short"), bytes.Repeat([]byte{1}, 33)} {
		path := filepath.Join(t.TempDir(), "capture-salt.key")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := loadTokenKey(path, "tokens stop working")
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("a %d-byte key file: %v", len(content), err)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
			t.Fatalf("the corrupt key file was changed: %x %v", got, err)
		}
	}
}

// TestKeyFileCorruptSaysWhatANewKeyChanges: the refusal of each damaged
// key file names what removing it would change, for that key alone.
func TestKeyFileCorruptSaysWhatANewKeyChanges(t *testing.T) {
	l := embeddedtest.OpenDemo(t)
	for file, want := range map[string]string{
		"page-token.key":   "page tokens given out stop working",
		"capture-salt.key": "stores its transaction information again",
	} {
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, file), []byte("short"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Config{Ledger: l, DataDir: dir})
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "page tokens") != (file == "page-token.key") {
				t.Fatalf("New with a damaged %s: %v, want it to say only %q", file, err, want)
			}
		})
	}
}

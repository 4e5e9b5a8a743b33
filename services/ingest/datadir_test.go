package ingest_test

import (
	"os"
	"path/filepath"
	"testing"

	"rxledger/services/ingest"
)

// TestDataDirPrivate checks that the service's data directory, which holds
// every organisation's event bodies (the query index) and capture
// documents, is readable by the service's user only, even when it existed
// with a wider mode.
func TestDataDirPrivate(t *testing.T) {
	tests := []struct {
		name   string
		before os.FileMode // 0: the directory does not exist yet
	}{
		{"created by the service", 0},
		{"existing and world-readable", 0o755},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ingest")
			if tc.before != 0 {
				if err := os.Mkdir(dir, tc.before); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, tc.before); err != nil {
					t.Fatal(err)
				}
			}
			l := openLedger(t)
			t.Cleanup(func() {
				if err := l.Close(); err != nil {
					t.Errorf("close ledger: %v", err)
				}
			})
			svc, err := ingest.New(ingest.Config{Ledger: l, DataDir: dir})
			if err != nil {
				t.Fatalf("new: %v", err)
			}
			t.Cleanup(func() {
				if err := svc.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if mode := fi.Mode().Perm(); mode != 0o700 {
				t.Fatalf("data directory mode %o, want 700", mode)
			}
		})
	}
}

// Package testenv finds what rxledger's tests read from outside their own
// package: the repository root and the shared third-party test data. It
// imports only the standard library, so that the tests of every package,
// the epcis domain packages' among them, can use it.
package testenv

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// FindRepoRoot walks up from the working directory to the folder holding
// go.mod.
func FindRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = filepath.Dir(dir)
	}
}

// RepoRoot is FindRepoRoot for a test, which fails when there is none.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := FindRepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// TestdataDir is the shared third-party test data: $RXLEDGER_TESTDATA, or
// ../shared/testdata beside the repository root. It may not exist; see
// Testdata.
func TestdataDir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("RXLEDGER_TESTDATA"); d != "" {
		return d
	}
	return filepath.Join(RepoRoot(tb), "..", "shared", "testdata")
}

// Testdata returns the path of rel inside the shared test data, and skips the
// test, saying what is missing and how to provide it, when it is absent.
func Testdata(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(TestdataDir(tb), rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("SKIPPED: third-party test data %s is missing (%v); set RXLEDGER_TESTDATA to the shared testdata folder", p, err)
	}
	return p
}

// Buffer collects output written from several goroutines (a server's log,
// say) for a test to read.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Package embeddedtest opens embedded ledgers for the tests of the services
// that run on one.
package embeddedtest

import (
	"log/slog"
	"path/filepath"
	"testing"

	"rxledger/chaincode"
	"rxledger/internal/testenv"
	"rxledger/services/ledger/embedded"
)

// OpenDemo opens a new embedded ledger of the demo consortium
// (deploy/consortium/demo.json) in a temporary directory, running the real
// chaincode with its default configuration (regulator RegulatorMSP), and
// closes it when the test ends.
func OpenDemo(t testing.TB) *embedded.Ledger {
	t.Helper()
	cons, err := embedded.LoadConsortium(filepath.Join(testenv.RepoRoot(t), "deploy", "consortium", "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := embedded.Open(t.TempDir(), cons, chaincode.Invoke, embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open embedded ledger: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close ledger: %v", err)
		}
	})
	return l
}

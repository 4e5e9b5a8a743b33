package embedded_test

import (
	"path/filepath"
	"rxledger/internal/testenv"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/ledger/ledgertest"
)

// TestScenarioSuiteOnOneReopenedLedger runs the shared DSCSA scenario suite
// with every scenario reopening the same ledger directory (so each finds the
// blocks and state of the ones before it, read back from disk), then verifies
// the whole chain.
func TestScenarioSuiteOnOneReopenedLedger(t *testing.T) {
	cons, err := embedded.LoadConsortium(filepath.Join(testenv.RepoRoot(t), "deploy", "consortium", "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger {
		l, err := embedded.Open(dir, cons, chaincode.Invoke, embedded.Options{})
		if err != nil {
			t.Fatalf("open embedded ledger: %v", err)
		}
		t.Cleanup(func() {
			if err := l.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return l
	})
	report, err := embedded.Verify(dir)
	if err != nil {
		t.Fatalf("verify after the suite: %v", err)
	}
	if report.Valid == 0 || report.PrivateKeys == 0 {
		t.Errorf("verify report %+v: want valid transactions and private data from the suite", report)
	}
}

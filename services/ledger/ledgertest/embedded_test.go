package ledgertest_test

import (
	"path/filepath"
	"rxledger/internal/testenv"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/ledger/ledgertest"
)

// TestEmbedded runs the suite on the embedded ledger with the demo
// consortium, as a check of the suite itself.
func TestEmbedded(t *testing.T) {
	cons, err := embedded.LoadConsortium(filepath.Join(testenv.RepoRoot(t), "deploy", "consortium", "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	ledgertest.RunWith(t, ledgertest.Options{HistoryBlocks: true}, func(t *testing.T) ledger.Ledger {
		l, err := embedded.Open(t.TempDir(), cons, chaincode.Invoke, embedded.Options{})
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
}

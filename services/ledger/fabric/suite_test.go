package fabric

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"rxledger/services/ledger"
	"rxledger/services/ledger/ledgertest"
)

// TestDSCSASuite runs the DSCSA scenario suite on Fabric with the rxledger
// chaincode. Each scenario gets a fresh ledger: a new chaincode definition
// (deploy/fabric/scripts/define) served by the same rxledger chaincode
// servers, which is an empty namespace of world state and private data on
// the shared network.
func TestDSCSASuite(t *testing.T) {
	p := network(t)
	if !strings.Contains(" "+p["RXL_FABRIC_CHAINCODES"]+" ", " rxledger ") {
		t.Skip("the network has no rxledger chaincode (chaincode/cmd/rxledger-cc is missing)")
	}
	run := rand.Uint32()
	n := 0
	// The adapter fills in the block numbers of custody history (history.go).
	ledgertest.RunWith(t, ledgertest.Options{HistoryBlocks: true}, func(t *testing.T) ledger.Ledger {
		t.Helper()
		n++
		name := fmt.Sprintf("rxl-%x-%d", run, n)
		if out, err := runScript("define", name, "rxledger"); err != nil {
			t.Fatalf("define chaincode %s: %v\n%s", name, err, out)
		}
		return newTestLedger(t, name)
	})
}

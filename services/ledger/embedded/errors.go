package embedded

import (
	"errors"

	"github.com/cockroachdb/pebble"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// chaincodeFailure classifies a chaincode error. The chaincode runs in
// process and answers every refusal as a *chaincode.RuleError (its fuzz
// tests hold it to that), which becomes the ledger's refusal
// (ledger.Refused: its code, detail, rule, event index and EPC), the
// chaincode's error staying in the chain. Anything else is a failure, not
// the caller's mistake: the store closed under the transaction
// (Unavailable: retry), or a read or decoding that failed, a bug (Internal:
// the cause is logged, not shown). Before, such failures were answered as
// invalid input, and a client told its request was wrong would not retry
// it.
func chaincodeFailure(txID string, err error) *ledger.Error {
	var re *chaincode.RuleError
	if errors.As(err, &re) {
		if le, ok := ledger.Refused(txID, re, err); ok {
			return le
		}
	}
	if errors.Is(err, pebble.ErrClosed) {
		return ledger.NewError(txID, problem.Unavailable, err, "embedded ledger is closed")
	}
	return ledger.NewError(txID, problem.Internal, err, "chaincode failed")
}

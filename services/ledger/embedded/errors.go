package embedded

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/cockroachdb/pebble"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// ruleError is the JSON a chaincode rule violation carries as its message
// (see the shared ledger design).
type ruleError struct {
	Code       string `json:"code"`
	Rule       string `json:"rule"`
	EventIndex *int   `json:"eventIndex"`
	EPC        string `json:"epc"`
	Detail     string `json:"detail"`
}

// ruleCodes are the problem codes a chaincode may report.
var ruleCodes = map[string]problem.Code{
	string(problem.Invalid):   problem.Invalid,
	string(problem.Forbidden): problem.Forbidden,
	string(problem.Conflict):  problem.Conflict,
	string(problem.NotFound):  problem.NotFound,
	string(problem.TooLarge):  problem.TooLarge,
}

// chaincodeFailure classifies a chaincode error. A message that is (or ends
// with) the rule-violation JSON object maps to its code, with its detail and
// event index, and the chaincode's error stays in the chain so callers can
// read the rule and EPC. The chaincode answers every refusal so (its fuzz
// tests hold it to that), so anything else is a failure, not the caller's
// mistake: the store closed under the transaction (Unavailable: retry), or
// a read or decoding that failed, a bug (Internal: the cause is logged, not
// shown). Before, such failures were answered as invalid input, and a client
// told its request was wrong would not retry it.
func chaincodeFailure(txID string, err error) *ledger.Error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '{'); i >= 0 {
		var re ruleError
		if json.Unmarshal([]byte(msg[i:]), &re) == nil {
			if code, ok := ruleCodes[re.Code]; ok {
				detail := re.Detail
				if detail == "" {
					detail = re.Rule
				}
				le := ledger.NewError(txID, code, err, "%s", detail)
				le.Err.Rule = re.Rule
				if re.EventIndex != nil {
					idx := *re.EventIndex
					le.Err.Where = append(le.Err.Where, problem.Location{Index: &idx})
				}
				return le
			}
		}
	}
	if errors.Is(err, pebble.ErrClosed) {
		return ledger.NewError(txID, problem.Unavailable, err, "embedded ledger is closed")
	}
	return ledger.NewError(txID, problem.Internal, err, "chaincode failed")
}

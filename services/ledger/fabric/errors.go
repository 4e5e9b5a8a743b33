package fabric

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// ruleCodes are the problem codes a chaincode refusal may carry.
var ruleCodes = map[string]problem.Code{
	string(problem.Invalid):   problem.Invalid,
	string(problem.Forbidden): problem.Forbidden,
	string(problem.Conflict):  problem.Conflict,
	string(problem.NotFound):  problem.NotFound,
	string(problem.TooLarge):  problem.TooLarge,
}

// chaincodeResponse is how a peer reports an error the chaincode returned
// ("chaincode response 500, <the chaincode's message>").
const chaincodeResponse = "chaincode response"

// unavailableHints are texts of endorsement failures that mean a peer or the
// chaincode server could not be reached, not that the chaincode refused.
var unavailableHints = []string{
	"connection refused",
	"could not launch chaincode",
	"failed to connect",
	"code = Unavailable",
	"context deadline exceeded",
	"no endorsers",
	"not found in registry",
}

// classify turns an error of the gateway client into a *ledger.Error. what
// says which step failed, in lower case.
func classify(txID string, err error, what string) error {
	if err == nil {
		return nil
	}
	// Whatever the transport said, a refusal by the chaincode wins: its JSON
	// message says what the caller did wrong.
	messages := errorMessages(err)
	for _, msg := range messages {
		if le := ruleFailure(txID, msg); le != nil {
			return le
		}
	}
	var commitErr *client.CommitError
	if errors.As(err, &commitErr) {
		return validationFailure(txID, commitErr.Code)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ledger.NewError(txID, problem.Unavailable, err, "%s: gave up waiting", what)
	}
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.ResourceExhausted:
		return ledger.NewError(txID, problem.Unavailable, err, "%s: the Fabric network cannot be reached", what)
	case codes.FailedPrecondition:
		// No set of reachable peers satisfies the endorsement policy (peers
		// down, or not yet known through discovery).
		return ledger.NewError(txID, problem.Unavailable, err, "%s: not enough peers available to endorse", what)
	}
	for _, msg := range messages {
		for _, hint := range unavailableHints {
			if strings.Contains(msg, hint) {
				return ledger.NewError(txID, problem.Unavailable, err, "%s: a peer or chaincode server cannot be reached", what)
			}
		}
	}
	for _, msg := range messages {
		if _, text, ok := strings.Cut(msg, chaincodeResponse); ok {
			// An error from the chaincode that is not a rule refusal: the
			// chaincode answers every refusal as one (its fuzz tests hold it
			// to that), so this is a failure (a state read, a decoding, a
			// recovered panic), not the caller's mistake. The text is logged,
			// not shown.
			_, text, _ = strings.Cut(text, ", ")
			return ledger.NewError(txID, problem.Internal, err, "%s: the chaincode failed: %s", what, text)
		}
	}
	return ledger.NewError(txID, problem.Internal, err, "%s", what)
}

// errorMessages returns the texts of err: its gRPC status message and the
// message of every endorser's error detail, then err's own text.
func errorMessages(err error) []string {
	var out []string
	if st, ok := status.FromError(err); ok {
		out = append(out, st.Message())
		for _, d := range st.Details() {
			if detail, ok := d.(*gateway.ErrorDetail); ok {
				out = append(out, detail.GetMessage())
			}
		}
	}
	return append(out, err.Error())
}

// refusal is the JSON object of a chaincode rule violation (see the shared
// ledger design): {"code":"forbidden","rule":"...","eventIndex":3,"epc":"...","detail":"..."}.
type refusal struct {
	Code       string `json:"code"`
	Rule       string `json:"rule"`
	EventIndex *int   `json:"eventIndex"`
	EPC        string `json:"epc"`
	Detail     string `json:"detail"`
}

// parseRefusal finds a refusal's JSON object in msg, which peers prefix with
// their own text ("chaincode response 500, ...").
func parseRefusal(msg string) (refusal, string, bool) {
	for i := strings.IndexByte(msg, '{'); i >= 0; {
		var r refusal
		dec := json.NewDecoder(strings.NewReader(msg[i:]))
		if err := dec.Decode(&r); err == nil && r.Code != "" && r.Rule != "" {
			return r, msg[i : i+int(dec.InputOffset())], true
		}
		j := strings.IndexByte(msg[i+1:], '{')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return refusal{}, "", false
}

// ruleFailure returns the *ledger.Error of a chaincode rule refusal found in
// msg, or nil. The refusal's JSON stays in the error chain (for logs: rule
// and EPC); the detail and event index are the problem's.
func ruleFailure(txID string, msg string) *ledger.Error {
	r, raw, ok := parseRefusal(msg)
	if !ok {
		return nil
	}
	code, ok := ruleCodes[r.Code]
	if !ok {
		return nil
	}
	detail := r.Detail
	if detail == "" {
		detail = r.Rule
	}
	le := ledger.NewError(txID, code, errors.New(raw), "%s", detail)
	le.Err.Rule = r.Rule
	if r.EventIndex != nil {
		idx := *r.EventIndex
		le.Err.Where = append(le.Err.Where, problem.Location{Index: &idx})
	}
	return le
}

// validationFailure classifies a transaction the peers marked invalid.
func validationFailure(txID string, code peer.TxValidationCode) *ledger.Error {
	switch code {
	case peer.TxValidationCode_MVCC_READ_CONFLICT, peer.TxValidationCode_PHANTOM_READ_CONFLICT:
		return ledger.NewError(txID, problem.Conflict, nil, "a concurrent transaction changed what this one read (%s); retry", code)
	case peer.TxValidationCode_DUPLICATE_TXID:
		return ledger.NewError(txID, problem.Conflict, nil, "the transaction was already submitted (%s)", code)
	default:
		return ledger.NewError(txID, problem.Internal, nil, "the transaction was not committed: validation code %s", code)
	}
}

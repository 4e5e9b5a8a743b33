package fabric

import (
	"context"
	"errors"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

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

// ruleFailure returns the *ledger.Error of a chaincode rule refusal found in
// msg, or nil. Fabric passes the chaincode's refusal on as text (its JSON,
// after the peer's own words: "chaincode response 500, {...}"), so this is
// where it is read back into a chaincode.RuleError, once, for ledger.Refused
// to build the same error the embedded ledger gives.
func ruleFailure(txID string, msg string) *ledger.Error {
	re, ok := chaincode.ParseRuleError(msg)
	if !ok {
		return nil
	}
	le, ok := ledger.Refused(txID, re, nil)
	if !ok {
		return nil
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

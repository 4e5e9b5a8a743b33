// Package ledger is the port through which rxledger's services reach the shared
// DSCSA ledger, whatever runs it: the embedded ledger (sub-package embedded, the
// default) or a Hyperledger Fabric network through the gateway (sub-package
// fabric). Both run the same chaincode, so services cannot tell them apart.
package ledger

import (
	"context"
	"errors"
	"fmt"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
)

// Client is the part of a Ledger that services answering requests use:
// submit and evaluate as an organisation.
type Client interface {
	Submit(ctx context.Context, org string, tx Transaction) (Receipt, error)
	Evaluate(ctx context.Context, org string, function string, args ...string) ([]byte, error)
}

// Ledger is what services need of the ledger. Implementations are safe for
// concurrent use.
type Ledger interface {
	// Submit endorses, orders and commits one transaction as organisation org
	// (its MSP ID) and returns once the transaction is committed and valid.
	// Transient data (private data such as T3) reaches the chaincode but is
	// never written to the shared ledger or its blocks.
	Submit(ctx context.Context, org string, tx Transaction) (Receipt, error)

	// Evaluate runs a read-only chaincode function as org against the latest
	// committed state and returns its result. Nothing is ordered or committed.
	Evaluate(ctx context.Context, org string, function string, args ...string) ([]byte, error)

	// Height is the number of committed blocks: the next block's number.
	Height(ctx context.Context) (uint64, error)

	// Blocks calls handle for every committed block numbered from onwards, in
	// order, including blocks that carry no chaincode event, then waits for new
	// ones until ctx ends (returning nil) or handle returns an error (returning
	// it). A consumer that stores the last block it handled resumes exactly
	// with Blocks(ctx, last+1, ...).
	Blocks(ctx context.Context, from uint64, handle func(Block) error) error

	// Close releases connections and files.
	Close() error
}

// Transaction is one chaincode invocation.
type Transaction struct {
	Function  string
	Args      []string
	Transient map[string][]byte
}

// Receipt describes a committed transaction.
type Receipt struct {
	TxID   string
	Block  uint64
	Result []byte
}

// Block is a committed block as projections see it: its number and the
// chaincode events of its valid transactions, in block order.
type Block struct {
	Number uint64
	Events []ChaincodeEvent
}

// ChaincodeEvent is the event one valid transaction emitted.
type ChaincodeEvent struct {
	TxID    string
	Name    string
	Payload []byte
}

// Error is a ledger failure. It always wraps a *problem.Error whose code says
// what the caller can do (Invalid, Forbidden, NotFound or TooLarge: the
// chaincode refused, with its message; Conflict: an MVCC read conflict, retry;
// Unavailable: the ledger cannot be reached, retry later; Internal: the
// chaincode or the ledger failed, not the caller), and it names the
// transaction when there is one.
//
// When the chaincode refused, Refusal is its refusal as the chaincode made
// it: the rule, the event index of a capture and the EPC (or other
// identifier) it names. Both ledgers fill it (Refused), so services read a
// refusal from here (RefusalOf), never from an error's text.
type Error struct {
	TxID    string
	Err     *problem.Error
	Refusal *chaincode.RuleError
}

func (e *Error) Error() string {
	if e.TxID == "" {
		return fmt.Sprintf("ledger: %v", e.Err)
	}
	return fmt.Sprintf("ledger: tx %s: %v", e.TxID, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// NewError builds an Error.
func NewError(txID string, code problem.Code, err error, format string, args ...any) *Error {
	return &Error{TxID: txID, Err: problem.Wrap(code, err, format, args...)}
}

// refusalCodes are the problem codes a chaincode refusal may carry.
var refusalCodes = map[string]problem.Code{
	string(problem.Invalid):   problem.Invalid,
	string(problem.Forbidden): problem.Forbidden,
	string(problem.Conflict):  problem.Conflict,
	string(problem.NotFound):  problem.NotFound,
	string(problem.TooLarge):  problem.TooLarge,
}

// Refused builds the Error of the chaincode's refusal re in transaction
// txID, as every ledger answers one: the problem has re's code, its detail
// (its rule when it has none), its rule and, for a capture, its event index
// as the location; Refusal is a copy of re; cause (re itself, or what the
// ledger received it as) stays in the chain for the logs. It reports false
// when re carries a code that is none of a refusal's: the chaincode failed,
// and the ledger answers that its own way.
func Refused(txID string, re *chaincode.RuleError, cause error) (*Error, bool) {
	code, ok := refusalCodes[re.Code]
	if !ok || re.Rule == "" {
		return nil, false
	}
	detail := re.Detail
	if detail == "" {
		detail = re.Rule
	}
	if cause == nil {
		cause = re
	}
	r := *re
	if re.EventIndex != nil {
		r.EventIndex = problem.Index(*re.EventIndex)
	}
	le := NewError(txID, code, cause, "%s", detail)
	le.Err.Rule = r.Rule
	if r.EventIndex != nil {
		le.Err.Where = []problem.Location{{Index: problem.Index(*r.EventIndex)}}
	}
	le.Refusal = &r
	return le, true
}

// RefusalOf returns the chaincode's refusal that err carries: the Refusal
// of the first *Error in its chain, when the chaincode refused.
func RefusalOf(err error) (*chaincode.RuleError, bool) {
	var le *Error
	if !errors.As(err, &le) || le.Refusal == nil {
		return nil, false
	}
	return le.Refusal, true
}

// TxIDOf returns the transaction ID carried by err, if any.
func TxIDOf(err error) string {
	var le *Error
	if errors.As(err, &le) {
		return le.TxID
	}
	return ""
}

package fabric

import (
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// implicitPrefix starts the name of an organisation's implicit private
// collection, _implicit_org_<MSPID>.
const implicitPrefix = "_implicit_org_"

// protectedMarker precedes the list of collections in the gateway's refusal
// to choose endorsers for a proposal with transient data.
const protectedMarker = "private data collection(s): ["

// collectionOrgs reads the gateway's refusal to choose endorsers because the
// transient data would reach organisations outside the private collections
// the chaincode wrote, and returns the organisations owning those
// collections. It reports false for any other error, and when a collection
// written is not an implicit one (its members are not known here).
func collectionOrgs(err error) ([]string, bool) {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.FailedPrecondition {
		return nil, false
	}
	msg := st.Message()
	i := strings.Index(msg, protectedMarker)
	if i < 0 {
		return nil, false
	}
	list, _, ok := strings.Cut(msg[i+len(protectedMarker):], "]")
	if !ok {
		return nil, false
	}
	var orgs []string
	seen := map[string]bool{}
	for _, name := range strings.Fields(list) {
		org, ok := strings.CutPrefix(name, implicitPrefix)
		if !ok || org == "" {
			return nil, false
		}
		if !seen[org] {
			seen[org] = true
			orgs = append(orgs, org)
		}
	}
	return orgs, len(orgs) > 0
}

// collectFailure starts the gateway's message when the endorsers after the
// first did not yield enough endorsements.
const collectFailure = "failed to collect enough transaction endorsements"

// mismatch is the gateway's detail for an endorser whose result differs
// from the others'.
const mismatch = "ProposalResponsePayloads do not match"

// disagreement reports whether an endorsement failed because the endorsers
// did not agree: some simulated the transaction successfully and others
// refused it or produced a different result. Peers that see different
// states (one has not committed the latest block yet) do that; retrying
// resolves it, while refusing the transaction outright would be wrong. The
// endorsers were either chosen by the gateway after the submitter's own peer
// succeeded (endorsers == 0), or named by the caller (endorsers of them).
func disagreement(err error, endorsers int) bool {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Aborted || !strings.HasPrefix(st.Message(), collectFailure) {
		return false
	}
	refusals := 0
	for _, d := range st.Details() {
		detail, ok := d.(*gateway.ErrorDetail)
		if !ok {
			continue
		}
		switch msg := detail.GetMessage(); {
		case strings.Contains(msg, mismatch):
			return true
		case strings.Contains(msg, chaincodeResponse):
			refusals++
		}
	}
	if endorsers == 0 {
		return refusals > 0
	}
	return refusals > 0 && refusals < endorsers
}

// disagreeError marks a disagreement among endorsers, which Submit retries
// before returning it (as a Conflict).
type disagreeError struct{ err error }

func (e *disagreeError) Error() string { return e.err.Error() }
func (e *disagreeError) Unwrap() error { return e.err }

// endorsersDisagree is the retryable error of a disagreement.
func endorsersDisagree(txID string, err error) *ledger.Error {
	return ledger.NewError(txID, problem.Conflict, &disagreeError{err}, "the endorsing peers disagree (one has not caught up with the latest block); retry")
}

package fabric

import (
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

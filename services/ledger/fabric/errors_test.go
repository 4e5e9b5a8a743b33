package fabric

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// endorseFailure builds the error the gateway returns when endorsers
// answered with errors: Aborted, one detail per endorser.
func endorseFailure(t *testing.T, messages ...string) error {
	t.Helper()
	st := status.New(codes.Aborted, "failed to endorse transaction, see attached details for more info")
	for i, m := range messages {
		var err error
		st, err = st.WithDetails(&gateway.ErrorDetail{Address: fmt.Sprintf("127.0.0.1:%d", 7051+i), MspId: "ManufacturerMSP", Message: m})
		if err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Errorf("endorse error: %w", st.Err())
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name       string
		err        func(t *testing.T) error
		code       problem.Code
		detail     string
		eventIndex int // -1: none
	}{
		{"rule refusal in an endorser's detail", func(t *testing.T) error {
			return endorseFailure(t, `chaincode response 500, {"code":"forbidden","rule":"not-owner","eventIndex":2,"epc":"urn:epc:id:sgtin:0312345.012345.9","detail":"not the owner"}`)
		}, problem.Forbidden, "not the owner", 2},
		{"rule refusal in an evaluation's message", func(*testing.T) error {
			return status.Error(codes.Unknown, `evaluate call to endorser returned error: chaincode response 500, {"code":"not-found","rule":"unknown-serial","detail":"no such serial"}`)
		}, problem.NotFound, "no such serial", -1},
		{"rule refusal without detail uses the rule", func(t *testing.T) error {
			return endorseFailure(t, `chaincode response 500, {"code":"invalid","rule":"bad-gtin"}`)
		}, problem.Invalid, "bad-gtin", -1},
		{"refusal wins over a second endorser's outage", func(t *testing.T) error {
			return endorseFailure(t, "connection refused", `chaincode response 500, {"code":"conflict","rule":"shipped","detail":"already shipped"}`)
		}, problem.Conflict, "already shipped", -1},
		{"unknown refusal code is the chaincode's failure", func(t *testing.T) error {
			return endorseFailure(t, `chaincode response 500, {"code":"teapot","rule":"r","detail":"d"}`)
		}, problem.Internal, `{"code":"teapot"`, -1},
		{"plain chaincode error is the chaincode's failure, not the caller's", func(t *testing.T) error {
			return endorseFailure(t, `chaincode response 500, read serial~x: peer state database unavailable`)
		}, problem.Internal, `read serial~x`, -1},
		{"chaincode server down", func(t *testing.T) error {
			return endorseFailure(t, "error in simulation: failed to execute transaction: could not launch chaincode baseline_1:abc: connection refused")
		}, problem.Unavailable, "cannot be reached", -1},
		{"MVCC read conflict", func(*testing.T) error {
			return &client.CommitError{TransactionID: "tx1", Code: peer.TxValidationCode_MVCC_READ_CONFLICT}
		}, problem.Conflict, "retry", -1},
		{"phantom read conflict", func(*testing.T) error {
			return &client.CommitError{TransactionID: "tx1", Code: peer.TxValidationCode_PHANTOM_READ_CONFLICT}
		}, problem.Conflict, "retry", -1},
		{"endorsement policy failure", func(*testing.T) error {
			return &client.CommitError{TransactionID: "tx1", Code: peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE}
		}, problem.Internal, "ENDORSEMENT_POLICY_FAILURE", -1},
		{"peer unreachable", func(*testing.T) error {
			return fmt.Errorf("submit error: %w", status.Error(codes.Unavailable, "connection error: dial tcp 127.0.0.1:7051: connect: connection refused"))
		}, problem.Unavailable, "cannot be reached", -1},
		{"gRPC deadline", func(*testing.T) error {
			return status.Error(codes.DeadlineExceeded, "context deadline exceeded")
		}, problem.Unavailable, "cannot be reached", -1},
		{"caller's context ended", func(*testing.T) error {
			return fmt.Errorf("endorse: %w", context.Canceled)
		}, problem.Unavailable, "gave up", -1},
		{"no peers satisfy the policy", func(*testing.T) error {
			return status.Error(codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy")
		}, problem.Unavailable, "not enough peers", -1},
		{"anything else", func(*testing.T) error {
			return errors.New("something odd")
		}, problem.Internal, "step", -1},
	}
	// The refusals name their rule; every other error names none.
	refusalRules := map[string]string{
		"rule refusal in an endorser's detail":         "not-owner",
		"rule refusal in an evaluation's message":      "unknown-serial",
		"rule refusal without detail uses the rule":    "bad-gtin",
		"refusal wins over a second endorser's outage": "shipped",
	}
	refusalEPCs := map[string]string{
		"rule refusal in an endorser's detail": "urn:epc:id:sgtin:0312345.012345.9",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify("tx1", tt.err(t), "step")
			le := wantCode(t, err, tt.code)
			if le.TxID != "tx1" {
				t.Errorf("TxID %q, want tx1", le.TxID)
			}
			if !strings.Contains(le.Error(), tt.detail) {
				t.Errorf("error %q, want it to contain %q", le.Error(), tt.detail)
			}
			// A refusal names its rule; nothing else does.
			want := refusalRules[tt.name]
			if le.Err.Rule != want {
				t.Errorf("rule %q, want %q", le.Err.Rule, want)
			}
			// It carries the refusal itself, with the EPC it names, for
			// services to read without parsing the text again.
			re, ok := ledger.RefusalOf(err)
			switch {
			case ok != (want != ""):
				t.Errorf("RefusalOf = %+v, %v; want a refusal: %v", re, ok, want != "")
			case ok && (re.Rule != want || re.EPC != refusalEPCs[tt.name]):
				t.Errorf("refusal %+v, want rule %q and EPC %q", re, want, refusalEPCs[tt.name])
			case ok && (tt.eventIndex < 0) != (re.EventIndex == nil):
				t.Errorf("refusal's event index %v, want %d", re.EventIndex, tt.eventIndex)
			}
			switch {
			case tt.eventIndex < 0 && len(le.Err.Where) != 0:
				t.Errorf("where %+v, want none", le.Err.Where)
			case tt.eventIndex >= 0 && (len(le.Err.Where) != 1 || *le.Err.Where[0].Index != tt.eventIndex):
				t.Errorf("where %+v, want event index %d", le.Err.Where, tt.eventIndex)
			}
		})
	}
	t.Run("nil stays nil", func(t *testing.T) {
		if err := classify("tx1", nil, "step"); err != nil {
			t.Errorf("classify(nil) = %v", err)
		}
	})
}

func TestCollectionOrgs(t *testing.T) {
	const refusal = "requires endorsement from organisation(s) that are not in the distribution policy of the private data collection(s): %s; retry specifying trusted endorsing organizations to protect transient data"
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"implicit collections", status.Errorf(codes.FailedPrecondition, refusal, "[_implicit_org_ManufacturerMSP _implicit_org_RegulatorMSP _implicit_org_ManufacturerMSP]"),
			[]string{"ManufacturerMSP", "RegulatorMSP"}},
		{"wrapped", fmt.Errorf("endorse error: %w", status.Errorf(codes.FailedPrecondition, refusal, "[_implicit_org_PharmacyMSP]")),
			[]string{"PharmacyMSP"}},
		{"an explicit collection", status.Errorf(codes.FailedPrecondition, refusal, "[_implicit_org_PharmacyMSP pricing]"), nil},
		{"empty list", status.Errorf(codes.FailedPrecondition, refusal, "[]"), nil},
		{"other precondition", status.Error(codes.FailedPrecondition, "no combination of peers can be derived"), nil},
		{"other code", status.Errorf(codes.Aborted, refusal, "[_implicit_org_PharmacyMSP]"), nil},
		{"not gRPC", errors.New("private data collection(s): [_implicit_org_PharmacyMSP]"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := collectionOrgs(tt.err)
			if ok != (tt.want != nil) || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("collectionOrgs = %v, %v; want %v", got, ok, tt.want)
			}
		})
	}
}

func TestValidationFailureNamesTransaction(t *testing.T) {
	err := error(validationFailure("tx9", peer.TxValidationCode_MVCC_READ_CONFLICT))
	if got := ledger.TxIDOf(err); got != "tx9" {
		t.Errorf("TxIDOf = %q, want tx9", got)
	}
}

func TestDisagreement(t *testing.T) {
	refusal := `chaincode response 500, {"code":"invalid","rule":"not-in-transit","detail":"active, not in transit"}`
	collect := func(t *testing.T, messages ...string) error {
		t.Helper()
		st := status.New(codes.Aborted, "failed to collect enough transaction endorsements, see attached details for more info")
		for _, m := range messages {
			var err error
			if st, err = st.WithDetails(&gateway.ErrorDetail{Message: m}); err != nil {
				t.Fatal(err)
			}
		}
		return st.Err()
	}
	tests := []struct {
		name      string
		err       func(t *testing.T) error
		endorsers int
		want      bool
	}{
		{"gateway's choice refuses after the submitter's peer accepted", func(t *testing.T) error { return collect(t, refusal) }, 0, true},
		{"results differ", func(t *testing.T) error { return collect(t, "ProposalResponsePayloads do not match") }, 3, true},
		{"one of three named endorsers refuses", func(t *testing.T) error { return collect(t, refusal) }, 3, true},
		{"every named endorser refuses", func(t *testing.T) error { return collect(t, refusal, refusal, refusal) }, 3, false},
		{"an endorser is down", func(t *testing.T) error { return collect(t, "connection refused") }, 0, false},
		{"the submitter's peer refuses", func(t *testing.T) error { return endorseFailure(t, refusal) }, 0, false},
		{"not a gRPC error", func(*testing.T) error { return errors.New(refusal) }, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err(t)
			if got := disagreement(err, tt.endorsers); got != tt.want {
				t.Errorf("disagreement = %v, want %v", got, tt.want)
			}
			if tt.want {
				wantCode(t, endorsersDisagree("tx1", err), problem.Conflict)
			}
		})
	}
}

package records

import (
	"strings"

	"github.com/gin-gonic/gin"

	"rxledger/chaincode"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// checked is a request body that checks its own fields.
type checked interface{ check() error }

// readBody decodes the request's JSON body into b and checks it; on a
// problem it answers it and reports false.
func readBody(c *gin.Context, b checked) bool {
	err := httpx.DecodeJSON(c, b)
	if err == nil {
		err = b.check()
	}
	if err != nil {
		httpx.Fail(c, err)
		return false
	}
	return true
}

// MaxReasonChars bounds a recall's reason. The reason is written to the
// shared state, into every member's blocks, and every partner reads it
// with the lot.
const MaxReasonChars = chaincode.MaxRecallReason

// recallBody is the body of POST /lots/{gtin}/{lot}/recall.
type recallBody struct {
	// Reason says why the lot is recalled. The chaincode stores any text;
	// the service requires one of plain text (chaincode.PlainText, as for a
	// partner's name).
	Reason string `json:"reason"`
}

func (b *recallBody) check() error {
	switch {
	case strings.TrimSpace(b.Reason) == "":
		return problem.New(problem.Invalid, "a recall needs a reason").At(problem.Location{Field: "reason"})
	case !chaincode.PlainText(b.Reason, MaxReasonChars):
		return problem.New(problem.Invalid,
			"the reason must be at most %d characters of text, without line breaks, control or direction-formatting characters", MaxReasonChars).
			At(problem.Location{Field: "reason"})
	}
	return nil
}

// investigationBody is the body of PUT /items/{epc}/investigation.
type investigationBody struct {
	State chaincode.Investigation `json:"state"`
}

func (b *investigationBody) check() error {
	switch b.State {
	case chaincode.InvestigationSuspect, chaincode.InvestigationQuarantined, chaincode.InvestigationIllegitimate, chaincode.InvestigationCleared:
		return nil
	case "":
		return problem.New(problem.Invalid, "state is required: suspect, quarantined, illegitimate or cleared").
			At(problem.Location{Field: "state"})
	}
	return problem.New(problem.Invalid, "state %q is not suspect, quarantined, illegitimate or cleared", b.State).
		At(problem.Location{Field: "state"})
}

package verify

import (
	"time"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
)

// Where an answer came from.
const (
	SourceCache  = "cache"
	SourceLedger = "ledger"
)

// Response is one GS1 Lightweight Messaging Standard verification answer.
// The LMS fields keep their LMS names; ledgerHeight (the number of blocks
// the answer reflects), conditions and source are rxledger extensions.
type Response struct {
	Verified                  bool     `json:"verified"`
	VerificationFailureReason string   `json:"verificationFailureReason,omitempty"`
	AdditionalInfo            string   `json:"additionalInfo,omitempty"`
	Conditions                []string `json:"conditions,omitempty"`
	CorrUUID                  string   `json:"corrUUID,omitempty"`
	// VerificationTimestamp is when the answer was computed (UTC).
	VerificationTimestamp time.Time `json:"verificationTimestamp"`
	ResponderGLN          string    `json:"responderGLN,omitempty"`
	// LedgerHeight is the ledger height (blocks committed) the answer
	// reflects at least.
	LedgerHeight uint64 `json:"ledgerHeight"`
	Source       string `json:"source"`
	// Problem is set, in a batch, for a request that has no LMS answer (an
	// unknown GTIN); a single request answers it as an HTTP problem.
	Problem *problem.Body `json:"problem,omitempty"`
}

// fromResult builds the answer of a chaincode.VerifyResult.
func fromResult(r chaincode.VerifyResult, req *Request, now time.Time, height uint64, source string) Response {
	return Response{
		Verified:                  r.Verified,
		VerificationFailureReason: r.VerificationFailureReason,
		AdditionalInfo:            r.AdditionalInfo,
		Conditions:                r.Conditions,
		CorrUUID:                  req.CorrUUID,
		VerificationTimestamp:     now.UTC(),
		LedgerHeight:              height,
		Source:                    source,
	}
}

// sameAnswer reports whether two answers say the same about the package.
func sameAnswer(a, b chaincode.VerifyResult) bool {
	if a.Verified != b.Verified || a.VerificationFailureReason != b.VerificationFailureReason ||
		a.AdditionalInfo != b.AdditionalInfo || len(a.Conditions) != len(b.Conditions) {
		return false
	}
	for i := range a.Conditions {
		if a.Conditions[i] != b.Conditions[i] {
			return false
		}
	}
	return true
}

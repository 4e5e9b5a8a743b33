package verify

import (
	"rxledger/chaincode"
	"rxledger/epcis/gs1"
	"rxledger/services/platform/problem"
)

// Request is one verification request as a partner sends it: the product
// identifier on the package (GTIN, serial, optionally lot and expiry as
// printed in AI 17, YYMMDD) and the request's LMS context.
type Request struct {
	GTIN   string `json:"gtin"`
	Serial string `json:"serial"`
	Lot    string `json:"lot,omitempty"`
	Expiry string `json:"expiry,omitempty"` // YYMMDD
	// ReqGLN is the requesting location's GLN; when given it must be one of
	// the caller organisation's GLNs.
	ReqGLN   string `json:"reqGLN,omitempty"`
	CorrUUID string `json:"corrUUID,omitempty"`
	Context  string `json:"context,omitempty"`
}

// Limits of the request fields.
const (
	maxCorrUUID = 128
	maxContext  = 128
)

// Validate checks every field and returns an Invalid problem naming the
// first wrong one (field names as the request carries them: prefix is
// prepended, e.g. "requests[3].").
func (r *Request) Validate(prefix string) *problem.Error {
	bad := func(field, format string, args ...any) *problem.Error {
		return problem.New(problem.Invalid, format, args...).At(problem.Location{Field: prefix + field})
	}
	switch {
	case len(r.GTIN) != 14 || !allDigits(r.GTIN):
		return bad("gtin", "gtin %q is not 14 digits", r.GTIN)
	case !gs1.ValidCheckDigit(r.GTIN):
		return bad("gtin", "gtin %s has a wrong check digit", r.GTIN)
	case !chaincode.ValidSerial(r.Serial):
		return bad("serial", "serial %q is not 1 to 20 characters of GS1 character set 82", r.Serial)
	case r.Lot != "" && !chaincode.ValidSerial(r.Lot):
		return bad("lot", "lot %q is not 1 to 20 characters of GS1 character set 82", r.Lot)
	case r.Expiry != "" && !validExpiry(r.Expiry):
		return bad("expiry", "expiry %q is not a date YYMMDD", r.Expiry)
	case r.ReqGLN != "" && (len(r.ReqGLN) != 13 || !allDigits(r.ReqGLN) || !gs1.ValidCheckDigit(r.ReqGLN)):
		return bad("reqGLN", "reqGLN %q is not a 13-digit GLN with a valid check digit", r.ReqGLN)
	case len(r.CorrUUID) > maxCorrUUID:
		return bad("corrUUID", "corrUUID is longer than %d characters", maxCorrUUID)
	case !printableASCII(r.CorrUUID):
		return bad("corrUUID", "corrUUID holds a character that is not printable ASCII")
	case len(r.Context) > maxContext:
		return bad("context", "context is longer than %d characters", maxContext)
	case !printableASCII(r.Context):
		return bad("context", "context holds a character that is not printable ASCII")
	}
	return nil
}

// chaincodeRequest is the request as the chaincode's Verify takes it.
func (r *Request) chaincodeRequest() chaincode.VerifyRequest {
	return chaincode.VerifyRequest{
		GTIN: r.GTIN, Serial: r.Serial, Lot: r.Lot, Expiry: r.Expiry,
		RequesterGLN: r.ReqGLN, CorrelationID: r.CorrUUID, Context: r.Context,
	}
}

func validExpiry(s string) bool {
	if len(s) != 6 || !allDigits(s) {
		return false
	}
	_, ok := chaincode.NormalizeExpiry(s)
	return ok
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// printableASCII reports whether s holds only printable ASCII (space to
// '~'): a correlation ID or context is echoed into answers and logs, where
// a control character (a NUL, a newline) has no place.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

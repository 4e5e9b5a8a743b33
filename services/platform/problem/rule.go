package problem

import "errors"

// RuleFields says where in a request the ledger chaincode's refusals are:
// the field each rule concerns (for example "partner-gln-invalid" at
// "glns", "investigation-transition" at "state"). The ledger adapters
// already give a refusal its code, detail and rule (Error.Rule); a service
// that knows which part of its request each rule is about adds that with
// Locate, so that a client is told where to mend its request.
type RuleFields map[string]string

// Refusal returns the chaincode refusal in err's chain: its first *Error,
// when that names a rule.
func Refusal(err error) (*Error, bool) {
	var pe *Error
	if !errors.As(err, &pe) || pe.Rule == "" {
		return nil, false
	}
	return pe, true
}

// Field returns the chaincode refusal in err's chain and the field f names
// for its rule; ok is false when err is no refusal or f names no field for
// its rule.
func (f RuleFields) Field(err error) (pe *Error, field string, ok bool) {
	pe, ok = Refusal(err)
	if !ok {
		return nil, "", false
	}
	field, ok = f[pe.Rule]
	return pe, field, ok
}

// Locate returns err with the field of its chaincode refusal as its
// location when f names one for the rule; any other error is returned as
// it is.
func (f RuleFields) Locate(err error) error {
	pe, field, ok := f.Field(err)
	if !ok {
		return err
	}
	return pe.At(Location{Field: field})
}

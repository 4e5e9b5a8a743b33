package chaincode

import (
	"encoding/json"
	"strings"
)

// The error codes a RuleError carries; they are the codes of rxledger's
// problem vocabulary (services/platform/problem), repeated here because the
// chaincode imports only the standard library and epcis.
const (
	CodeInvalid   = "invalid"
	CodeForbidden = "forbidden"
	CodeConflict  = "conflict"
	CodeNotFound  = "not-found"
)

// RuleError is a refusal by the chaincode. Its Error text is a JSON object
// with a fixed field order, stable enough for a ledger that receives it as
// text (Fabric) to parse back with ParseRuleError:
//
//	{"code":"forbidden","rule":"not-owner","eventIndex":3,"epc":"urn:epc:id:sgtin:...","detail":"..."}
//
// EventIndex is omitted when the refusal concerns no event of a capture.
type RuleError struct {
	Code       string `json:"code"`
	Rule       string `json:"rule"`
	EventIndex *int   `json:"eventIndex,omitempty"`
	EPC        string `json:"epc,omitempty"`
	Detail     string `json:"detail"`
}

func (e *RuleError) Error() string {
	b, err := json.Marshal(e)
	if err != nil { // cannot happen for a struct of strings
		return `{"code":"invalid","rule":"` + e.Rule + `"}`
	}
	return string(b)
}

// ParseRuleError finds the JSON object of a RuleError in msg, which may carry
// a prefix added by a ledger (Fabric wraps chaincode messages in its own
// text). It reports false when msg holds none.
func ParseRuleError(msg string) (*RuleError, bool) {
	for i := strings.IndexByte(msg, '{'); i >= 0; {
		var re RuleError
		dec := json.NewDecoder(strings.NewReader(msg[i:]))
		if err := dec.Decode(&re); err == nil && re.Code != "" && re.Rule != "" {
			return &re, true
		}
		j := strings.IndexByte(msg[i+1:], '{')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return nil, false
}

// refuse builds a RuleError that concerns no particular event.
func refuse(code, rule, epc, detail string) *RuleError {
	return &RuleError{Code: code, Rule: rule, EPC: epc, Detail: detail}
}

// refuseEvent builds a RuleError for event index i of a capture.
func refuseEvent(i int, code, rule, epc, detail string) *RuleError {
	return &RuleError{Code: code, Rule: rule, EventIndex: &i, EPC: epc, Detail: detail}
}

package verify

import (
	"encoding/json"
	"rxledger/epcis"
	"strconv"
	"time"
)

// The answers are encoded by hand: encoding/json's reflection was a large
// share of a cached answer's CPU, and a batch holds a thousand of them.

// MarshalJSON encodes the answer as encoding/json would.
func (r *Response) MarshalJSON() ([]byte, error) { return r.appendJSON(make([]byte, 0, 320)), nil }

// appendJSON appends the answer's JSON to b. A batch entry that has no LMS
// answer (Problem) is the problem alone, with the request's corrUUID: a
// "verified": false beside it would read as a failed verification.
func (r *Response) appendJSON(b []byte) []byte {
	if r.Problem != nil {
		b = append(b, '{')
		if r.CorrUUID != "" {
			b = append(b, `"corrUUID":`...)
			b = epcis.AppendJSONString(b, r.CorrUUID)
			b = append(b, ',')
		}
		p, err := json.Marshal(r.Problem)
		if err != nil {
			p = []byte("null")
		}
		b = append(b, `"problem":`...)
		b = append(b, p...)
		return append(b, '}')
	}
	b = append(b, `{"verified":`...)
	b = strconv.AppendBool(b, r.Verified)
	if r.VerificationFailureReason != "" {
		b = append(b, `,"verificationFailureReason":`...)
		b = epcis.AppendJSONString(b, r.VerificationFailureReason)
	}
	if r.AdditionalInfo != "" {
		b = append(b, `,"additionalInfo":`...)
		b = epcis.AppendJSONString(b, r.AdditionalInfo)
	}
	if len(r.Conditions) > 0 {
		b = append(b, `,"conditions":[`...)
		for i, c := range r.Conditions {
			if i > 0 {
				b = append(b, ',')
			}
			b = epcis.AppendJSONString(b, c)
		}
		b = append(b, ']')
	}
	if r.CorrUUID != "" {
		b = append(b, `,"corrUUID":`...)
		b = epcis.AppendJSONString(b, r.CorrUUID)
	}
	b = append(b, `,"verificationTimestamp":"`...)
	b = r.VerificationTimestamp.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if r.ResponderGLN != "" {
		b = append(b, `,"responderGLN":`...)
		b = epcis.AppendJSONString(b, r.ResponderGLN)
	}
	b = append(b, `,"ledgerHeight":`...)
	b = strconv.AppendUint(b, r.LedgerHeight, 10)
	b = append(b, `,"source":`...)
	b = epcis.AppendJSONString(b, r.Source)
	return append(b, '}')
}

// MarshalJSON encodes the batch answer.
func (br BatchResponse) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 16+300*len(br.Responses))
	b = append(b, `{"responses":[`...)
	for i := range br.Responses {
		if i > 0 {
			b = append(b, ',')
		}
		b = br.Responses[i].appendJSON(b)
	}
	return append(b, ']', '}'), nil
}

package verify

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The answers are encoded by hand: encoding/json's reflection was a large
// share of a cached answer's CPU, and a batch holds a thousand of them.

// MarshalJSON encodes the answer as encoding/json would.
func (r *Response) MarshalJSON() ([]byte, error) { return r.appendJSON(make([]byte, 0, 320)), nil }

// appendJSON appends the answer's JSON to b.
func (r *Response) appendJSON(b []byte) []byte {
	b = append(b, `{"verified":`...)
	b = strconv.AppendBool(b, r.Verified)
	if r.VerificationFailureReason != "" {
		b = append(b, `,"verificationFailureReason":`...)
		b = appendString(b, r.VerificationFailureReason)
	}
	if r.AdditionalInfo != "" {
		b = append(b, `,"additionalInfo":`...)
		b = appendString(b, r.AdditionalInfo)
	}
	if len(r.Conditions) > 0 {
		b = append(b, `,"conditions":[`...)
		for i, c := range r.Conditions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c)
		}
		b = append(b, ']')
	}
	if r.CorrUUID != "" {
		b = append(b, `,"corrUUID":`...)
		b = appendString(b, r.CorrUUID)
	}
	b = append(b, `,"verificationTimestamp":"`...)
	b = r.VerificationTimestamp.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if r.ResponderGLN != "" {
		b = append(b, `,"responderGLN":`...)
		b = appendString(b, r.ResponderGLN)
	}
	b = append(b, `,"ledgerHeight":`...)
	b = strconv.AppendUint(b, r.LedgerHeight, 10)
	b = append(b, `,"source":`...)
	b = appendString(b, r.Source)
	if r.Problem != nil {
		p, err := json.Marshal(r.Problem)
		if err == nil {
			b = append(b, `,"problem":`...)
			b = append(b, p...)
		}
	}
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

// appendString appends s as a JSON string, escaping as encoding/json does
// (HTML characters included).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, `\u202`...)
				b = append(b, hexDigit[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigit = "0123456789abcdef"

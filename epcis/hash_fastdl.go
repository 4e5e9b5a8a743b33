package epcis

import (
	"strings"

	"rxledger/epcis/gs1"
)

// fastEPCToDL converts the EPC URNs that dominate DSCSA traffic (SGTIN,
// SSCC, SGLN, PGLN) to canonical Digital Links without the general
// translator, for the capture hot path. It gives the same result as
// gs1.EPCToDigitalLink (tests compare the two) and declines (ok false)
// anything it does not handle in full: other schemes, percent escapes,
// malformed input. Callers then use gs1.EPCToDigitalLink.
func fastEPCToDL(v string) (dl string, ok bool) {
	var buf [96]byte
	out, ok := appendFastDL(buf[:0], v)
	if !ok {
		return "", false
	}
	return string(out), true
}

// fastEPCValid reports whether fastEPCToDL would accept v, without building
// the Digital Link.
func fastEPCValid(v string) bool {
	_, ok := appendFastDL(nil, v)
	return ok
}

const (
	prefixSGTIN = "urn:epc:id:sgtin:"
	prefixSSCC  = "urn:epc:id:sscc:"
	prefixSGLN  = "urn:epc:id:sgln:"
	prefixPGLN  = "urn:epc:id:pgln:"
)

// appendFastDL appends the Digital Link of v to buf; with a nil buf it only
// checks v.
func appendFastDL(buf []byte, v string) ([]byte, bool) {
	check := buf == nil
	switch {
	case strings.HasPrefix(v, prefixSGTIN):
		cp, ir, serial, ok := splitThree(v[len(prefixSGTIN):])
		if !ok || !companyPrefix(cp) || !digits(ir) || len(cp)+len(ir) != 13 || !plainComponent(serial) {
			return nil, false
		}
		if check {
			return nil, true
		}
		buf = append(buf, gs1.CanonicalDLHost+"/01/"...)
		start := len(buf)
		buf = append(buf, ir[0])
		buf = append(buf, cp...)
		buf = append(buf, ir[1:]...)
		buf = append(buf, checkDigit(buf[start:]))
		buf = append(buf, "/21/"...)
		return append(buf, serial...), true
	case strings.HasPrefix(v, prefixSSCC):
		cp, sr, ok := strings.Cut(v[len(prefixSSCC):], ".")
		if !ok || !companyPrefix(cp) || !digits(sr) || len(cp)+len(sr) != 17 {
			return nil, false
		}
		if check {
			return nil, true
		}
		buf = append(buf, gs1.CanonicalDLHost+"/00/"...)
		start := len(buf)
		buf = append(buf, sr[0])
		buf = append(buf, cp...)
		buf = append(buf, sr[1:]...)
		return append(buf, checkDigit(buf[start:])), true
	case strings.HasPrefix(v, prefixSGLN):
		cp, lr, ext, ok := splitThree(v[len(prefixSGLN):])
		if !ok || !companyPrefix(cp) || len(cp)+len(lr) != 12 || (lr != "" && !digits(lr)) || !plainComponent(ext) {
			return nil, false
		}
		if check {
			return nil, true
		}
		buf = append(buf, gs1.CanonicalDLHost+"/414/"...)
		start := len(buf)
		buf = append(buf, cp...)
		buf = append(buf, lr...)
		buf = append(buf, checkDigit(buf[start:]))
		if ext != "0" {
			buf = append(buf, "/254/"...)
			buf = append(buf, ext...)
		}
		return buf, true
	case strings.HasPrefix(v, prefixPGLN):
		cp, pr, ok := strings.Cut(v[len(prefixPGLN):], ".")
		if !ok || !companyPrefix(cp) || len(cp)+len(pr) != 12 || (pr != "" && !digits(pr)) {
			return nil, false
		}
		if check {
			return nil, true
		}
		buf = append(buf, gs1.CanonicalDLHost+"/417/"...)
		start := len(buf)
		buf = append(buf, cp...)
		buf = append(buf, pr...)
		return append(buf, checkDigit(buf[start:])), true
	}
	return nil, false
}

// checkDigit is gs1.CheckDigit for a byte slice of digits.
func checkDigit(body []byte) byte {
	sum, weight := 0, 3
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * weight
		weight = 4 - weight
	}
	return byte('0' + (10-sum%10)%10)
}

// splitThree splits "a.b.c" at its first two dots.
func splitThree(s string) (a, b, c string, ok bool) {
	a, rest, ok1 := strings.Cut(s, ".")
	b, c, ok2 := strings.Cut(rest, ".")
	return a, b, c, ok1 && ok2
}

// companyPrefix reports whether s is a GS1 company prefix: 6 to 12 digits.
func companyPrefix(s string) bool {
	return len(s) >= 6 && len(s) <= 12 && digits(s)
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// plainComponent reports whether s is a serial-like URN component of 1 to 20
// characters from the GS1 character set that need no percent escape in the
// URN ('%' escapes are left to the full translator).
func plainComponent(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!'()*+,-.:;=_", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// epcToDL converts with the fast path when it applies, else with gs1.
func epcToDL(v string) (string, error) {
	if dl, ok := fastEPCToDL(v); ok {
		return dl, nil
	}
	return gs1.EPCToDigitalLink(v)
}

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
	const (
		sgtin = "urn:epc:id:sgtin:"
		sscc  = "urn:epc:id:sscc:"
		sgln  = "urn:epc:id:sgln:"
		pgln  = "urn:epc:id:pgln:"
	)
	switch {
	case strings.HasPrefix(v, sgtin):
		cp, ir, serial, ok := splitThree(v[len(sgtin):])
		if !ok || !companyPrefix(cp) || !digits(ir) || len(cp)+len(ir) != 13 || !plainComponent(serial) {
			return "", false
		}
		var b [14]byte
		b[0] = ir[0]
		n := 1 + copy(b[1:], cp)
		n += copy(b[n:], ir[1:])
		b[13] = gs1.CheckDigit(string(b[:13]))
		return gs1.CanonicalDLHost + "/01/" + string(b[:]) + "/21/" + serial, true
	case strings.HasPrefix(v, sscc):
		cp, sr, ok := strings.Cut(v[len(sscc):], ".")
		if !ok || !companyPrefix(cp) || !digits(sr) || len(cp)+len(sr) != 17 {
			return "", false
		}
		body := sr[:1] + cp + sr[1:]
		return gs1.CanonicalDLHost + "/00/" + body + string(gs1.CheckDigit(body)), true
	case strings.HasPrefix(v, sgln):
		cp, lr, ext, ok := splitThree(v[len(sgln):])
		if !ok || !companyPrefix(cp) || len(cp)+len(lr) != 12 || (lr != "" && !digits(lr)) || !plainComponent(ext) {
			return "", false
		}
		gln := cp + lr
		gln += string(gs1.CheckDigit(gln))
		if ext == "0" {
			return gs1.CanonicalDLHost + "/414/" + gln, true
		}
		return gs1.CanonicalDLHost + "/414/" + gln + "/254/" + ext, true
	case strings.HasPrefix(v, pgln):
		cp, pr, ok := strings.Cut(v[len(pgln):], ".")
		if !ok || !companyPrefix(cp) || len(cp)+len(pr) != 12 || (pr != "" && !digits(pr)) {
			return "", false
		}
		gln := cp + pr
		return gs1.CanonicalDLHost + "/417/" + gln + string(gs1.CheckDigit(gln)), true
	}
	return "", false
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

package epcis

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"rxledger/epcis/gs1"
)

// hashTime writes an instant as the hash algorithm wants it: UTC, with
// exactly three fractional digits. Like the reference implementation, the
// time is first cut to microseconds and then rounded half to even to
// milliseconds.
func hashTime(t time.Time) string {
	t = t.UTC()
	micros := int64(t.Nanosecond() / 1000)
	millis := micros / 1000
	switch rem := micros % 1000; {
	case rem > 500, rem == 500 && millis%2 == 1:
		millis++
	}
	base := t.Truncate(time.Second).Add(time.Duration(millis) * time.Millisecond)
	return base.Format("2006-01-02T15:04:05.000Z")
}

// cbvURNPrefixes map the CBV 1.x URN prefixes to the CBV 2.0 web URI
// prefixes that replace them in the pre-hash string.
var cbvURNPrefixes = strings.NewReplacer(
	"urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-",
	"urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-",
	"urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-",
	"urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-",
	"urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-",
)

// hasCBVURN reports whether v holds one of the CBV URN prefixes that
// cbvURNPrefixes rewrites (business transaction IDs urn:epcglobal:cbv:bt:
// do not).
func hasCBVURN(v string) bool {
	for _, p := range [...]string{"urn:epcglobal:cbv:bizstep:", "urn:epcglobal:cbv:disp:",
		"urn:epcglobal:cbv:btt:", "urn:epcglobal:cbv:sdt:", "urn:epcglobal:cbv:er:"} {
		if strings.Contains(v, p) {
			return true
		}
	}
	return false
}

// canonicalValue is the pre-hash form of a field value: trimmed; CBV URNs as
// web URIs; numbers without insignificant zeros or sign; EPC URNs and GS1
// Digital Links (any host, short names, extra qualifiers) as canonical
// https://id.gs1.org Digital Links at their finest level of identification.
// Anything else is kept as written.
func canonicalValue(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if strings.Contains(v, "urn:epcglobal:cbv:") && hasCBVURN(v) {
		v = cbvURNPrefixes.Replace(v)
	}
	if n, ok := canonicalNumber(v); ok {
		return n
	}
	if dl, ok := hashDigitalLink(v); ok {
		return dl
	}
	return v
}

// hashDigitalLink converts an EPC URN or a Digital Link to the canonical
// Digital Link the hash uses: no CPV (AI 22), and no lot (AI 10) when a
// serial (AI 21) identifies the instance. As in the reference
// implementation, Digital Link short names (/gtin/, /ser/, ...) are read as
// their AIs, and the characters ! ( ) * + , : of a value taken from an EPC
// URN are percent-encoded.
func hashDigitalLink(v string) (string, bool) {
	fromURN := strings.HasPrefix(v, "urn:epc:")
	if !fromURN && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
		return "", false
	}
	if !fromURN {
		if !mayBeDigitalLink(v) {
			return "", false
		}
		v = dlShortNames(v)
	}
	dl, err := epcToDL(v)
	if err != nil {
		return "", false
	}
	if strings.Contains(dl, "/22/") || (strings.Contains(dl, "/10/") && strings.Contains(dl, "/21/")) {
		dl = dropQualifiers(dl)
	}
	if fromURN && strings.ContainsAny(dl[len(gs1.CanonicalDLHost):], "!()*+,:") {
		dl = gs1.CanonicalDLHost + urnValueEscaper.Replace(dl[len(gs1.CanonicalDLHost):])
	}
	return dl, true
}

// dlKeySegments are the path segments that start a GS1 Digital Link: the
// primary key AIs and their short names.
var dlKeySegments = map[string]bool{
	"00": true, "01": true, "253": true, "255": true, "401": true, "402": true, "414": true, "417": true,
	"8003": true, "8004": true, "8006": true, "8010": true, "8017": true, "8018": true,
	"sscc": true, "gtin": true, "gdti": true, "gcn": true, "ginc": true, "gsin": true, "gln": true,
	"party": true, "grai": true, "giai": true, "itip": true, "cpid": true, "gsrnp": true, "gsrn": true,
}

// mayBeDigitalLink is a cheap filter: whether the path of an http(s) URI has
// a segment naming a GS1 primary key, so that other URIs (CBV terms,
// transaction references) skip the full Digital Link parser.
func mayBeDigitalLink(v string) bool {
	i := strings.Index(v, "://")
	if i < 0 {
		return false
	}
	rest := v[i+3:]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return false
	}
	rest = rest[slash+1:]
	for rest != "" {
		seg := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, rest = rest[:j], rest[j+1:]
		} else {
			rest = ""
		}
		if dlKeySegments[seg] {
			return true
		}
	}
	return false
}

var urnValueEscaper = strings.NewReplacer(
	"!", "%21", "(", "%28", ")", "%29", "*", "%2A", "+", "%2B", ",", "%2C", ":", "%3A",
)

// dlShortNames rewrites the path of a Digital Link that uses the GS1 short
// names for keys and qualifiers to use AIs, and drops its query.
func dlShortNames(v string) string {
	if i := strings.IndexByte(v, '?'); i >= 0 {
		v = v[:i]
	}
	if !strings.Contains(v, "/gtin/") && !strings.Contains(v, "/sscc/") && !strings.Contains(v, "/gln/") &&
		!strings.Contains(v, "/ser/") && !strings.Contains(v, "/lot/") && !strings.Contains(v, "/cpv/") &&
		!strings.Contains(v, "/itip/") && !strings.Contains(v, "/cpid/") && !strings.Contains(v, "/party/") &&
		!strings.Contains(v, "/gsrn") && !strings.Contains(v, "/gcn/") && !strings.Contains(v, "/gdti/") &&
		!strings.Contains(v, "/ginc/") && !strings.Contains(v, "/gsin/") && !strings.Contains(v, "/grai/") &&
		!strings.Contains(v, "/giai/") {
		return v
	}
	return dlShortNameReplacer.Replace(v)
}

var dlShortNameReplacer = strings.NewReplacer(
	"/gtin/", "/01/", "/itip/", "/8006/", "/cpid/", "/8010/", "/gln/", "/414/", "/party/", "/417/",
	"/gsrnp/", "/8017/", "/gsrn/", "/8018/", "/gcn/", "/255/", "/sscc/", "/00/", "/gdti/", "/253/",
	"/ginc/", "/401/", "/gsin/", "/402/", "/grai/", "/8003/", "/giai/", "/8004/", "/cpv/", "/22/",
	"/lot/", "/10/", "/ser/", "/21/",
)

// dropQualifiers removes the /22/ and (before a /21/) /10/ path pairs of a
// canonical Digital Link.
func dropQualifiers(dl string) string {
	const host = gs1.CanonicalDLHost + "/"
	if !strings.HasPrefix(dl, host) {
		return dl
	}
	segs := strings.Split(dl[len(host):], "/")
	hasSerial := false
	for i := 2; i+1 < len(segs); i += 2 {
		if segs[i] == "21" {
			hasSerial = true
		}
	}
	out := segs[:2:2]
	for i := 2; i+1 < len(segs); i += 2 {
		if segs[i] == "22" || (segs[i] == "10" && hasSerial) {
			continue
		}
		out = append(out, segs[i], segs[i+1])
	}
	return host + strings.Join(out, "/")
}

// canonicalNumber reports whether v is a number (in the syntax the reference
// implementation accepts) and returns its canonical text: an integer value
// without decimals ("23.0" -> "23"), otherwise the shortest decimal that
// round-trips ("26.20" -> "26.2", "1e-5" -> "1e-05").
func canonicalNumber(v string) (string, bool) {
	c := v[0]
	if !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' {
		return "", false
	}
	clean, ok := numberSyntax(v)
	if !ok {
		return "", false
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	return formatNumber(f), true
}

// numberSyntax checks a decimal floating-point literal: optional sign,
// digits with an optional fraction (either part may be empty, not both), an
// optional exponent; single underscores may separate digits. It returns the
// literal without underscores.
func numberSyntax(v string) (string, bool) {
	i := 0
	if v[i] == '+' || v[i] == '-' {
		i++
	}
	digits := func() (int, bool) {
		n := 0
		for i < len(v) {
			switch {
			case v[i] >= '0' && v[i] <= '9':
				n++
				i++
			case v[i] == '_' && n > 0 && i+1 < len(v) && v[i+1] >= '0' && v[i+1] <= '9':
				i++
			default:
				return n, true
			}
		}
		return n, true
	}
	intDigits, _ := digits()
	fracDigits := 0
	if i < len(v) && v[i] == '.' {
		i++
		fracDigits, _ = digits()
	}
	if intDigits+fracDigits == 0 {
		return "", false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if n, _ := digits(); n == 0 {
			return "", false
		}
	}
	if i != len(v) {
		return "", false
	}
	if strings.IndexByte(v, '_') >= 0 {
		v = strings.ReplaceAll(v, "_", "")
	}
	return v, true
}

// formatNumber writes a number the way the reference implementation does:
// integral values as integers (exactly, however large), others as the
// shortest round-tripping decimal, in exponent form below 1e-4.
func formatNumber(f float64) string {
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		if f == 0 {
			return "0"
		}
		if math.Abs(f) < 1e18 {
			return strconv.FormatInt(int64(f), 10)
		}
		i, _ := big.NewFloat(f).Int(nil)
		return i.String()
	}
	if a := math.Abs(f); a < 1e-4 {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

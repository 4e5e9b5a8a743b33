package chaincode

import (
	"errors"
	"fmt"
	"strings"

	"rxledger/epcis/gs1"
)

// This file parses the GS1 identifiers the rules need (SGTIN, SSCC, LGTIN and
// the location and party GLNs) from both the EPC URN and the GS1 Digital Link
// form. epcis/gs1 converts between the two forms, but the rules need the
// parts (GTIN, serial, lot, GLN) of either, parsed once per EPC and without
// allocating a converted string, so the chaincode keeps this small parser.

// IDKind says what an identifier names.
type IDKind uint8

// The identifier kinds the rules handle.
const (
	KindSGTIN IDKind = iota + 1 // a serialised trade item: GTIN + serial
	KindSSCC                    // a logistic unit (case, pallet)
)

// ItemID is a parsed instance-level identifier: an SGTIN or an SSCC.
type ItemID struct {
	Kind   IDKind
	GTIN   string // 14 digits (SGTIN)
	Serial string // decoded serial (SGTIN)
	SSCC   string // 18 digits (SSCC)
}

// Key is the world-state key of the item's record.
func (id ItemID) Key() string {
	if id.Kind == KindSSCC {
		return ssccKey(id.SSCC)
	}
	return serialKey(id.GTIN, id.Serial)
}

// DigitalLink is the canonical GS1 Digital Link URI of the item, the form the
// chaincode stores in container contents and parent references.
func (id ItemID) DigitalLink() string {
	if id.Kind == KindSSCC {
		return "https://id.gs1.org/00/" + id.SSCC
	}
	return "https://id.gs1.org/01/" + id.GTIN + "/21/" + escapeDL(id.Serial)
}

var errNotItem = errors.New("not an SGTIN or SSCC")

// ParseItemID parses an SGTIN or SSCC written as an EPC pure-identity URN
// (urn:epc:id:sgtin:0312345.067890.ABC, urn:epc:id:sscc:0312345.1000000001)
// or a GS1 Digital Link URI (https://id.gs1.org/01/00312345678906/21/ABC,
// https://example.com/00/003123451000000015), on any domain.
func ParseItemID(s string) (ItemID, error) {
	if len(s) > maxIDLen {
		return ItemID{}, errors.New("identifier too long")
	}
	switch {
	case strings.HasPrefix(s, "urn:epc:id:sgtin:"):
		parts := strings.SplitN(s[len("urn:epc:id:sgtin:"):], ".", 3)
		if len(parts) != 3 || !digits(parts[0]) || !digits(parts[1]) || len(parts[0])+len(parts[1]) != 13 || parts[1] == "" {
			return ItemID{}, fmt.Errorf("malformed SGTIN URN %q", s)
		}
		body := parts[1][:1] + parts[0] + parts[1][1:]
		serial, err := unescape(parts[2])
		if err != nil || !ValidSerial(serial) {
			return ItemID{}, fmt.Errorf("malformed serial in %q", s)
		}
		return ItemID{Kind: KindSGTIN, GTIN: body + string(checkDigit(body)), Serial: serial}, nil
	case strings.HasPrefix(s, "urn:epc:id:sscc:"):
		parts := strings.Split(s[len("urn:epc:id:sscc:"):], ".")
		if len(parts) != 2 || !digits(parts[0]) || !digits(parts[1]) || len(parts[0])+len(parts[1]) != 17 || parts[1] == "" {
			return ItemID{}, fmt.Errorf("malformed SSCC URN %q", s)
		}
		body := parts[1][:1] + parts[0] + parts[1][1:]
		return ItemID{Kind: KindSSCC, SSCC: body + string(checkDigit(body))}, nil
	case strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://"):
		dl, err := parseDigitalLink(s)
		if err != nil {
			return ItemID{}, err
		}
		switch {
		case dl.primary == "01" && dl.serial != "":
			return ItemID{Kind: KindSGTIN, GTIN: dl.value, Serial: dl.serial}, nil
		case dl.primary == "00":
			return ItemID{Kind: KindSSCC, SSCC: dl.value}, nil
		}
	}
	return ItemID{}, fmt.Errorf("%q: %w", s, errNotItem)
}

// ParseLGTIN parses a lot-level class identifier (urn:epc:class:lgtin:... or
// a Digital Link with 01 and 10 but no 21) into its GTIN and lot.
func ParseLGTIN(s string) (gtin, lot string, err error) {
	switch {
	case strings.HasPrefix(s, "urn:epc:class:lgtin:"):
		parts := strings.SplitN(s[len("urn:epc:class:lgtin:"):], ".", 3)
		if len(parts) != 3 || !digits(parts[0]) || !digits(parts[1]) || len(parts[0])+len(parts[1]) != 13 || parts[1] == "" {
			return "", "", fmt.Errorf("malformed LGTIN URN %q", s)
		}
		body := parts[1][:1] + parts[0] + parts[1][1:]
		lot, err := unescape(parts[2])
		if err != nil || !ValidSerial(lot) {
			return "", "", fmt.Errorf("malformed lot in %q", s)
		}
		return body + string(checkDigit(body)), lot, nil
	case strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://"):
		dl, err := parseDigitalLink(s)
		if err != nil {
			return "", "", err
		}
		if dl.primary == "01" && dl.lot != "" && dl.serial == "" {
			return dl.value, dl.lot, nil
		}
	}
	return "", "", fmt.Errorf("%q is not an LGTIN", s)
}

// ParseGLN returns the 13-digit GLN of a location or party identifier: an SGLN
// or PGLN URN, a Digital Link with 414 or 417, or a bare GLN.
func ParseGLN(s string) (string, error) {
	if len(s) > maxIDLen {
		return "", errors.New("identifier too long")
	}
	for _, p := range []string{"urn:epc:id:sgln:", "urn:epc:id:pgln:"} {
		if !strings.HasPrefix(s, p) {
			continue
		}
		parts := strings.Split(s[len(p):], ".")
		if len(parts) < 2 || !digits(parts[0]) || len(parts[0])+len(parts[1]) != 12 || (parts[1] != "" && !digits(parts[1])) {
			return "", fmt.Errorf("malformed GLN URN %q", s)
		}
		if p == "urn:epc:id:sgln:" && len(parts) != 3 || p == "urn:epc:id:pgln:" && len(parts) != 2 {
			return "", fmt.Errorf("malformed GLN URN %q", s)
		}
		body := parts[0] + parts[1]
		return body + string(checkDigit(body)), nil
	}
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		dl, err := parseDigitalLink(s)
		if err != nil {
			return "", err
		}
		if dl.primary == "414" || dl.primary == "417" {
			return dl.value, nil
		}
		return "", fmt.Errorf("%q is not a GLN", s)
	}
	if len(s) == 13 && validCheckDigit(s) {
		return s, nil
	}
	return "", fmt.Errorf("%q is not a GLN", s)
}

// digitalLink holds the parts of a Digital Link URI the rules use.
type digitalLink struct {
	primary string // "01", "00", "414", "417"
	value   string // GTIN-14, SSCC, GLN
	lot     string
	serial  string
}

// parseDigitalLink reads the path of a Digital Link URI: an optional path
// prefix of the resolver, the primary key and its value, then key qualifier
// pairs. The query string and fragment are ignored.
func parseDigitalLink(s string) (digitalLink, error) {
	rest := s[strings.Index(s, "://")+3:]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return digitalLink{}, fmt.Errorf("digital link %q has no path", s)
	}
	path := rest[slash+1:]
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(path, "/")
	for i := 0; i+1 < len(segs); i++ {
		var dl digitalLink
		switch key := gs1.PathAI(segs[i]); key {
		case "01":
			v := segs[i+1]
			if !digits(v) || (len(v) != 8 && len(v) != 12 && len(v) != 13 && len(v) != 14) {
				continue
			}
			v = strings.Repeat("0", 14-len(v)) + v
			if !validCheckDigit(v) {
				return digitalLink{}, fmt.Errorf("bad GTIN check digit in %q", s)
			}
			dl = digitalLink{primary: "01", value: v}
		case "00":
			if v := segs[i+1]; len(v) == 18 && validCheckDigit(v) {
				dl = digitalLink{primary: "00", value: v}
			} else {
				return digitalLink{}, fmt.Errorf("bad SSCC in %q", s)
			}
		case "414", "417":
			if v := segs[i+1]; len(v) == 13 && validCheckDigit(v) {
				dl = digitalLink{primary: key, value: v}
			} else {
				return digitalLink{}, fmt.Errorf("bad GLN in %q", s)
			}
		default:
			continue
		}
		for j := i + 2; j < len(segs); j += 2 {
			if j+1 >= len(segs) {
				return digitalLink{}, fmt.Errorf("digital link %q: qualifier %q has no value", s, segs[j])
			}
			v, err := unescape(segs[j+1])
			if err != nil || !ValidSerial(v) {
				return digitalLink{}, fmt.Errorf("digital link %q: bad value of %q", s, segs[j])
			}
			switch gs1.PathAI(segs[j]) {
			case "10":
				dl.lot = v
			case "21":
				dl.serial = v
			case "22", "254", "235":
			default:
				return digitalLink{}, fmt.Errorf("digital link %q: unexpected qualifier %q", s, segs[j])
			}
		}
		return dl, nil
	}
	return digitalLink{}, fmt.Errorf("%q has no GS1 primary key", s)
}

// ValidSerial reports whether s is 1 to 20 characters of the GS1 AI
// encodable character set 82: a serial (AI 21) or a lot (AI 10).
func ValidSerial(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0:
		default:
			return false
		}
	}
	return true
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

// unescape decodes %XX escapes (EPC URNs and Digital Link paths use them for
// the characters of set 82 that URIs reserve).
func unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("truncated escape")
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", errors.New("bad escape")
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// escapeDL percent-encodes the characters of set 82 that may not appear
// literally in a Digital Link path segment.
func escapeDL(s string) string {
	const reserved = `!"%&'()*+,/:;<=>?`
	if strings.IndexAny(s, reserved) < 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(reserved, c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unknownDetail is the refusal's wording for epc, an identifier the caller
// may not act on because the ledger has no record of it that the caller may
// see. A serialised package's existence is public (anyone verifies it), so
// it was never commissioned. An SSCC's is not: one the caller neither owns
// nor is sent is answered as unknown (txn.hidden), in words true of both,
// and saying where a pallet one may expect comes from.
func unknownDetail(epc, caller string, id ItemID) string {
	if id.Kind == KindSSCC {
		return fmt.Sprintf("%s is unknown to %s: no logistic unit it owns or is sent has this SSCC (a pallet sold to another organisation, such as a drop shipment's, is that buyer's until the buyer ships it on)", epc, caller)
	}
	return epc + " was never commissioned"
}

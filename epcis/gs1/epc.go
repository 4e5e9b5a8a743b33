package gs1

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidEPC is wrapped by every error that EPCToDigitalLink and
// DigitalLinkToEPC return, so callers can test for it with errors.Is.
var ErrInvalidEPC = errors.New("invalid epc")

// CanonicalDLHost is the scheme and host of canonical GS1 Digital Link URIs.
const CanonicalDLHost = "https://id.gs1.org"

// URN prefixes of the EPC forms this file translates.
const (
	prefixPureIdentity = "urn:epc:id:"
	prefixClass        = "urn:epc:class:"
	prefixPattern      = "urn:epc:idpat:"
)

// EPCToDigitalLink converts an EPC URN to its canonical GS1 Digital Link URI
// on host https://id.gs1.org.
//
// Accepted inputs:
//   - pure-identity URNs urn:epc:id:{sgtin,sscc,sgln,grai,giai,gsrn,gsrnp,gdti,
//     cpi,sgcn,ginc,gsin,itip,upui,pgln}:...
//     (urn:epc:id:sgtin:0614141.107346.2017 ->
//     https://id.gs1.org/01/10614141073464/21/2017: the first digit of the
//     item reference is the GTIN's indicator digit);
//   - the class URN urn:epc:class:lgtin:... (GTIN + lot, to /01/.../10/...);
//   - ID pattern URNs urn:epc:idpat:{sgtin,grai,gdti,sgcn,cpi,itip}:...* whose
//     only wildcard is the serial (to the class-level key alone);
//   - a GS1 Digital Link URI (any host), which is canonicalised: host
//     id.gs1.org, primary key and key qualifiers only, check digits verified.
//
// Serial-like components are carried over as written: %HH escapes stay
// escaped and characters the URN left literal stay literal, as the reference
// EPC/Digital Link translator does. They are validated by the decoded
// character (GS1 character set 82, or 39 for the CPI reference) and length.
// SGLN extension "0" means "no extension" and yields no /254/ qualifier.
func EPCToDigitalLink(epc string) (string, error) {
	if len(epc) > MaxInputLen {
		return "", fmt.Errorf("%w: input of %d bytes exceeds %d", ErrInvalidEPC, len(epc), MaxInputLen)
	}
	var (
		dl  string
		err error
	)
	switch {
	case strings.HasPrefix(epc, prefixPureIdentity):
		dl, err = pureIdentityToDL(epc[len(prefixPureIdentity):])
	case strings.HasPrefix(epc, prefixClass):
		dl, err = classToDL(epc[len(prefixClass):])
	case strings.HasPrefix(epc, prefixPattern):
		dl, err = patternToDL(epc[len(prefixPattern):])
	case hasHTTPScheme(epc):
		dl, err = canonicalKeyDL(epc)
	default:
		return "", fmt.Errorf("%w: %q is neither an EPC URN nor a Digital Link URI", ErrInvalidEPC, epc)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidEPC, err)
	}
	return dl, nil
}

// pureIdentityToDL translates the part of a pure-identity URN after
// "urn:epc:id:".
func pureIdentityToDL(rest string) (string, error) {
	scheme, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errors.New("missing scheme")
	}
	var b dlBuilder
	switch scheme {
	case "sgtin", "upui":
		parts, err := urnParts(scheme, body, 3)
		if err != nil {
			return "", err
		}
		gtin, err := gtinFromURN(parts[0], parts[1])
		if err != nil {
			return "", fmt.Errorf("%s: %w", scheme, err)
		}
		if scheme == "sgtin" {
			if err := checkValue("serial", parts[2], cset82, 1, 20); err != nil {
				return "", fmt.Errorf("sgtin: %w", err)
			}
			b.add("01", gtin).add("21", parts[2])
		} else {
			if err := checkValue("tpx", parts[2], cset82, 1, 28); err != nil {
				return "", fmt.Errorf("upui: %w", err)
			}
			b.add("01", gtin).add("235", parts[2])
		}
	case "sscc":
		parts, err := urnParts(scheme, body, 2)
		if err != nil {
			return "", err
		}
		if err := checkGCPAndRef(parts[0], parts[1], 17); err != nil {
			return "", fmt.Errorf("sscc: %w", err)
		}
		ref := parts[1]
		b.add("00", withCheckDigit(ref[:1]+parts[0]+ref[1:]))
	case "sgln":
		parts, err := urnParts(scheme, body, 3)
		if err != nil {
			return "", err
		}
		if err := checkGCPAndRef(parts[0], parts[1], 12); err != nil {
			return "", fmt.Errorf("sgln: %w", err)
		}
		if err := checkValue("extension", parts[2], cset82, 1, 20); err != nil {
			return "", fmt.Errorf("sgln: %w", err)
		}
		b.add("414", withCheckDigit(parts[0]+parts[1]))
		if parts[2] != "0" {
			b.add("254", parts[2])
		}
	case "pgln":
		parts, err := urnParts(scheme, body, 2)
		if err != nil {
			return "", err
		}
		if err := checkGCPAndRef(parts[0], parts[1], 12); err != nil {
			return "", fmt.Errorf("pgln: %w", err)
		}
		b.add("417", withCheckDigit(parts[0]+parts[1]))
	case "grai":
		parts, err := urnParts(scheme, body, 3)
		if err != nil {
			return "", err
		}
		if err := checkGCPAndRef(parts[0], parts[1], 12); err != nil {
			return "", fmt.Errorf("grai: %w", err)
		}
		if err := checkValue("serial", parts[2], cset82, 1, 16); err != nil {
			return "", fmt.Errorf("grai: %w", err)
		}
		b.add("8003", "0"+withCheckDigit(parts[0]+parts[1])+parts[2])
	case "gdti", "sgcn":
		parts, err := urnParts(scheme, body, 3)
		if err != nil {
			return "", err
		}
		if err := checkGCPAndRef(parts[0], parts[1], 12); err != nil {
			return "", fmt.Errorf("%s: %w", scheme, err)
		}
		ai, set, maxSerial := "253", cset82, 17
		if scheme == "sgcn" {
			ai, set, maxSerial = "255", cset10, 12
		}
		if err := checkValue("serial", parts[2], set, 1, maxSerial); err != nil {
			return "", fmt.Errorf("%s: %w", scheme, err)
		}
		b.add(ai, withCheckDigit(parts[0]+parts[1])+parts[2])
	case "giai", "ginc":
		parts, err := urnParts(scheme, body, 2)
		if err != nil {
			return "", err
		}
		if err := checkGCP(parts[0]); err != nil {
			return "", fmt.Errorf("%s: %w", scheme, err)
		}
		// The reference may be empty: the prefix alone is a valid (8004)/(401).
		if err := checkValue("reference", parts[1], cset82, 0, 30-len(parts[0])); err != nil {
			return "", fmt.Errorf("%s: %w", scheme, err)
		}
		ai := "8004"
		if scheme == "ginc" {
			ai = "401"
		}
		b.add(ai, parts[0]+parts[1])
	case "gsrn", "gsrnp":
		parts, err := urnParts(scheme, body, 2)
		if err != nil {
			return "", err
		}
		if err := checkGCPAndRef(parts[0], parts[1], 17); err != nil {
			return "", fmt.Errorf("%s: %w", scheme, err)
		}
		ai := "8018"
		if scheme == "gsrnp" {
			ai = "8017"
		}
		b.add(ai, withCheckDigit(parts[0]+parts[1]))
	case "gsin":
		parts, err := urnParts(scheme, body, 2)
		if err != nil {
			return "", err
		}
		if err := checkGCPAndRef(parts[0], parts[1], 16); err != nil {
			return "", fmt.Errorf("gsin: %w", err)
		}
		b.add("402", withCheckDigit(parts[0]+parts[1]))
	case "cpi":
		parts, err := urnParts(scheme, body, 3)
		if err != nil {
			return "", err
		}
		if err := checkCPIRef(parts[0], parts[1]); err != nil {
			return "", err
		}
		if !isDigits(parts[2]) || len(parts[2]) > 12 {
			return "", fmt.Errorf("cpi: serial %q must be 1 to 12 digits", parts[2])
		}
		b.add("8010", parts[0]+parts[1]).add("8011", parts[2])
	case "itip":
		parts, err := urnParts(scheme, body, 5)
		if err != nil {
			return "", err
		}
		key, err := itipKey(parts[0], parts[1], parts[2], parts[3])
		if err != nil {
			return "", err
		}
		if err := checkValue("serial", parts[4], cset82, 1, 20); err != nil {
			return "", fmt.Errorf("itip: %w", err)
		}
		b.add("8006", key).add("21", parts[4])
	default:
		return "", fmt.Errorf("unsupported EPC scheme %q", scheme)
	}
	return b.String(), nil
}

// classToDL translates the part of an EPC class URN after "urn:epc:class:".
// Only lgtin (GTIN + lot) has a Digital Link form.
func classToDL(rest string) (string, error) {
	scheme, body, ok := strings.Cut(rest, ":")
	if !ok || scheme != "lgtin" {
		return "", fmt.Errorf("unsupported EPC class scheme %q", scheme)
	}
	parts, err := urnParts(scheme, body, 3)
	if err != nil {
		return "", err
	}
	gtin, err := gtinFromURN(parts[0], parts[1])
	if err != nil {
		return "", fmt.Errorf("lgtin: %w", err)
	}
	if err := checkValue("lot", parts[2], cset82, 1, 20); err != nil {
		return "", fmt.Errorf("lgtin: %w", err)
	}
	var b dlBuilder
	return b.add("01", gtin).add("10", parts[2]).String(), nil
}

// patternToDL translates an ID pattern URN (after "urn:epc:idpat:") whose
// last component is the "*" wildcard into the class-level key it denotes.
func patternToDL(rest string) (string, error) {
	scheme, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errors.New("missing scheme")
	}
	n := 3
	if scheme == "itip" {
		n = 5
	}
	parts, err := urnParts(scheme, body, n)
	if err != nil {
		return "", err
	}
	if parts[n-1] != "*" {
		return "", fmt.Errorf("%s pattern: only a wildcard serial (\"*\") is supported, got %q", scheme, parts[n-1])
	}
	var b dlBuilder
	switch scheme {
	case "sgtin":
		gtin, err := gtinFromURN(parts[0], parts[1])
		if err != nil {
			return "", fmt.Errorf("sgtin pattern: %w", err)
		}
		b.add("01", gtin)
	case "grai", "gdti", "sgcn":
		if err := checkGCPAndRef(parts[0], parts[1], 12); err != nil {
			return "", fmt.Errorf("%s pattern: %w", scheme, err)
		}
		key := withCheckDigit(parts[0] + parts[1])
		switch scheme {
		case "grai":
			b.add("8003", "0"+key)
		case "gdti":
			b.add("253", key)
		default:
			b.add("255", key)
		}
	case "cpi":
		if err := checkCPIRef(parts[0], parts[1]); err != nil {
			return "", err
		}
		b.add("8010", parts[0]+parts[1])
	case "itip":
		key, err := itipKey(parts[0], parts[1], parts[2], parts[3])
		if err != nil {
			return "", err
		}
		b.add("8006", key)
	default:
		return "", fmt.Errorf("unsupported EPC pattern scheme %q", scheme)
	}
	return b.String(), nil
}

// urnParts splits an EPC URN body into exactly n dot-separated components;
// the last component keeps any further dots (serials may contain them).
func urnParts(scheme, body string, n int) ([]string, error) {
	parts := strings.SplitN(body, ".", n)
	if len(parts) != n {
		return nil, fmt.Errorf("%s: %q has %d components, want %d", scheme, body, len(parts), n)
	}
	return parts, nil
}

// checkGCP checks a GS1 Company Prefix: 6 to 12 digits.
func checkGCP(gcp string) error {
	if !isDigits(gcp) || len(gcp) < 6 || len(gcp) > 12 {
		return fmt.Errorf("company prefix %q must be 6 to 12 digits", gcp)
	}
	return nil
}

// checkGCPAndRef checks a company prefix and the all-digit reference that
// follows it, which together must be total digits long (the reference may be
// empty when the prefix takes all of them).
func checkGCPAndRef(gcp, ref string, total int) error {
	if err := checkGCP(gcp); err != nil {
		return err
	}
	if len(gcp)+len(ref) != total || (ref != "" && !isDigits(ref)) {
		return fmt.Errorf("reference %q must be %d digits after a %d-digit company prefix", ref, total-len(gcp), len(gcp))
	}
	return nil
}

// gtinFromURN builds the GTIN-14 from a company prefix and the item reference
// (indicator digit first) of an SGTIN, LGTIN, UPUI or ITIP URN.
func gtinFromURN(gcp, item string) (string, error) {
	if err := checkGCPAndRef(gcp, item, 13); err != nil {
		return "", err
	}
	if item == "" {
		return "", errors.New("item reference must hold at least the indicator digit")
	}
	return withCheckDigit(item[:1] + gcp + item[1:]), nil
}

// itipKey builds the AI (8006) value from the components of an ITIP URN.
func itipKey(gcp, item, piece, total string) (string, error) {
	gtin, err := gtinFromURN(gcp, item)
	if err != nil {
		return "", fmt.Errorf("itip: %w", err)
	}
	if len(piece) != 2 || !isDigits(piece) || len(total) != 2 || !isDigits(total) {
		return "", fmt.Errorf("itip: piece %q and total %q must be two digits each", piece, total)
	}
	return gtin + piece + total, nil
}

// checkCPIRef checks a CPI company prefix and component/part reference
// (character set 39, possibly %-escaped, 30 characters in all).
func checkCPIRef(gcp, ref string) error {
	if err := checkGCP(gcp); err != nil {
		return fmt.Errorf("cpi: %w", err)
	}
	if err := checkValue("component/part reference", ref, cset39, 1, 30-len(gcp)); err != nil {
		return fmt.Errorf("cpi: %w", err)
	}
	return nil
}

// checkValue checks a possibly %-escaped value against a character set and a
// length range counted in decoded characters.
func checkValue(name, v string, set *charSet, minLen, maxLen int) error {
	n, bad := escapedLen(v, set)
	if bad >= 0 {
		return fmt.Errorf("%s %q: invalid character at offset %d", name, v, bad)
	}
	if n < minLen || n > maxLen {
		if minLen == maxLen {
			return fmt.Errorf("%s %q: length %d, want %d", name, v, n, minLen)
		}
		return fmt.Errorf("%s %q: length %d, want %d to %d", name, v, n, minLen, maxLen)
	}
	return nil
}

// withCheckDigit appends the GS1 check digit to an all-digit body.
func withCheckDigit(body string) string {
	return body + string(CheckDigit(body))
}

// dlBuilder assembles a canonical Digital Link path one AI at a time.
type dlBuilder struct {
	sb strings.Builder
}

// add appends "/ai/value" (the host is written first) and returns b.
func (b *dlBuilder) add(ai, value string) *dlBuilder {
	if b.sb.Len() == 0 {
		b.sb.Grow(len(CanonicalDLHost) + 48)
		b.sb.WriteString(CanonicalDLHost)
	}
	b.sb.WriteByte('/')
	b.sb.WriteString(ai)
	b.sb.WriteByte('/')
	b.sb.WriteString(value)
	return b
}

// String returns the URI built so far.
func (b *dlBuilder) String() string { return b.sb.String() }

package gs1

import (
	"fmt"
	"strings"
)

// NDCFormat is the segment layout of a 10-digit National Drug Code:
// labeler-product-package lengths.
type NDCFormat string

// The three 10-digit NDC layouts; NDCFormatUnknown when the NDC was given
// without hyphens.
const (
	NDCFormatUnknown NDCFormat = ""
	NDCFormat442     NDCFormat = "4-4-2"
	NDCFormat532     NDCFormat = "5-3-2"
	NDCFormat541     NDCFormat = "5-4-1"
)

// segments returns the labeler, product and package lengths of the format.
func (f NDCFormat) segments() (int, int, int, bool) {
	switch f {
	case NDCFormat442:
		return 4, 4, 2, true
	case NDCFormat532:
		return 5, 3, 2, true
	case NDCFormat541:
		return 5, 4, 1, true
	}
	return 0, 0, 0, false
}

// NDC is a 10-digit FDA National Drug Code.
type NDC struct {
	// Digits are the 10 digits without hyphens.
	Digits string
	// Format is the segment layout, if known.
	Format NDCFormat
}

// ParseNDC parses a National Drug Code in any common form:
//
//   - 10 digits with hyphens: 4-4-2, 5-3-2 or 5-4-1 ("12345-678-90");
//   - 10 digits without hyphens (format unknown);
//   - the 11-digit billing form 5-4-2, with or without hyphens, which pads
//     one segment with a leading zero; it is converted back to 10 digits
//     when exactly one of the three possible padding zeros is present (with
//     hyphens, the segment whose zero was added must be known the same way).
func ParseNDC(s string) (NDC, error) {
	if len(s) > 16 {
		return NDC{}, fmt.Errorf("%w: NDC %q too long", ErrInvalidIdentifier, s)
	}
	parts := strings.Split(s, "-")
	switch len(parts) {
	case 1:
		if !isDigits(s) {
			return NDC{}, fmt.Errorf("%w: NDC %q must be digits", ErrInvalidIdentifier, s)
		}
		switch len(s) {
		case 10:
			return NDC{Digits: s}, nil
		case 11:
			return ndcFromBilling(s)
		}
		return NDC{}, fmt.Errorf("%w: NDC %q must have 10 or 11 digits", ErrInvalidIdentifier, s)
	case 3:
		for _, p := range parts {
			if !isDigits(p) {
				return NDC{}, fmt.Errorf("%w: NDC %q must be digits and hyphens", ErrInvalidIdentifier, s)
			}
		}
		layout := fmt.Sprintf("%d-%d-%d", len(parts[0]), len(parts[1]), len(parts[2]))
		switch f := NDCFormat(layout); f {
		case NDCFormat442, NDCFormat532, NDCFormat541:
			return NDC{Digits: parts[0] + parts[1] + parts[2], Format: f}, nil
		}
		if layout == "5-4-2" {
			return ndcFromBilling(parts[0] + parts[1] + parts[2])
		}
		return NDC{}, fmt.Errorf("%w: NDC %q has segments %s; want 4-4-2, 5-3-2, 5-4-1 or 5-4-2", ErrInvalidIdentifier, s, layout)
	}
	return NDC{}, fmt.Errorf("%w: NDC %q must have three hyphenated segments or none", ErrInvalidIdentifier, s)
}

// ndcFromBilling converts an 11-digit (5-4-2) NDC to 10 digits.
func ndcFromBilling(d string) (NDC, error) {
	var found []NDC
	if d[0] == '0' {
		found = append(found, NDC{Digits: d[1:], Format: NDCFormat442})
	}
	if d[5] == '0' {
		found = append(found, NDC{Digits: d[:5] + d[6:], Format: NDCFormat532})
	}
	if d[9] == '0' {
		found = append(found, NDC{Digits: d[:9] + d[10:], Format: NDCFormat541})
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return NDC{}, fmt.Errorf("%w: 11-digit NDC %q has no padding zero (positions 1, 6 or 10)", ErrInvalidIdentifier, d)
	}
	return NDC{}, fmt.Errorf("%w: 11-digit NDC %q is ambiguous: more than one segment starts with 0", ErrInvalidIdentifier, d)
}

// String returns the NDC hyphenated when its format is known, else its 10
// digits.
func (n NDC) String() string {
	a, b, _, ok := n.Format.segments()
	if !ok || len(n.Digits) != 10 {
		return n.Digits
	}
	return n.Digits[:a] + "-" + n.Digits[a:a+b] + "-" + n.Digits[a+b:]
}

// Billing returns the 11-digit 5-4-2 billing form (hyphens omitted); the
// format must be known.
func (n NDC) Billing() (string, error) {
	a, b, _, ok := n.Format.segments()
	if !ok {
		return "", fmt.Errorf("%w: NDC %s has no known format", ErrInvalidIdentifier, n.Digits)
	}
	lab, prod, pkg := n.Digits[:a], n.Digits[a:a+b], n.Digits[a+b:]
	return strings.Repeat("0", 5-len(lab)) + lab + strings.Repeat("0", 4-len(prod)) + prod + strings.Repeat("0", 2-len(pkg)) + pkg, nil
}

// GTIN returns the GTIN-14 that carries the NDC: the indicator digit ('0'
// for the item level, '1'..'8' for packaging levels), "03", the 10 digits
// and the check digit (NDC 12345-678-90 at item level: 00312345678906).
func (n NDC) GTIN(indicator byte) (string, error) {
	if indicator < '0' || indicator > '8' {
		return "", fmt.Errorf("%w: GTIN indicator digit %q must be 0 to 8", ErrInvalidIdentifier, indicator)
	}
	if len(n.Digits) != 10 || !isDigits(n.Digits) {
		return "", fmt.Errorf("%w: NDC %q must be 10 digits", ErrInvalidIdentifier, n.Digits)
	}
	return withCheckDigit(string(indicator) + "03" + n.Digits), nil
}

// NDCFromGTIN extracts the 10-digit NDC from a GTIN (any length accepted by
// NormalizeGTIN) whose GTIN-14 form has "03" after the indicator digit (the
// US NDC/HRI GS1 prefix). The format is unknown.
func NDCFromGTIN(gtin string) (NDC, error) {
	g, err := NormalizeGTIN(gtin)
	if err != nil {
		return NDC{}, err
	}
	if g[1:3] != "03" {
		return NDC{}, fmt.Errorf("%w: GTIN %s does not carry an NDC (no 03 prefix)", ErrInvalidIdentifier, g)
	}
	return NDC{Digits: g[3:13]}, nil
}

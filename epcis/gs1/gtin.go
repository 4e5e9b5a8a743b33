package gs1

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidIdentifier is wrapped by the errors of the identifier parsers
// (GTIN, NDC, SSCC, GLN and the types built on them).
var ErrInvalidIdentifier = errors.New("invalid identifier")

// NormalizeGTIN returns the 14-digit form of a GTIN-8, GTIN-12 (UPC-A),
// GTIN-13 (EAN-13) or GTIN-14, left-padded with zeros, after checking that
// it is all digits with a correct check digit.
func NormalizeGTIN(s string) (string, error) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", fmt.Errorf("%w: GTIN %q must have 8, 12, 13 or 14 digits", ErrInvalidIdentifier, s)
	}
	if !isDigits(s) {
		return "", fmt.Errorf("%w: GTIN %q must be all digits", ErrInvalidIdentifier, s)
	}
	if !ValidCheckDigit(s) {
		return "", fmt.Errorf("%w: GTIN %q has check digit %c, want %c", ErrInvalidIdentifier, s, s[len(s)-1], CheckDigit(s[:len(s)-1]))
	}
	if len(s) == 14 {
		return s, nil
	}
	return strings.Repeat("0", 14-len(s)) + s, nil
}

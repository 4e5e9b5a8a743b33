package epcis

import (
	"strings"

	"rxledger/epcis/gs1"
)

// identifiers checks each identifier of a list.
func (v *validator) identifiers(list string, ids []string) {
	for i, id := range ids {
		if err := checkIdentifier(id); err != nil {
			v.add(index(list, i), err)
		}
	}
}

// identifier checks one identifier field.
func (v *validator) identifier(path, id string) {
	if err := checkIdentifier(id); err != nil {
		v.add(path, err)
	}
}

// checkIdentifier accepts an EPCIS identifier: an EPC URN (urn:epc:id,
// urn:epc:class, urn:epc:idpat), which must be well formed; a GS1 Digital
// Link on id.gs1.org, whose keys and check digits must be right; or any other
// absolute URI (private identifier schemes, Digital Links on other hosts).
func checkIdentifier(id string) error {
	if id == "" {
		return ErrMissing
	}
	switch {
	case strings.HasPrefix(id, "urn:epc:id:"), strings.HasPrefix(id, "urn:epc:class:"), strings.HasPrefix(id, "urn:epc:idpat:"):
		if fastEPCValid(id) {
			return nil
		}
		if _, err := gs1.EPCToDigitalLink(id); err != nil {
			return &identifierError{id: id, err: err}
		}
		return nil
	case strings.HasPrefix(id, gs1.CanonicalDLHost+"/"):
		if _, err := gs1.EPCToDigitalLink(id); err != nil {
			return &identifierError{id: id, err: err}
		}
		return nil
	}
	if !isURI(id) {
		return &identifierError{id: id, err: ErrNotURI}
	}
	return nil
}

// identifierError is an identifier that failed its syntax check.
type identifierError struct {
	id  string
	err error
}

func (e *identifierError) Error() string { return "identifier " + quote(e.id) + ": " + e.err.Error() }
func (e *identifierError) Unwrap() []error {
	return []error{ErrInvalidValue, e.err}
}

func quote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return `"` + s + `"`
}

// isURI reports whether s is an absolute URI: a scheme (a letter, then
// letters, digits, '+', '-' or '.'), a colon, and at least one character,
// with no spaces, control characters or characters URIs never contain.
func isURI(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 1 || colon == len(s)-1 {
		return false
	}
	for i := 0; i < colon; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	for i := colon + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ' || c == 0x7f:
			return false
		case c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}':
			return false
		}
	}
	return true
}

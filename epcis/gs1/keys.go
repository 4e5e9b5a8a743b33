package gs1

import (
	"fmt"
	"strings"
)

// checkedDigits checks that s is n digits ending in a correct check digit.
func checkedDigits(kind, s string, n int) error {
	if len(s) != n || !isDigits(s) {
		return fmt.Errorf("%w: %s %q must be %d digits", ErrInvalidIdentifier, kind, s, n)
	}
	if !ValidCheckDigit(s) {
		return fmt.Errorf("%w: %s %q has check digit %c, want %c", ErrInvalidIdentifier, kind, s, s[n-1], CheckDigit(s[:n-1]))
	}
	return nil
}

// SSCC is an 18-digit Serial Shipping Container Code (AI 00).
type SSCC string

// ParseSSCC checks an 18-digit SSCC and its check digit.
func ParseSSCC(s string) (SSCC, error) {
	if err := checkedDigits("SSCC", s, 18); err != nil {
		return "", err
	}
	return SSCC(s), nil
}

// DigitalLink returns the SSCC's canonical Digital Link URI.
func (s SSCC) DigitalLink() string { return CanonicalDLHost + "/00/" + string(s) }

// GLN is a 13-digit Global Location Number (AI 414 for a physical
// location, 417 for a party).
type GLN string

// ParseGLN checks a 13-digit GLN and its check digit.
func ParseGLN(s string) (GLN, error) {
	if err := checkedDigits("GLN", s, 13); err != nil {
		return "", err
	}
	return GLN(s), nil
}

// PGLN is the GLN of a party (a trading partner), AI 417; DSCSA uses it for
// owners, senders and receivers.
type PGLN GLN

// ParsePGLN checks a party GLN.
func ParsePGLN(s string) (PGLN, error) {
	g, err := ParseGLN(s)
	return PGLN(g), err
}

// DigitalLink returns the party GLN's canonical Digital Link URI.
func (p PGLN) DigitalLink() string { return CanonicalDLHost + "/417/" + string(p) }

// EPC returns the party GLN as an urn:epc:id:pgln URN.
func (p PGLN) EPC(companyPrefixLen int) (string, error) {
	return DigitalLinkToEPC(p.DigitalLink(), companyPrefixLen)
}

// SGLN is a location: a GLN with an optional extension (AI 254); an empty
// extension means the GLN itself.
type SGLN struct {
	GLN       GLN
	Extension string
}

// DigitalLink returns the location's canonical Digital Link URI.
func (s SGLN) DigitalLink() string {
	u := CanonicalDLHost + "/414/" + string(s.GLN)
	if s.Extension != "" && s.Extension != "0" {
		u += "/254/" + EscapeDLPath(s.Extension)
	}
	return u
}

// EPC returns the location as an urn:epc:id:sgln URN (extension "0" when
// there is none).
func (s SGLN) EPC(companyPrefixLen int) (string, error) {
	return DigitalLinkToEPC(s.DigitalLink(), companyPrefixLen)
}

// SGTIN is a serialised trade item: GTIN-14 plus serial number (AI 21).
type SGTIN struct {
	GTIN   string
	Serial string
}

// NewSGTIN checks and normalises the GTIN and checks the serial (1 to 20
// characters of GS1 character set 82).
func NewSGTIN(gtin, serial string) (SGTIN, error) {
	g, err := NormalizeGTIN(gtin)
	if err != nil {
		return SGTIN{}, err
	}
	if err := validateAIValue("21", serial); err != nil {
		return SGTIN{}, fmt.Errorf("%w: serial: %w", ErrInvalidIdentifier, err)
	}
	return SGTIN{GTIN: g, Serial: serial}, nil
}

// validateAIValue validates value as the data of a known AI.
func validateAIValue(ai, value string) error {
	def, ok := LookupAI(ai)
	if !ok {
		return fmt.Errorf("unknown AI (%s)", ai)
	}
	return def.ValidateValue(value)
}

// DigitalLink returns the item's canonical Digital Link URI.
func (s SGTIN) DigitalLink() string {
	return CanonicalDLHost + "/01/" + s.GTIN + "/21/" + EscapeDLPath(s.Serial)
}

// EPC returns the item as an urn:epc:id:sgtin URN, given the length of the
// GS1 Company Prefix inside the GTIN. Characters the EPC Tag Data Standard
// requires escaped in a URN (" % & / < > ?) are written as %HH.
func (s SGTIN) EPC(companyPrefixLen int) (string, error) {
	var b dlBuilder
	b.add("01", s.GTIN).add("21", escapeURNSerial(s.Serial))
	return DigitalLinkToEPC(b.String(), companyPrefixLen)
}

// urnEscaped are the characters of GS1 character set 82 that an EPC URN
// must percent-encode.
var urnEscaped = newCharSet("\"%&/<>?")

// escapeURNSerial percent-encodes the characters an EPC URN must escape.
func escapeURNSerial(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if urnEscaped[c] {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

package gs1

import (
	"fmt"
	"strings"
)

// Symbology names the barcode type an AIM symbology identifier announces.
type Symbology string

// Symbologies recognised by their AIM symbology identifier.
const (
	SymbologyNone          Symbology = ""
	SymbologyGS1DataMatrix Symbology = "GS1 DataMatrix" // ]d2
	SymbologyDataMatrix    Symbology = "DataMatrix"     // ]d1
	SymbologyGS1QR         Symbology = "GS1 QR Code"    // ]Q3
	SymbologyQR            Symbology = "QR Code"        // ]Q1
	SymbologyGS1128        Symbology = "GS1-128"        // ]C1
	SymbologyGS1DataBar    Symbology = "GS1 DataBar"    // ]e0 (also composite components)
	SymbologyGS1DotCode    Symbology = "GS1 DotCode"    // ]J1
	SymbologyDotCode       Symbology = "DotCode"        // ]J0
	SymbologyEAN13         Symbology = "EAN-13/UPC-A"   // ]E0
	SymbologyEAN8          Symbology = "EAN-8"          // ]E4
	SymbologyDigitalLink   Symbology = "Digital Link"   // a URI without identifier
	SymbologyBracketed     Symbology = "bracketed text" // "(01)..." typed or printed
	SymbologyElementString Symbology = "element string" // GS1 data without identifier
)

// aimIDs maps AIM symbology identifiers to the symbology and whether the
// data is GS1 AI data (true) or plain data that may hold a Digital Link.
var aimIDs = map[string]struct {
	sym Symbology
	gs1 bool
}{
	"]d2": {SymbologyGS1DataMatrix, true},
	"]Q3": {SymbologyGS1QR, true},
	"]C1": {SymbologyGS1128, true},
	"]e0": {SymbologyGS1DataBar, true},
	"]J1": {SymbologyGS1DotCode, true},
	"]d1": {SymbologyDataMatrix, false},
	"]Q1": {SymbologyQR, false},
	"]J0": {SymbologyDotCode, false},
	"]E0": {SymbologyEAN13, true},
	"]E4": {SymbologyEAN8, true},
}

// Barcode is the parsed content of a scan.
type Barcode struct {
	// Symbology is the barcode type, from the AIM symbology identifier if
	// the input had one, else the input's form.
	Symbology Symbology
	// Elements are the AIs in the order found; for a Digital Link the path
	// AIs come first, then the query's.
	Elements []Element
	// DigitalLink is the URI when the barcode carried one.
	DigitalLink string
	// Text is the data of a plain (non-GS1) symbol that holds no Digital
	// Link; Elements is then empty.
	Text string
}

// Get returns the value of the first element with the given AI.
func (b *Barcode) Get(ai string) (string, bool) {
	for _, e := range b.Elements {
		if e.AI == ai {
			return e.Value, true
		}
	}
	return "", false
}

// ParseBarcode parses what a scanner sends for a GS1 barcode, or the
// barcode's human-readable text, and validates every AI against the GS1
// Barcode Syntax Dictionary and the AI association rules. It accepts:
//
//   - scanner output with an AIM symbology identifier: ]d2 ]Q3 ]C1 ]e0 ]J1
//     (GS1 data), ]E0 ]E4 (EAN/UPC, optionally "|]e0" + composite data), and
//     ]d1 ]Q1 ]J0 (plain data: a Digital Link URI is parsed, other text is
//     returned as Text);
//   - scanner output without an identifier: GS1 element strings with GS or
//     a stand-in separator (see separatorLen), optionally led by one;
//   - the bracketed form "(01)...(21)...";
//   - a GS1 Digital Link URI, http or https, any host, uncompressed or
//     (fully or partially) compressed.
//
// Errors are *ParseError naming the AI (if any) and the 0-based byte offset
// in s. Inputs longer than MaxInputLen are rejected before parsing.
func ParseBarcode(s string) (*Barcode, error) {
	if len(s) > MaxInputLen {
		return nil, inputTooLong()
	}
	b, err := parseBarcode(s)
	if err != nil {
		return nil, err
	}
	if err := ValidateAssociations(b.Elements); err != nil {
		return nil, err
	}
	return b, nil
}

func parseBarcode(s string) (*Barcode, error) {
	switch {
	case s == "":
		return nil, &ParseError{Code: "empty", Msg: "no data"}
	case s[0] == ']':
		return parseAIM(s)
	case s[0] == '(':
		elems, err := parseBracketed(s, 0, false)
		if err != nil {
			return nil, err
		}
		return &Barcode{Symbology: SymbologyBracketed, Elements: elems}, nil
	case isDLScheme(s):
		elems, err := parseDigitalLink(s, 0, DigitalLinkOptions{})
		if err != nil {
			return nil, err
		}
		return &Barcode{Symbology: SymbologyDigitalLink, Elements: elems, DigitalLink: s}, nil
	}
	elems, err := parseElementString(s, 0, nil)
	if err != nil {
		return nil, err
	}
	return &Barcode{Symbology: SymbologyElementString, Elements: elems}, nil
}

// parseAIM parses scanner output that starts with an AIM symbology
// identifier.
func parseAIM(s string) (*Barcode, error) {
	if len(s) < 3 {
		return nil, &ParseError{Code: "short_symbology_identifier", Msg: "symbology identifier too short"}
	}
	id, ok := aimIDs[s[:3]]
	if !ok {
		return nil, &ParseError{Code: "unknown_symbology_identifier", Msg: "unknown symbology identifier " + quoteSnippet(s[:3])}
	}
	b := &Barcode{Symbology: id.sym}
	data := s[3:]
	switch {
	case id.sym == SymbologyEAN13 || id.sym == SymbologyEAN8:
		return parseEAN(b, s)
	case id.gs1:
		elems, err := parseElementString(data, 3, nil)
		if err != nil {
			return nil, err
		}
		b.Elements = elems
	case isDLScheme(data):
		elems, err := parseDigitalLink(data, 3, DigitalLinkOptions{})
		if err != nil {
			return nil, err
		}
		b.Elements, b.DigitalLink = elems, data
	default:
		b.Text = data
	}
	return b, nil
}

// parseEAN parses ]E0 (13 digits) or ]E4 (8 digits) data, optionally
// followed by "|]e0" and the composite component's GS1 data.
func parseEAN(b *Barcode, s string) (*Barcode, error) {
	n := 13
	if b.Symbology == SymbologyEAN8 {
		n = 8
	}
	data := s[3:]
	digits, composite, hasComposite := strings.Cut(data, "|")
	if len(digits) != n {
		return nil, &ParseError{AI: "01", Pos: 3, Code: "bad_length", Msg: fmt.Sprintf("EAN/UPC data must be %d digits", n)}
	}
	if i := firstOutside(digits, cset10); i >= 0 {
		return nil, &ParseError{AI: "01", Pos: 3 + i, Code: "non_digit_character", Msg: "non-digit character"}
	}
	if !ValidCheckDigit(digits) {
		return nil, &ParseError{AI: "01", Pos: 3 + n - 1, Code: "incorrect_check_digit", Msg: "incorrect check digit"}
	}
	b.Elements = append(b.Elements, Element{AI: "01", Value: strings.Repeat("0", 14-n) + digits})
	if hasComposite {
		base := 3 + n + 1
		if !strings.HasPrefix(composite, "]e0") {
			return nil, &ParseError{Pos: base, Code: "bad_composite", Msg: `composite component must start with "]e0"`}
		}
		elems, err := parseElementString(composite[3:], base+3, b.Elements)
		if err != nil {
			return nil, err
		}
		b.Elements = elems
	}
	return b, nil
}

package gs1

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/internal/testenv"
)

// dscsaPI is the element string of a typical pack: GTIN, serial, expiry, lot.
var dscsaPI = []Element{{"01", "00312345678906"}, {"21", "ABC123"}, {"17", "270331"}, {"10", "L0042"}}

func TestParseBarcodeForms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		sym  Symbology
	}{
		{"aim ]d2 with GS", "]d2010031234567890621ABC123\x1d1727033110L0042", SymbologyGS1DataMatrix},
		{"aim ]Q3", "]Q3010031234567890621ABC123\x1d1727033110L0042", SymbologyGS1QR},
		{"aim ]C1", "]C1010031234567890621ABC123\x1d1727033110L0042", SymbologyGS1128},
		{"aim ]e0", "]e0010031234567890621ABC123\x1d1727033110L0042", SymbologyGS1DataBar},
		{"no aim, GS", "010031234567890621ABC123\x1d1727033110L0042", SymbologyElementString},
		{"leading GS", "\x1d010031234567890621ABC123\x1d1727033110L0042", SymbologyElementString},
		{"<GS> text", "010031234567890621ABC123<GS>1727033110L0042", SymbologyElementString},
		{"{GS} text", "010031234567890621ABC123{GS}1727033110L0042", SymbologyElementString},
		{"[GS] text", "010031234567890621ABC123[GS]1727033110L0042", SymbologyElementString},
		{`\x1D text`, `010031234567890621ABC123\x1D1727033110L0042`, SymbologyElementString},
		{`\x1d text`, `010031234567890621ABC123\x1d1727033110L0042`, SymbologyElementString},
		{`\u001d text`, `010031234567890621ABC123\u001d1727033110L0042`, SymbologyElementString},
		{"caret", "^010031234567890621ABC123^1727033110L0042", SymbologyElementString},
		{"FNC1 as byte 232", "010031234567890621ABC123\xe81727033110L0042", SymbologyElementString},
		{"]d2 with <GS>", "]d2010031234567890621ABC123<GS>1727033110L0042", SymbologyGS1DataMatrix},
		{"bracketed", "(01)00312345678906(21)ABC123(17)270331(10)L0042", SymbologyBracketed},
		{"digital link", "https://id.gs1.org/01/00312345678906/10/L0042/21/ABC123?17=270331", SymbologyDigitalLink},
		{"digital link in ]Q1", "]Q1https://example.com/01/00312345678906/10/L0042/21/ABC123?17=270331", SymbologyQR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParseBarcode(tt.in)
			if err != nil {
				t.Fatalf("ParseBarcode(%q): %v", tt.in, err)
			}
			if b.Symbology != tt.sym {
				t.Errorf("symbology %q, want %q", b.Symbology, tt.sym)
			}
			if !sameElements(b.Elements, dscsaPI) {
				t.Errorf("elements %v, want %v (any order)", b.Elements, dscsaPI)
			}
		})
	}
}

func TestParseBarcodeCompressedDigitalLink(t *testing.T) {
	// https://id.gs1.org/01/05412345000013/10/ABC123/21/72292641703, compressed
	// and partially compressed.
	want := []Element{{"01", "05412345000013"}, {"10", "ABC123"}, {"21", "72292641703"}}
	for _, in := range []string{
		"https://id.gs1.org/AQnYUc1gmiCNV4JGQhcNT6K6c",
		"https://id.gs1.org/01/05412345000013/EEarwSMhC4an0V04",
	} {
		t.Run(in, func(t *testing.T) {
			b, err := ParseBarcode(in)
			if err != nil {
				t.Fatalf("ParseBarcode(%q): %v", in, err)
			}
			if len(b.Elements) != len(want) {
				t.Fatalf("elements %v, want %v", b.Elements, want)
			}
			for i := range want {
				if b.Elements[i] != want[i] {
					t.Errorf("elements %v, want %v (key, then qualifiers in order)", b.Elements, want)
				}
			}
		})
	}
	if _, err := ParseBarcode("https://id.gs1.org/AQnYUc1g"); err == nil {
		t.Error("a truncated compressed segment was accepted")
	}
}

// sameElements reports whether a and b hold the same elements, in any order.
func sameElements(a, b []Element) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func TestParseBarcodeErrors(t *testing.T) {
	tests := []struct {
		name, in string
		ai       string
		pos      int
		code     string
	}{
		{"bad GTIN check digit", "]d2010031234567890721ABC123", "01", 3 + 2 + 13, "incorrect_check_digit"},
		{"bad expiry month", "010031234567890617271331", "17", 16 + 2 + 2, "illegal_month"},
		{"space in serial", "0100312345678906" + "21AB C", "21", 16 + 2 + 2, "invalid_cset82_character"},
		{"serial too long", "010031234567890621" + strings.Repeat("A", 21), "21", 18 + 20, "too_long"},
		{"unknown AI", "0100312345678906" + "8912", "", 16, "unknown_ai"},
		{"bracketed bad lot char", "(01)00312345678906(10)L~1", "10", 23, "invalid_cset82_character"},
		{"dl bad GTIN", "https://id.gs1.org/01/00312345678907", "01", 22 + 13, "incorrect_check_digit"},
		{"missing GTIN for serial", "(21)ABC", "21", 0, "missing_required_ai"},
		{"coupon save value VLI", "(8110)01234561234560", "8110", 6 + 13, "coupon_invalid_save_value_length"},
		{"coupon expires before it starts", "(8110)012345612345611110123" + "3250101" + "4250102", "8110", 6 + 21, "coupon_expiration_before_start"},
		{"unknown symbology", "]X9123", "", 0, "unknown_symbology_identifier"},
		{"too long input", strings.Repeat("1", MaxInputLen+1), "", MaxInputLen, "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParseBarcode(tt.in)
			if err == nil {
				t.Fatalf("ParseBarcode(%q) = %+v, want an error", tt.in, b)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if pe.AI != tt.ai || pe.Pos != tt.pos || pe.Code != tt.code {
				t.Errorf("error AI=%q pos=%d code=%q (%v), want AI=%q pos=%d code=%q", pe.AI, pe.Pos, pe.Code, err, tt.ai, tt.pos, tt.code)
			}
		})
	}
}

// TestDataMatrixImageTexts parses the decoded texts zxing-cpp expects from
// the sample GS1 DataMatrix/QR images (the images themselves need a decoder
// we do not have; the texts are what a scanner sends without the ]d2 prefix).
func TestDataMatrixImageTexts(t *testing.T) {
	dir := testenv.Testdata(t, "datamatrix-images")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".result.txt") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			for _, in := range []string{text, "]d2" + text} {
				b, err := ParseBarcode(in)
				if err != nil {
					t.Fatalf("ParseBarcode(%q): %v", in, err)
				}
				// Rendering the elements again must reproduce the decoder's text.
				if got := FormatElementString(b.Elements); got != text {
					t.Errorf("re-rendered %q, want %q", got, text)
				}
				if _, ok := b.Get("01"); !ok {
					t.Errorf("no GTIN in %q", in)
				}
			}
		})
	}
	if n == 0 {
		t.Fatalf("no decoded texts in %s", dir)
	}
	t.Logf("parsed %d decoded image texts", n)
}

// TestParseBarcodeUnknownAIMessage checks that an unknown AI error names
// what came before it, and calls a space a space, so a user can see where
// the element string went wrong.
func TestParseBarcodeUnknownAIMessage(t *testing.T) {
	tests := []struct {
		name, in string
		pos      int
		want     []string
	}{
		{"space after a fixed-length AI", "]d2010031234567890621ABC123\x1d17270331 10L0042", 36, []string{"space where an AI should start", "after the data of (17)"}},
		{"unknown AI after GTIN", "0100312345678906" + "8912", 16, []string{`no known AI "8912"`, "after the data of (01)"}},
		{"unknown AI first", "8912", 0, []string{`no known AI "8912"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBarcode(tt.in)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code != "unknown_ai" || pe.Pos != tt.pos {
				t.Fatalf("ParseBarcode(%q): error %v, want unknown_ai at %d", tt.in, err, tt.pos)
			}
			for _, w := range tt.want {
				if !strings.Contains(pe.Msg, w) {
					t.Errorf("message %q lacks %q", pe.Msg, w)
				}
			}
			if strings.Contains(pe.Msg, "after the data") != (tt.pos > 0) {
				t.Errorf("message %q: names a previous AI when there is none, or omits it", pe.Msg)
			}
		})
	}
}

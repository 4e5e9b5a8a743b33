package gs1

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"rxledger/internal/testenv"
)

// The Digital Link library's compression features (CompressGs1DigitalLink,
// Gs1ElementStringsToCompressedGs1DigitalLink, the compressed tables of
// AdditionalUriContent) test a compressor, which this package does not have:
// it reads compressed Digital Links but writes uncompressed ones. Their
// expected compressed URIs are read back instead: they must parse to the AIs
// of the uncompressed source. The Given/When/Then scenarios of
// AdditionalUriContent that build URIs from AI and key-value tables (and
// compress non-GS1 key-value pairs, a feature of that library only) are not
// reproduced.

// readBackFiles names, per feature file, the source and compressed columns.
var readBackFiles = []struct{ file, source, compressed string }{
	{"CompressGs1DigitalLink.feature", "decompressedDigitalLink", "expectedDigitalLink"},
	{"Gs1ElementStringsToCompressedGs1DigitalLink.feature", "elementString", "digitalLink"},
	{"AdditionalUriContent.feature", "digitalLinkUri", "compressedDigitalLinkUri"},
}

// rowElements parses a table cell that is either a Digital Link or an
// element string, permitting what the library's tables use.
func rowElements(s string) ([]Element, error) {
	if isDLScheme(s) {
		return ParseDigitalLink(s, DigitalLinkOptions{PermitZeroSuppressedGTIN: true})
	}
	return parseRowElements(s)
}

func TestGherkinCompressedReadBack(t *testing.T) {
	dir := testenv.Testdata(t, "digital-link/gherkin-gs1dl-lib")
	for _, rf := range readBackFiles {
		t.Run(rf.file, func(t *testing.T) {
			ran, excepted := 0, 0
			for _, r := range gherkinRows(t, filepath.Join(dir, rf.file)) {
				src, compressed := r[rf.source], r[rf.compressed]
				if src == "" || compressed == "" {
					continue // a row of another table in the file
				}
				want, err := rowElements(src)
				lenient := want
				if err != nil && isDLScheme(src) {
					lenient = lenientDLElements(src)
				}
				if reason := gherkinException(src, err, lenient); reason != "" {
					t.Logf("%q intentionally not reproduced: %s", compressed, reason)
					excepted++
					continue
				}
				ran++
				t.Run(compressed, func(t *testing.T) {
					if err != nil {
						t.Fatalf("source %q does not parse: %v", src, err)
					}
					got, err := ParseDigitalLink(compressed, DigitalLinkOptions{PermitZeroSuppressedGTIN: true})
					if err != nil {
						t.Fatalf("ParseDigitalLink(%q): %v", compressed, err)
					}
					if !sameElements(got, want) {
						t.Errorf("ParseDigitalLink(%q) = %v, want %v (from %s)", compressed, got, want, src)
					}
				})
			}
			if ran == 0 {
				t.Fatalf("no rows read from %s", rf.file)
			}
			t.Logf("%s: ran %d rows, %d listed exceptions", rf.file, ran, excepted)
		})
	}
}

// extractFiles names, per feature file, the input columns of its outline
// tables; the AIn/Valuen columns of the same row hold the expected data.
var extractFiles = []struct {
	file   string
	inputs []string
}{
	{"ExtractFromGs1DigitalLink.feature", []string{"digitalLink", "compressedDigitalLink", "partiallyCompressedDigitalLink"}},
	{"ExtractFromGs1ElementStrings.feature", []string{"elementString"}},
}

// TestGherkinExtract checks the outline tables of the Extract features: the
// input must parse (ParseBarcode, which takes Digital Links, element strings,
// bracketed strings and symbology identifiers alike) and contain every AI
// and value the row lists. The scenarios with inline data tables test error
// handling of that library's API with validation on and off; our parsers
// always validate, and their rejections are proven on the syntax-engine
// vectors.
func TestGherkinExtract(t *testing.T) {
	dir := testenv.Testdata(t, "digital-link/gherkin-gs1dl-lib")
	for _, ef := range extractFiles {
		t.Run(ef.file, func(t *testing.T) {
			ran, excepted := 0, 0
			for _, r := range gherkinRows(t, filepath.Join(dir, ef.file)) {
				in := ""
				for _, col := range ef.inputs {
					if r[col] != "" {
						in = r[col]
					}
				}
				if in == "" || r["AI1"] == "" {
					continue // an inline data table, not an outline row
				}
				var want []Element
				for i := 1; r["AI"+strconv.Itoa(i)] != ""; i++ {
					want = append(want, Element{AI: r["AI"+strconv.Itoa(i)], Value: r["Value"+strconv.Itoa(i)]})
				}
				if reason := gherkinException(in, nil, want); reason != "" {
					t.Logf("%q intentionally not reproduced: %s", in, reason)
					excepted++
					continue
				}
				ran++
				t.Run(in, func(t *testing.T) {
					elems, err := extractRow(in)
					if err != nil {
						t.Fatalf("parse %q: %v", in, err)
					}
					for _, w := range want {
						found := false
						for _, e := range elems {
							found = found || e == w
						}
						if !found {
							t.Errorf("%q gives %v, which lacks (%s)%s", in, elems, w.AI, w.Value)
						}
					}
				})
			}
			if ran == 0 {
				t.Fatalf("no rows read from %s", ef.file)
			}
			t.Logf("%s: ran %d rows, %d listed exceptions", ef.file, ran, excepted)
		})
	}
}

// extractRow parses an Extract table's input the way a scanner's data would
// be, with "<gs>" stand-ins and zero-suppressed GTINs in Digital Links.
func extractRow(in string) ([]Element, error) {
	if isDLScheme(in) || strings.HasPrefix(in, "(") {
		return rowElements(in)
	}
	b, err := ParseBarcode(in)
	if err != nil {
		return nil, err
	}
	return b.Elements, nil
}

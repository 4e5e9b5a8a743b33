package gs1

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/internal/testenv"
)

// gherkinRows reads the Examples tables of a Gherkin feature file: each row
// as a map from column header to cell.
func gherkinRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var rows []map[string]string
	var header []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			header = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if header == nil {
			header = cells
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(cells) {
				row[h] = cells[i]
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return rows
}

// badITIP is the ITIP value used throughout the library's tables: GTIN
// 05412345000013 with piece 02 of a total of 01.
const badITIP = "054123450000130201"

// gherkinException returns why a row of the Digital Link library's Gherkin
// tables is deliberately not reproduced, or "" to run it. parseErr and elems
// are the outcome of parsing the row's element string with our parser; the
// rules are narrow and name the exact value or AIs upstream treats
// differently.
func gherkinException(elementString string, parseErr error, elems []Element) string {
	var pe *ParseError
	const itipReason = "ITIP (8006) " + badITIP + " is piece 02 of a total of 01, which the dictionary's pieceoftotal linter rejects; the library does not lint it"
	if errors.As(parseErr, &pe) && pe.AI == "8006" && pe.Code == "piece_number_exceeds_total" && strings.Contains(elementString, badITIP) {
		return itipReason
	}
	for _, e := range elems {
		if e.AI == "8006" && e.Value == badITIP {
			return itipReason
		}
		switch e.AI {
		case "410", "411", "412", "413", "416":
			return "(410)-(413) and (416) were Digital Link primary keys in DL 1.x; the GS1 Barcode Syntax Dictionary 2026-01-27 no longer marks them dlpkey"
		}
	}
	return ""
}

// parseRowElements parses a table's element string: bracketed, or
// unbracketed with "<gs>" separators (which ParseElementString accepts).
func parseRowElements(s string) ([]Element, error) {
	if strings.HasPrefix(s, "(") {
		return ParseBracketed(s)
	}
	return ParseElementString(s)
}

func TestGherkinElementStringsToDigitalLink(t *testing.T) {
	dir := testenv.Testdata(t, "digital-link/gherkin-gs1dl-lib")
	rows := gherkinRows(t, filepath.Join(dir, "Gs1ElementStringsToGs1DigitalLink.feature"))
	ran, excepted := 0, 0
	for _, r := range rows {
		in, want := r["elementString"], r["digitalLink"]
		if in == "" || want == "" {
			continue // a row of another table in the file
		}
		elems, err := parseRowElements(in)
		reason := gherkinException(in, err, elems)
		if strings.Contains(want, "?exp=") || strings.Contains(want, "&exp=") {
			reason = "the expected URI uses the DL 1.x query name exp= for (17); DL 1.2+ (and the GS1 Syntax Engine) treat it as a non-AI parameter and we generate ?17="
		}
		if reason != "" {
			t.Logf("%q intentionally not reproduced: %s", in, reason)
			excepted++
			continue
		}
		ran++
		t.Run(in, func(t *testing.T) {
			if err != nil {
				t.Fatalf("parse %q: %v", in, err)
			}
			got, err := GenerateDigitalLink(elems, "")
			if err != nil {
				t.Fatalf("GenerateDigitalLink(%q): %v", in, err)
			}
			if strings.HasPrefix(want, CanonicalDLHost+"/") && isDigits(strings.SplitN(want[len(CanonicalDLHost)+1:], "/", 2)[0]) {
				if got != want {
					t.Errorf("GenerateDigitalLink(%q) = %q, want %q", in, got, want)
				}
				return
			}
			// Rows written with DL 1.x convenience names (/gtin/, /ser/)
			// must denote the same AIs as our canonical numeric form.
			wantElems, err := ParseDigitalLink(want, DigitalLinkOptions{})
			if err != nil {
				t.Fatalf("ParseDigitalLink(%q): %v", want, err)
			}
			gotElems, err := ParseDigitalLink(got, DigitalLinkOptions{})
			if err != nil || !sameElements(gotElems, wantElems) {
				t.Errorf("GenerateDigitalLink(%q) = %q (%v), want the AIs of %q", in, got, err, want)
			}
		})
	}
	t.Logf("ran %d rows, %d listed exceptions", ran, excepted)
}

func TestGherkinDigitalLinkToElementStrings(t *testing.T) {
	dir := testenv.Testdata(t, "digital-link/gherkin-gs1dl-lib")
	for _, file := range []string{"Gs1DigitalLinkToGs1ElementStrings.feature", "Gs1CompressedDigitalLinkToGs1ElementStrings.feature"} {
		t.Run(file, func(t *testing.T) {
			rows := gherkinRows(t, filepath.Join(dir, file))
			ran, excepted := 0, 0
			for _, r := range rows {
				in, want := r["digitalLink"], r["elementStrings"]
				if want == "" {
					want = r["elementString"]
				}
				if in == "" || want == "" {
					continue // a row of another table in the file
				}
				wantElems, err := parseRowElements(want)
				if reason := gherkinException(want, err, wantElems); reason != "" {
					t.Logf("%q intentionally not reproduced: %s", in, reason)
					excepted++
					continue
				}
				ran++
				t.Run(in, func(t *testing.T) {
					if err != nil {
						t.Fatalf("parse expected %q: %v", want, err)
					}
					got, err := ParseDigitalLink(in, DigitalLinkOptions{PermitZeroSuppressedGTIN: true})
					if err != nil {
						t.Fatalf("ParseDigitalLink(%q): %v", in, err)
					}
					// The library orders AIs its own way; compare as sets.
					if !sameElements(got, wantElems) {
						t.Errorf("ParseDigitalLink(%q) = %v, want %v", in, got, wantElems)
					}
				})
			}
			t.Logf("%s: ran %d rows, %d listed exceptions", file, ran, excepted)
		})
	}
}

func TestGherkinDecompressDigitalLink(t *testing.T) {
	dir := testenv.Testdata(t, "digital-link/gherkin-gs1dl-lib")
	rows := gherkinRows(t, filepath.Join(dir, "DecompressGs1DigitalLink.feature"))
	ran, excepted := 0, 0
	for _, r := range rows {
		in, want := r["compressedDigitalLink"], r["expectedDigitalLink"]
		if in == "" || want == "" {
			continue // a row of another table in the file
		}
		wantElems, wantErr := ParseDigitalLink(want, DigitalLinkOptions{PermitZeroSuppressedGTIN: true})
		var reason string
		if wantErr != nil {
			reason = gherkinException(want, wantErr, lenientDLElements(want))
		}
		if in == "https://id.gs1.org/I1j3FSNWcOGeFywaR5CZmSmWQ9a1EOwA" {
			reason = "the compressed data carries (253) 3060077601309 and also (235) 8TFV883a904GH&3, which the expected URI omits; the key alone (JTLIetaiHYA, the next row) decodes as expected"
		}
		if reason != "" {
			t.Logf("%q intentionally not reproduced: %s", in, reason)
			excepted++
			continue
		}
		ran++
		t.Run(in, func(t *testing.T) {
			if wantErr != nil {
				t.Fatalf("expected URI %q does not parse: %v", want, wantErr)
			}
			got, err := ParseDigitalLink(in, DigitalLinkOptions{PermitZeroSuppressedGTIN: true})
			if err != nil {
				t.Fatalf("ParseDigitalLink(%q): %v", in, err)
			}
			if !sameElements(got, wantElems) {
				t.Errorf("ParseDigitalLink(%q) = %v, want %v (from %s)", in, got, wantElems, want)
			}
		})
	}
	t.Logf("ran %d rows, %d listed exceptions", ran, excepted)
}

// lenientDLElements lists the AI/value pairs of a Digital Link path without
// validating them, so rows can be classified by gherkinException.
func lenientDLElements(uri string) []Element {
	path := uri
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(path, "/")
	var elems []Element
	// DL 1.x names of AIs that are no longer primary keys.
	oldNames := map[string]string{"shipTo": "410", "billTo": "411", "purchasedFrom": "412", "shipFor": "413", "glnProd": "416"}
	for i := 3; i+1 < len(segs); i += 2 {
		ai := PathAI(segs[i])
		if n, ok := oldNames[ai]; ok {
			ai = n
		}
		elems = append(elems, Element{AI: ai, Value: UnescapeDLPath(segs[i+1])})
	}
	return elems
}

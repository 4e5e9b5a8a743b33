package gs1

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"rxledger/internal/testenv"
)

// TestGherkinTables checks the generated AI table against the Digital Link
// library's TableTests.feature where the two describe the same standard: the
// predefined-length table (AIs whose data needs no FNC1 separator) and the
// AI length by first two digits. The feature's other scenarios check that
// library's own records (short names, regular expressions, format strings,
// compression optimisation codes); our table is generated from the GS1
// Barcode Syntax Dictionary instead and checked against it by
// internal/aigen's tests, so those rows are not compared here.
func TestGherkinTables(t *testing.T) {
	dir := testenv.Testdata(t, "digital-link/gherkin-gs1dl-lib")
	byPrefix := map[string][]AIDef{}
	for _, d := range AIs() {
		byPrefix[d.AI[:2]] = append(byPrefix[d.AI[:2]], d)
	}
	predefined, prefixLen := 0, 0
	for _, r := range gherkinRows(t, filepath.Join(dir, "TableTests.feature")) {
		prefix := r["aiFirstTwoDigits"]
		if prefix == "" {
			continue // a row of another scenario
		}
		defs := byPrefix[prefix]
		if chars := r["numberOfCharacters"]; chars != "" {
			predefined++
			n, err := strconv.Atoi(chars)
			if err != nil {
				t.Fatalf("prefix %s: numberOfCharacters %q", prefix, chars)
			}
			if len(defs) == 0 {
				t.Logf("prefix %s: reserved, no AI in the dictionary", prefix)
			}
			for _, d := range defs {
				if !d.Predefined || len(d.AI)+d.MinLength() != n || len(d.AI)+d.MaxLength() != n {
					t.Errorf("(%s): predefined %t, %d..%d characters with the AI; the predefined-length table says %d", d.AI, d.Predefined, len(d.AI)+d.MinLength(), len(d.AI)+d.MaxLength(), n)
				}
			}
		}
		if l := r["lengthOfAi"]; l != "" {
			prefixLen++
			n, err := strconv.Atoi(l)
			if err != nil {
				t.Fatalf("prefix %s: lengthOfAi %q", prefix, l)
			}
			for _, d := range defs {
				if len(d.AI) != n {
					t.Errorf("(%s) has %d digits; AIs starting %s have %d", d.AI, len(d.AI), prefix, n)
				}
			}
		}
	}
	if predefined == 0 || prefixLen == 0 {
		t.Fatalf("read %d predefined-length and %d prefix-length rows", predefined, prefixLen)
	}
	// Conversely, every AI the dictionary marks predefined is in that table.
	listed := predefinedPrefixes(t, dir)
	for _, d := range AIs() {
		if d.Predefined && !strings.Contains(listed, ","+d.AI[:2]+",") {
			t.Errorf("(%s) is predefined but its prefix is not in the predefined-length table", d.AI)
		}
	}
	t.Logf("checked %d predefined-length and %d prefix-length rows", predefined, prefixLen)
}

// predefinedPrefixes lists the predefined-length table's prefixes as
// ",00,01,...,".
func predefinedPrefixes(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(",")
	for _, r := range gherkinRows(t, filepath.Join(dir, "TableTests.feature")) {
		if r["numberOfCharacters"] != "" {
			b.WriteString(r["aiFirstTwoDigits"] + ",")
		}
	}
	return b.String()
}

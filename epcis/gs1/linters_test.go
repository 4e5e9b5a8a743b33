package gs1

import (
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/internal/testenv"
)

// testLinters maps each linter name of the GS1 Barcode Syntax Tests to our
// implementation.
var testLinters = map[string]lintFunc{
	"cset82": lintCset82, "cset39": lintCset39, "cset64": lintCset64, "csetnumeric": lintCsetnumeric,
	"csum": lintCsum, "csumalpha": lintCsumalpha,
	"yymmd0": lintYymmd0, "yymmdd": lintYymmdd, "yyyymmd0": lintYyyymmd0, "yyyymmdd": lintYyyymmdd,
	"hh": lintHh, "mi": lintMi, "ss": lintSs, "hhmi": lintHhmi,
	"iso3166": lintIso3166, "iso3166999": lintIso3166999, "iso3166alpha2": lintIso3166alpha2, "iso4217": lintIso4217,
	"iban": lintIban, "pcenc": lintPcenc, "pieceoftotal": lintPieceoftotal, "posinseqslash": lintPosinseqslash,
	"zero": lintZero, "nonzero": lintNonzero, "nozeroprefix": lintNozeroprefix, "hasnondigit": lintHasnondigit,
	"winding": lintWinding, "yesno": lintYesno, "iso5218": lintIso5218, "hyphen": lintHyphen,
	"importeridx": lintImporteridx, "mediatype": lintMediatype, "latitude": lintLatitude, "longitude": lintLongitude,
	"couponcode": lintCouponcode, "couponposoffer": lintCouponposoffer,
}

// unsupportedLinters are the linters we do not implement, with the reason
// (the same ones internal/aigen leaves out of the AI table).
var unsupportedLinters = map[string]string{
	"packagetype": "needs the UN/ECE Recommendation 21 package type list, which we do not ship",
}

type linterVector struct {
	Linter          string `json:"linter"`
	Input           string `json:"input"`
	InputHex        string `json:"input_bytes_hex"`
	ShouldSucceed   bool   `json:"should_succeed"`
	ExpectError     string `json:"expect_error"`
	ExpectHighlight string `json:"expect_highlight"`
	HighlightHex    string `json:"expect_highlight_bytes_hex"`
	Source          string `json:"source"`
}

func TestLinterVectors(t *testing.T) {
	dir := testenv.Testdata(t, "gs1-syntax-dictionary")
	var file struct {
		Vectors []linterVector `json:"vectors"`
	}
	loadJSON(t, filepath.Join(dir, "linter-test-vectors.json"), &file)
	if len(file.Vectors) == 0 {
		t.Fatal("no linter vectors")
	}
	run, skipped := 0, map[string]int{}
	for _, v := range file.Vectors {
		if _, ok := unsupportedLinters[v.Linter]; ok {
			skipped[v.Linter]++
			continue
		}
		lint, ok := testLinters[v.Linter]
		if !ok {
			t.Errorf("%s: linter %q is neither implemented nor listed as unsupported", v.Source, v.Linter)
			continue
		}
		run++
		in := decodeHexOr(t, v.InputHex, v.Input)
		r := lint(in)
		if v.ShouldSucceed {
			if !r.ok() {
				t.Errorf("%s: %s(%q) = %s at %d+%d, want OK", v.Source, v.Linter, in, r.code, r.pos, r.n)
			}
			continue
		}
		want := strings.ToLower(strings.TrimPrefix(v.ExpectError, "GS1_LINTER_"))
		if r.code != want {
			t.Errorf("%s: %s(%q) = %q, want %q", v.Source, v.Linter, in, r.code, want)
			continue
		}
		wantHL := decodeHexOr(t, v.HighlightHex, v.ExpectHighlight)
		if got := in[:r.pos] + "*" + in[r.pos:r.pos+r.n] + "*" + in[r.pos+r.n:]; got != wantHL {
			t.Errorf("%s: %s(%q) highlight %q, want %q", v.Source, v.Linter, in, got, wantHL)
		}
	}
	for name, n := range skipped {
		t.Logf("not run: %d %s vectors (%s)", n, name, unsupportedLinters[name])
	}
	t.Logf("ran %d of %d linter vectors", run, len(file.Vectors))
}

// decodeHexOr returns the bytes hexStr encodes, or s when hexStr is empty.
func decodeHexOr(t *testing.T, hexStr, s string) string {
	t.Helper()
	if hexStr == "" {
		return s
	}
	b, err := hex.DecodeString(hexStr)
	if err != nil {
		t.Fatalf("bad hex %q: %v", hexStr, err)
	}
	return string(b)
}

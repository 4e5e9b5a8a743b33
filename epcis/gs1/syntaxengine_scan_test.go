package gs1

import (
	"errors"
	"strings"
	"testing"
)

// generatedScanInput returns the AI data (caret notation) or plain text that
// a scandata-generate vector encodes, and whether it is GS1 data. Linear
// EAN/UPC/DataBar inputs may give the GTIN as bare digits, which mean AI
// (01); the composite part follows a "|".
func generatedScanInput(v engineVector) (string, bool) {
	in := v.Input
	gs1Data := strings.HasPrefix(in, "^")
	linear, composite, hasComposite := strings.Cut(in, "|")
	switch v.ExpectSym {
	case "QR", "DM", "DotCode":
		if !gs1Data {
			return strings.ReplaceAll(in, `\^`, "^"), false
		}
		return in, true
	}
	if !strings.HasPrefix(linear, "^") {
		if v.Settings["AddCheckDigit"] == "true" {
			linear += string(CheckDigit(linear))
		}
		linear = "^01" + strings.Repeat("0", max(0, 14-len(linear))) + linear
	}
	if hasComposite {
		return linear + composite, true
	}
	return linear, true
}

// TestEngineScanDataGenerated reads back the expected scanner output of every
// scandata-generate vector: ParseBarcode must give the data the generator was
// given, and must refuse the symbols the generator refuses to make.
func TestEngineScanDataGenerated(t *testing.T) {
	vectors := loadEngineVectors(t, "scandata-generate.json")
	for i := range vectors {
		// The symbology is named by the "symbology" field in this file.
		if vectors[i].ExpectSym == "" {
			vectors[i].ExpectSym = vectors[i].Symbology
		}
	}
	runEngine(t, vectors, func(t *testing.T, v engineVector) {
		want, gs1Data := generatedScanInput(v)
		if v.Expect == "" {
			// The generator refuses; the symbol, had it been made, must not parse.
			scan := map[string]string{"EAN13": "]E0", "GS1_128_CCA": "]C1", "DataBarExpanded": "]e0"}[v.ExpectSym]
			if scan == "" {
				t.Fatalf("no scan prefix for refused %s vector", v.ExpectSym)
			}
			if b, err := ParseBarcode(scan + v.Input); err == nil {
				t.Fatalf("ParseBarcode(%q) = %+v, want an error (%s)", scan+v.Input, b, v.Comment)
			}
			return
		}
		b, err := ParseBarcode(v.Expect)
		if err != nil {
			t.Fatalf("ParseBarcode(%q): %v", v.Expect, err)
		}
		if !gs1Data {
			if b.Text != want {
				t.Errorf("ParseBarcode(%q).Text = %q, want %q", v.Expect, b.Text, want)
			}
			return
		}
		wantElems, err := ParseElementString(want)
		if err != nil {
			t.Fatalf("vector data %q: %v", want, err)
		}
		if got, w := caret(b.Elements), caret(wantElems); got != w {
			t.Errorf("ParseBarcode(%q) = %q, want %q", v.Expect, got, w)
		}
	})
}

// TestEngineErrorMarkup checks the ai-error-markup vectors: the error names
// the AI and marks the same offending characters as the reference library
// ("(AI)data-before|offending|..."; the reference shows the failing
// component only, so only the part up to the closing "|" is compared).
func TestEngineErrorMarkup(t *testing.T) {
	runEngine(t, loadEngineVectors(t, "ai-error-markup.json"), func(t *testing.T, v engineVector) {
		ai, data, ok := strings.Cut(strings.TrimPrefix(v.Input, "("), ")")
		if !ok {
			t.Fatalf("input %q is not one bracketed AI", v.Input)
		}
		before, rest, _ := strings.Cut(strings.TrimPrefix(v.ExpectMarkup, "("+ai+")"), "|")
		marked, _, ok := strings.Cut(rest, "|")
		if !ok {
			t.Fatalf("markup %q has no marked span", v.ExpectMarkup)
		}
		// Association rules are off in the vector's settings: check the value alone.
		_, err := parseBracketed(v.Input, 0, false)
		var ve *ValueError
		if !errors.As(err, &ve) {
			t.Fatalf("parse %q: error %v, want a *ValueError", v.Input, err)
		}
		if ve.AI != ai || ve.Pos != len(before) || data[ve.Pos:ve.Pos+ve.Len] != marked {
			t.Errorf("error (%s) at %d len %d (%q), want (%s) at %d marking %q", ve.AI, ve.Pos, ve.Len, data[ve.Pos:min(len(data), ve.Pos+ve.Len)], ai, len(before), marked)
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.AI != ai || pe.Pos != len("("+ai+")")+len(before) {
			t.Errorf("ParseError %v, want (%s) at input position %d", err, ai, len("("+ai+")")+len(before))
		}
	})
}

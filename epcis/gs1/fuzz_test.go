package gs1

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"rxledger/internal/testenv"
)

// fuzzSeeds adds the inputs of a shared test-vector file as fuzz seeds; a
// missing file only means fewer seeds (the inline ones remain).
func fuzzSeeds(f *testing.F, sub, file string) {
	base := testenv.TestdataDir(f)
	var doc struct {
		Vectors []struct {
			Input string `json:"input"`
		} `json:"vectors"`
	}
	data, err := os.ReadFile(filepath.Join(base, sub, file))
	if err != nil {
		f.Logf("no seeds from %s/%s: %v", sub, file, err)
		return
	}
	if err := jsonUnmarshal(data, &doc); err != nil {
		f.Fatalf("decode %s: %v", file, err)
	}
	for _, v := range doc.Vectors {
		f.Add(v.Input)
	}
}

// checkParseError asserts that a parser's error is a *ParseError located
// inside (or just past the end of) the input.
func checkParseError(t *testing.T, in string, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %T %v is not a *ParseError", err, err)
	}
	if pe.Pos < 0 || pe.Pos > len(in) {
		t.Fatalf("error position %d outside input of %d bytes: %v", pe.Pos, len(in), err)
	}
}

func FuzzParseBarcode(f *testing.F) {
	for _, s := range []string{
		"]d2010031234567890621ABC123\x1d1727033110L0042",
		"(01)00312345678906(21)ABC123(17)270331(10)L0042",
		"010031234567890621ABC123<GS>1727033110L0042",
		"https://id.gs1.org/01/00312345678906/10/L0042/21/ABC123?17=270331",
		"]E02112345678900|]e099COMPOSITE\x1d98XYZ",
		"(8110)012345612345611110123(8112)001234561234560123456",
	} {
		f.Add(s)
	}
	fuzzSeeds(f, "gs1-syntax-engine-vectors", "scandata-process.json")
	fuzzSeeds(f, "gs1-syntax-engine-vectors", "ai-process-unbracketed.json")
	fuzzSeeds(f, "gs1-syntax-engine-vectors", "ai-parse-bracketed.json")
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ParseBarcode(in)
		if err != nil {
			if len(in) <= MaxInputLen {
				checkParseError(t, in, err)
			}
			return
		}
		for _, e := range b.Elements {
			if d, ok := LookupAI(e.AI); ok {
				if err := d.ValidateValue(e.Value); err != nil {
					t.Fatalf("accepted (%s) %q that fails validation: %v", e.AI, e.Value, err)
				}
			}
		}
		if len(b.Elements) > 0 {
			// The canonical element string must parse back to the same elements.
			again, err := ParseElementString(FormatElementString(b.Elements))
			if err != nil {
				t.Fatalf("re-parse of %q: %v", FormatElementString(b.Elements), err)
			}
			if len(again) != len(b.Elements) {
				t.Fatalf("re-parse gave %v, want %v", again, b.Elements)
			}
			for i := range again {
				if again[i] != b.Elements[i] {
					t.Fatalf("re-parse gave %v, want %v", again, b.Elements)
				}
			}
		}
	})
}

func FuzzParseDigitalLink(f *testing.F) {
	f.Add("https://id.gs1.org/01/00312345678906/10/L0042/21/ABC123?17=270331")
	f.Add("https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ%2f987")
	fuzzSeeds(f, "gs1-syntax-engine-vectors", "dl-parse-uri.json")
	f.Fuzz(func(t *testing.T, in string) {
		elems, err := ParseDigitalLink(in, DigitalLinkOptions{})
		if err != nil {
			if len(in) <= MaxInputLen {
				checkParseError(t, in, err)
			}
			return
		}
		// A parsed Digital Link regenerates, and the result parses to the
		// same elements (the canonical form is a fixed point).
		dl, err := GenerateDigitalLink(elems, "")
		if err != nil {
			return // e.g. unknown-order attributes that generation refuses
		}
		again, err := ParseDigitalLink(dl, DigitalLinkOptions{})
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", dl, in, err)
		}
		if dl2, err := GenerateDigitalLink(again, ""); err != nil || dl2 != dl {
			t.Fatalf("canonical form not stable: %q -> %q (%v)", dl, dl2, err)
		}
	})
}

func FuzzEPCToDigitalLink(f *testing.F) {
	for _, s := range []string{
		"urn:epc:id:sgtin:0614141.107346.2017",
		"urn:epc:class:lgtin:4012345.012345.998877",
		"urn:epc:id:sscc:0614141.1234567890",
		"urn:epc:id:sgln:4012345.00005.122",
		"urn:epc:idpat:itip:943549030.3943.04.93.*",
		"https://example.com/01/00614141073467/10/LOT/21/2017",
	} {
		f.Add(s)
	}
	fuzzSeeds(f, "digital-link", "epc-urn-digital-link-translation.json")
	f.Fuzz(func(t *testing.T, in string) {
		dl, err := EPCToDigitalLink(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidEPC) {
				t.Fatalf("error %v does not wrap ErrInvalidEPC", err)
			}
			return
		}
		if !hasHTTPScheme(dl) {
			t.Fatalf("EPCToDigitalLink(%q) = %q, not a URI", in, dl)
		}
		for g := 6; g <= 12; g++ {
			if _, err := DigitalLinkToEPC(dl, g); err != nil && !errors.Is(err, ErrInvalidEPC) {
				t.Fatalf("DigitalLinkToEPC error %v does not wrap ErrInvalidEPC", err)
			}
		}
	})
}

func FuzzDigitalLinkToEPC(f *testing.F) {
	f.Add("https://id.gs1.org/01/00312345678906/21/ABC123", 7)
	f.Add("https://example.com/shop/414/4012345000054/254/122", 7)
	f.Add("https://id.gs1.org/8006/123456789012310102/21/X", 12)
	f.Add("https://id.gs1.org/8010/0614141ABC/8011/12", 7)
	f.Fuzz(func(t *testing.T, dl string, g int) {
		// The prefix-length lookup must refuse cleanly or give a usable length.
		if n, err := CompanyPrefixLength(dl, []string{"0312345", "061414", "0614141", "4012345", "123456789012"}); err != nil {
			if !errors.Is(err, ErrInvalidEPC) {
				t.Fatalf("CompanyPrefixLength(%q): error %v does not wrap ErrInvalidEPC", dl, err)
			}
		} else if n < 6 || n > 12 {
			t.Fatalf("CompanyPrefixLength(%q) = %d, outside 6..12", dl, n)
		}
		urn, err := DigitalLinkToEPC(dl, g)
		if err != nil {
			if !errors.Is(err, ErrInvalidEPC) {
				t.Fatalf("error %v does not wrap ErrInvalidEPC", err)
			}
			return
		}
		// Every URN we produce translates back to a Digital Link.
		if _, err := EPCToDigitalLink(urn); err != nil {
			t.Fatalf("DigitalLinkToEPC(%q, %d) = %q, which EPCToDigitalLink rejects: %v", dl, g, urn, err)
		}
	})
}

package gs1

import (
	"errors"
	"testing"
)

// FuzzParseNDC checks that ParseNDC never panics, refuses with
// ErrInvalidIdentifier, and that an accepted NDC survives its printed form
// and the GTIN that carries it.
func FuzzParseNDC(f *testing.F) {
	for _, s := range []string{"12345-678-90", "1234-5678-90", "12345-6789-0", "1234567890", "12345-0678-90", "01234567890", "0-0-0", "-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := ParseNDC(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidIdentifier) {
				t.Fatalf("ParseNDC(%q): error %v does not wrap ErrInvalidIdentifier", in, err)
			}
			return
		}
		if len(n.Digits) != 10 || !isDigits(n.Digits) {
			t.Fatalf("ParseNDC(%q) = %+v, not 10 digits", in, n)
		}
		again, err := ParseNDC(n.String())
		if err != nil || again.Digits != n.Digits {
			t.Fatalf("ParseNDC(%q).String() = %q reparses to %+v, %v", in, n.String(), again, err)
		}
		g, err := n.GTIN('0')
		if err != nil || !ValidCheckDigit(g) {
			t.Fatalf("NDC %+v: GTIN %q, %v", n, g, err)
		}
		back, err := NDCFromGTIN(g)
		if err != nil || back.Digits != n.Digits {
			t.Fatalf("NDCFromGTIN(%q) = %+v, %v; want digits %s", g, back, err, n.Digits)
		}
	})
}

// FuzzNormalizeGTIN checks that NormalizeGTIN never panics and that what it
// accepts is a 14-digit GTIN with a correct check digit, unchanged by a
// second normalisation.
func FuzzNormalizeGTIN(f *testing.F) {
	for _, s := range []string{"00312345678906", "312345678906", "9506000134352", "95060001", "12345678", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		g, err := NormalizeGTIN(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidIdentifier) {
				t.Fatalf("NormalizeGTIN(%q): error %v does not wrap ErrInvalidIdentifier", in, err)
			}
			return
		}
		if len(g) != 14 || !isDigits(g) || !ValidCheckDigit(g) {
			t.Fatalf("NormalizeGTIN(%q) = %q", in, g)
		}
		if again, err := NormalizeGTIN(g); err != nil || again != g {
			t.Fatalf("NormalizeGTIN(%q) = %q, %v; not idempotent", g, again, err)
		}
	})
}

// FuzzParseKeys checks ParseSSCC and ParseGLN: no panics, refusals wrap
// ErrInvalidIdentifier, and an accepted key's Digital Link parses back to it.
func FuzzParseKeys(f *testing.F) {
	for _, s := range []string{"106141412345678908", "0614141000005", "9506000134352", "00000000000000000", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		check := func(name, dl, ai string, err error) {
			t.Helper()
			if err != nil {
				if !errors.Is(err, ErrInvalidIdentifier) {
					t.Fatalf("%s(%q): error %v does not wrap ErrInvalidIdentifier", name, in, err)
				}
				return
			}
			elems, err := ParseDigitalLink(dl, DigitalLinkOptions{})
			if err != nil || len(elems) != 1 || elems[0].AI != ai || elems[0].Value != in {
				t.Fatalf("%s(%q) accepted, but its Digital Link %q parses to %v, %v", name, in, dl, elems, err)
			}
		}
		s, err := ParseSSCC(in)
		check("ParseSSCC", s.DigitalLink(), "00", err)
		g, err := ParsePGLN(in)
		check("ParsePGLN", g.DigitalLink(), "417", err)
	})
}

// FuzzCouponLinters checks that the coupon linters never panic and that a
// failure marks a span inside the data.
func FuzzCouponLinters(f *testing.F) {
	for _, s := range []string{"012345612345611110123", "0123456123456111101231", "012345612345611110123325010142501025012345661234567912210", "001234561234560123456", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for name, lint := range map[string]lintFunc{"couponcode": lintCouponcode, "couponposoffer": lintCouponposoffer} {
			r := lint(in)
			if !r.ok() && (r.pos < 0 || r.n < 0 || r.pos+r.n > len(in)) {
				t.Fatalf("%s(%q) = %s at %d+%d, outside the data", name, in, r.code, r.pos, r.n)
			}
		}
	})
}

package gs1

import (
	"errors"
	"testing"
	"time"
)

func TestNormalizeGTIN(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"gtin-8", "02345673", "00000002345673", true},
		{"gtin-12", "416000336108", "00416000336108", true},
		{"gtin-13", "2112345678900", "02112345678900", true},
		{"gtin-14", "00312345678906", "00312345678906", true},
		{"bad check digit", "00312345678907", "", false},
		{"bad length", "1234567", "", false},
		{"non-digit", "0031234567890A", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeGTIN(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("NormalizeGTIN(%q) = %q, %v; want %q, ok=%t", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidIdentifier) {
				t.Errorf("error %v does not wrap ErrInvalidIdentifier", err)
			}
		})
	}
}

func TestParseNDC(t *testing.T) {
	tests := []struct {
		name, in   string
		digits     string
		format     NDCFormat
		hyphenated string
		billing    string
	}{
		{"5-3-2", "12345-678-90", "1234567890", NDCFormat532, "12345-678-90", "12345067890"},
		{"4-4-2", "1234-5678-90", "1234567890", NDCFormat442, "1234-5678-90", "01234567890"},
		{"5-4-1", "12345-6789-0", "1234567890", NDCFormat541, "12345-6789-0", "12345678900"},
		{"10 digits", "1234567890", "1234567890", NDCFormatUnknown, "1234567890", ""},
		{"11 digits, padded labeler", "01234567890", "1234567890", NDCFormat442, "1234-5678-90", "01234567890"},
		{"11 digits, padded product", "12345067890", "1234567890", NDCFormat532, "12345-678-90", "12345067890"},
		{"11 hyphenated, padded package", "12345-6789-01", "1234567891", NDCFormat541, "12345-6789-1", "12345678901"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNDC(tt.in)
			if err != nil {
				t.Fatalf("ParseNDC(%q): %v", tt.in, err)
			}
			if n.Digits != tt.digits || n.Format != tt.format || n.String() != tt.hyphenated {
				t.Errorf("ParseNDC(%q) = %+v (%s), want %s %q %s", tt.in, n, n, tt.digits, tt.format, tt.hyphenated)
			}
			b, err := n.Billing()
			if tt.billing == "" {
				if err == nil {
					t.Errorf("Billing() = %q, want an error for an unknown format", b)
				}
			} else if b != tt.billing || err != nil {
				t.Errorf("Billing() = %q, %v; want %q", b, err, tt.billing)
			}
		})
	}
}

func TestParseNDCRejects(t *testing.T) {
	for _, in := range []string{"", "123456789", "123456789012", "12345-67-890", "1234-567-89", "ABCDE-678-90", "00000000000", "12345-678-9O", "01234067890"} {
		t.Run(in, func(t *testing.T) {
			if n, err := ParseNDC(in); err == nil {
				t.Errorf("ParseNDC(%q) = %+v, want an error", in, n)
			}
		})
	}
}

func TestNDCGTIN(t *testing.T) {
	n, err := ParseNDC("12345-678-90")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		indicator byte
		want      string
	}{{'0', "00312345678906"}, {'1', "10312345678903"}, {'5', "50312345678901"}}
	for _, tt := range tests {
		t.Run(string(tt.indicator), func(t *testing.T) {
			got, err := n.GTIN(tt.indicator)
			if err != nil || got != tt.want {
				t.Fatalf("GTIN(%c) = %q, %v; want %q", tt.indicator, got, err, tt.want)
			}
			back, err := NDCFromGTIN(got)
			if err != nil || back.Digits != n.Digits {
				t.Errorf("NDCFromGTIN(%q) = %+v, %v; want %s", got, back, err, n.Digits)
			}
		})
	}
	if _, err := n.GTIN('9'); err == nil {
		t.Error("GTIN('9') succeeded; indicator 9 is for variable-measure items")
	}
	if _, err := NDCFromGTIN("09504000059101"); err == nil {
		t.Error("NDCFromGTIN accepted a GTIN without the 03 prefix")
	}
}

func TestKeyTypes(t *testing.T) {
	if _, err := ParseSSCC("106141412345678908"); err != nil {
		t.Errorf("ParseSSCC: %v", err)
	}
	if _, err := ParseSSCC("106141412345678909"); err == nil {
		t.Error("ParseSSCC accepted a bad check digit")
	}
	gln, err := ParseGLN("4012345000054")
	if err != nil {
		t.Fatalf("ParseGLN: %v", err)
	}
	loc := SGLN{GLN: gln, Extension: "122"}
	if got, want := loc.DigitalLink(), "https://id.gs1.org/414/4012345000054/254/122"; got != want {
		t.Errorf("SGLN.DigitalLink() = %q, want %q", got, want)
	}
	if got, err := loc.EPC(7); err != nil || got != "urn:epc:id:sgln:4012345.00005.122" {
		t.Errorf("SGLN.EPC(7) = %q, %v", got, err)
	}
	party, err := ParsePGLN("4000001000005")
	if err != nil {
		t.Fatalf("ParsePGLN: %v", err)
	}
	if got, err := party.EPC(7); err != nil || got != "urn:epc:id:pgln:4000001.00000" {
		t.Errorf("PGLN.EPC(7) = %q, %v", got, err)
	}
	item, err := NewSGTIN("00312345678906", "A/B&1")
	if err != nil {
		t.Fatalf("NewSGTIN: %v", err)
	}
	if got, want := item.DigitalLink(), "https://id.gs1.org/01/00312345678906/21/A%2FB%261"; got != want {
		t.Errorf("SGTIN.DigitalLink() = %q, want %q", got, want)
	}
	if got, err := item.EPC(7); err != nil || got != "urn:epc:id:sgtin:0312345.067890.A%2FB%261" {
		t.Errorf("SGTIN.EPC(7) = %q, %v", got, err)
	}
	if _, err := NewSGTIN("00312345678906", "has space"); err == nil {
		t.Error("NewSGTIN accepted a space in the serial")
	}
}

func TestPIExpiryDate(t *testing.T) {
	ref := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		expiry string
		want   time.Time
	}{
		{"270331", time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)},
		{"280200", time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"271200", time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"991231", time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"760101", time.Date(2076, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.expiry, func(t *testing.T) {
			got, err := PI{GTIN: "00312345678906", Expiry: tt.expiry}.ExpiryDate(ref)
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ExpiryDate(%s) = %v, %v; want %v", tt.expiry, got, err, tt.want)
			}
		})
	}
	if _, err := (PI{Expiry: "271301"}).ExpiryDate(ref); err == nil {
		t.Error("ExpiryDate accepted month 13")
	}
}

func TestPIDigitalLink(t *testing.T) {
	b, err := ParseBarcode("(01)00312345678906(21)ABC123(17)270331(10)L0042")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := b.PI()
	if !ok {
		t.Fatal("no PI")
	}
	want := PI{GTIN: "00312345678906", Serial: "ABC123", Lot: "L0042", Expiry: "270331"}
	if p != want {
		t.Errorf("PI = %+v, want %+v", p, want)
	}
	dl, err := p.DigitalLink()
	if err != nil || dl != "https://id.gs1.org/01/00312345678906/10/L0042/21/ABC123?17=270331" {
		t.Errorf("DigitalLink() = %q, %v", dl, err)
	}
	if got := FormatElementString(p.Elements()); got != "010031234567890617270331"+"10L0042\x1d21ABC123" {
		t.Errorf("FormatElementString = %q", got)
	}
}

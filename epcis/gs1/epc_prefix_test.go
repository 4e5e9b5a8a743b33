package gs1

import (
	"errors"
	"testing"
)

func TestDigitalLinkToEPCFor(t *testing.T) {
	partner := []string{"0312345", "061414", "0614141", "95060001343"}
	tests := []struct {
		name, dl string
		prefixes []string
		want     string
	}{
		{"SGTIN, GTIN matched after the indicator", "https://id.gs1.org/01/00312345678906/21/ABC123", partner, "urn:epc:id:sgtin:0312345.067890.ABC123"},
		{"longest prefix wins", "https://id.gs1.org/01/10614141073464/21/2017", partner, "urn:epc:id:sgtin:0614141.107346.2017"},
		{"SSCC after the extension digit", "https://id.gs1.org/00/106141412345678908", partner, "urn:epc:id:sscc:0614141.1234567890"},
		{"SGLN from position 0", "https://example.com/414/0614141000005/254/7", partner, "urn:epc:id:sgln:0614141.00000.7"},
		{"PGLN with an 11-digit prefix", "https://id.gs1.org/417/9506000134352", partner, "urn:epc:id:pgln:95060001343.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DigitalLinkToEPCFor(tt.dl, tt.prefixes)
			if err != nil {
				t.Fatalf("DigitalLinkToEPCFor(%q): %v", tt.dl, err)
			}
			if got != tt.want {
				t.Errorf("DigitalLinkToEPCFor(%q) = %q, want %q", tt.dl, got, tt.want)
			}
			back, err := EPCToDigitalLink(got)
			if err != nil {
				t.Fatalf("EPCToDigitalLink(%q): %v", got, err)
			}
			if again, err := DigitalLinkToEPCFor(back, tt.prefixes); err != nil || again != got {
				t.Errorf("round trip via %q gives %q, %v", back, again, err)
			}
		})
	}
}

func TestCompanyPrefixLengthRejects(t *testing.T) {
	tests := []struct {
		name, dl string
		prefixes []string
	}{
		{"no prefix matches", "https://id.gs1.org/01/00312345678906", []string{"0614141"}},
		{"no prefixes", "https://id.gs1.org/01/00312345678906", nil},
		{"prefixes that are not company prefixes are ignored", "https://id.gs1.org/01/00312345678906", []string{"03123", "0312345678901234", "03l2345"}},
		{"not a Digital Link", "urn:epc:id:sgtin:0312345.067890.1", []string{"0312345"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := CompanyPrefixLength(tt.dl, tt.prefixes)
			if !errors.Is(err, ErrInvalidEPC) {
				t.Fatalf("CompanyPrefixLength(%q, %q) = %d, %v; want an ErrInvalidEPC error", tt.dl, tt.prefixes, n, err)
			}
		})
	}
}

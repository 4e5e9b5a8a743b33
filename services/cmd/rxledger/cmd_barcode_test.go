package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// runBarcodeCLI runs `rxledger barcode ...` through run() with stdin.
func runBarcodeCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"barcode"}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBarcodeParse(t *testing.T) {
	tests := []struct {
		name   string
		stdin  string
		args   []string
		dl     string
		epc    string
		ndc    string
		serial string
	}{
		{
			name: "scanner output with ]d2 and GS",
			args: []string{"parse", "]d2010031234567890621ABC123\x1d1727033110L0042"},
			dl:   "https://id.gs1.org/01/00312345678906/10/L0042/21/ABC123?17=270331",
			epc:  "urn:epc:id:sgtin:0312345.067890.ABC123", ndc: "1234567890", serial: "ABC123",
		},
		{
			name: "bracketed, flag after the string",
			args: []string{"parse", "(01)00312345678906(21)ABC123", "--company-prefix-length", "9"},
			dl:   "https://id.gs1.org/01/00312345678906/21/ABC123",
			epc:  "urn:epc:id:sgtin:031234567.0890.ABC123", ndc: "1234567890", serial: "ABC123",
		},
		{
			name:  "stdin with <GS> stand-in and a newline",
			stdin: "010031234567890621ABC123<GS>1727033110L0042\n",
			args:  []string{"parse", "-"},
			dl:    "https://id.gs1.org/01/00312345678906/10/L0042/21/ABC123?17=270331",
			epc:   "urn:epc:id:sgtin:0312345.067890.ABC123", ndc: "1234567890", serial: "ABC123",
		},
		{
			name: "company prefix from the partner's prefixes",
			args: []string{"parse", "--company-prefix", "0614141,031234567", "(01)00312345678906(21)ABC123"},
			dl:   "https://id.gs1.org/01/00312345678906/21/ABC123",
			epc:  "urn:epc:id:sgtin:031234567.0890.ABC123", ndc: "1234567890", serial: "ABC123",
		},
		{
			name: "SSCC with the partner's prefix",
			args: []string{"parse", "--company-prefix", "0614141", "(00)106141412345678908"},
			dl:   "https://id.gs1.org/00/106141412345678908",
			epc:  "urn:epc:id:sscc:0614141.1234567890",
		},
		{
			name: "digital link without serial has no EPC",
			args: []string{"parse", "https://example.com/01/09504000059101/10/LOT1?17=261200"},
			dl:   "https://id.gs1.org/01/09504000059101/10/LOT1?17=261200",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runBarcodeCLI(t, tt.stdin, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			var res barcodeResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if res.DigitalLink != tt.dl || res.EPC != tt.epc || res.NDC != tt.ndc {
				t.Errorf("dl=%q epc=%q ndc=%q, want %q %q %q", res.DigitalLink, res.EPC, res.NDC, tt.dl, tt.epc, tt.ndc)
			}
			if tt.serial != "" && (res.PI == nil || res.PI.Serial != tt.serial) {
				t.Errorf("pi = %+v, want serial %q", res.PI, tt.serial)
			}
			wantKey, wantTitle := "01", "GTIN"
			if strings.Contains(tt.dl, "/00/") {
				wantKey, wantTitle = "00", "SSCC"
			}
			if len(res.Elements) == 0 || res.Elements[0].AI != wantKey || res.Elements[0].Title != wantTitle {
				t.Errorf("elements = %+v, want (%s) %s first", res.Elements, wantKey, wantTitle)
			}
		})
	}
}

// TestBarcodeParseUnknownPrefix checks that a key matching none of the given
// company prefixes gets no EPC URN and says why, rather than a guessed one.
func TestBarcodeParseUnknownPrefix(t *testing.T) {
	code, out, errOut := runBarcodeCLI(t, "", "parse", "--company-prefix", "0614141", "(01)00312345678906(21)ABC123")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var res barcodeResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if res.EPC != "" || res.CompanyPrefixLength != 0 || !strings.Contains(res.EPCError, "none of the 1 company prefixes") {
		t.Errorf("epc=%q length=%d epcError=%q, want no EPC and the reason", res.EPC, res.CompanyPrefixLength, res.EPCError)
	}
	if res.DigitalLink == "" {
		t.Errorf("no Digital Link: %s", out)
	}
}

func TestBarcodeParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"bad check digit", []string{"parse", "]d2010031234567890721ABC123"}, 1, "AI (01), position 18 (0-based byte offset): incorrect check digit"},
		{"bad expiry", []string{"parse", "(01)00312345678906(17)270332"}, 1, "AI (17), position 26"},
		{"space between AIs", []string{"parse", "]d2010031234567890621ABC123<GS>17270331 10L0042"}, 1, "position 39 (0-based byte offset): space where an AI should start"},
		{"no input", []string{"parse"}, 2, "want exactly one STRING"},
		{"bad prefix length", []string{"parse", "--company-prefix-length", "13", "(01)00312345678906"}, 2, "outside 6..12"},
		{"unknown subcommand", []string{"scan"}, 2, "unknown subcommand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runBarcodeCLI(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.contains) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.contains)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing on error", out)
			}
		})
	}
}

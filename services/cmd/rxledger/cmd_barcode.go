package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"rxledger/epcis/gs1"
)

// defaultCompanyPrefixLength is the GS1 Company Prefix length assumed when
// writing EPC URNs: 7 digits, the most common length for US pharmaceutical
// labelers (a "03" + 5-digit labeler code). A barcode does not carry it.
const defaultCompanyPrefixLength = 7

// runBarcode is `rxledger barcode`: tools for GS1 barcode contents.
//
//	rxledger barcode parse [--company-prefix-length N | --company-prefix P,...] STRING|-
func runBarcode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		barcodeUsage(stderr)
		return 2
	}
	switch args[0] {
	case "parse":
		return barcodeParse(args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "rxledger barcode: unknown subcommand %q\n\n", args[0])
	barcodeUsage(stderr)
	return 2
}

func barcodeUsage(w io.Writer) {
	fmt.Fprintf(w, `usage: rxledger barcode parse [--company-prefix-length N | --company-prefix P,...] STRING
       (STRING "-" reads standard input; one trailing newline is dropped)

Parses what a scanner sends for a GS1 DataMatrix, QR, GS1-128 or DataBar
barcode (with or without the ]d2/]Q3/]C1/]e0 symbology identifier; FNC1 as
the GS byte or the stand-ins ^ <GS> {GS} [GS] \x1D \u001d), the bracketed
form (01)...(21)..., or a GS1 Digital Link URI (also compressed), validates
every AI against the GS1 Barcode Syntax Dictionary and prints JSON: the AIs,
the Digital Link, the product identifier, the NDC when the GTIN carries one,
and the EPC URN when a GTIN and serial (or an SSCC) are present.

Invalid input exits 1 with the AI and the 0-based byte position of the problem.

flags:
  --company-prefix-length N   GS1 Company Prefix length for the EPC URN (6..12;
                              default %d, the usual length for US labelers)
  --company-prefix P,...      the partner's GS1 Company Prefixes; the length is
                              that of the prefix the key starts with (wins over
                              --company-prefix-length)
`, defaultCompanyPrefixLength)
}

// barcodeElement is one AI in the parse output.
type barcodeElement struct {
	AI    string `json:"ai"`
	Title string `json:"title"`
	Value string `json:"value"`
}

// barcodeResult is the JSON that `barcode parse` prints.
type barcodeResult struct {
	Symbology           string           `json:"symbology"`
	Elements            []barcodeElement `json:"elements"`
	Text                string           `json:"text,omitempty"`
	DigitalLink         string           `json:"digitalLink,omitempty"`
	DigitalLinkError    string           `json:"digitalLinkError,omitempty"`
	PI                  *gs1.PI          `json:"pi,omitempty"`
	NDC                 string           `json:"ndc,omitempty"`
	EPC                 string           `json:"epc,omitempty"`
	CompanyPrefixLength int              `json:"companyPrefixLength,omitempty"`
	EPCError            string           `json:"epcError,omitempty"`
}

func barcodeParse(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rxledger barcode parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { barcodeUsage(stderr) }
	gcpLen := fs.Int("company-prefix-length", defaultCompanyPrefixLength, "GS1 Company Prefix length for the EPC URN (6..12)")
	gcpList := fs.String("company-prefix", "", "comma-separated GS1 Company Prefixes of the partner; the EPC URN uses the one the key starts with")
	// Flags may come before or after STRING.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "rxledger barcode parse: want exactly one STRING (or - for standard input)")
		return 2
	}
	if *gcpLen < 6 || *gcpLen > 12 {
		fmt.Fprintf(stderr, "rxledger barcode parse: --company-prefix-length %d outside 6..12\n", *gcpLen)
		return 2
	}
	input := positional[0]
	if input == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, gs1.MaxInputLen+3))
		if err != nil {
			fmt.Fprintf(stderr, "rxledger barcode parse: read standard input: %v\n", err)
			return 1
		}
		input = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	}
	bc, err := gs1.ParseBarcode(input)
	if err != nil {
		var pe *gs1.ParseError
		if errors.As(err, &pe) && pe.AI != "" {
			fmt.Fprintf(stderr, "rxledger barcode parse: invalid barcode: AI (%s), position %d (0-based byte offset): %s\n", pe.AI, pe.Pos, pe.Msg)
		} else if errors.As(err, &pe) {
			fmt.Fprintf(stderr, "rxledger barcode parse: invalid barcode: position %d (0-based byte offset): %s\n", pe.Pos, pe.Msg)
		} else {
			fmt.Fprintf(stderr, "rxledger barcode parse: invalid barcode: %v\n", err)
		}
		return 1
	}
	var prefixes []string
	if *gcpList != "" {
		prefixes = strings.Split(*gcpList, ",")
	}
	res := describeBarcode(bc, *gcpLen, prefixes)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintf(stderr, "rxledger barcode parse: write: %v\n", err)
		return 1
	}
	return 0
}

// describeBarcode builds the JSON view of a parsed barcode. The EPC URN uses
// the company prefix length of the prefix in prefixes that the key starts
// with, or gcpLen when prefixes is empty.
func describeBarcode(bc *gs1.Barcode, gcpLen int, prefixes []string) barcodeResult {
	res := barcodeResult{Symbology: string(bc.Symbology), Text: bc.Text, Elements: []barcodeElement{}}
	for _, e := range bc.Elements {
		res.Elements = append(res.Elements, barcodeElement{AI: e.AI, Title: e.Title(), Value: e.Value})
	}
	if len(bc.Elements) == 0 {
		return res
	}
	if dl, err := gs1.GenerateDigitalLink(bc.Elements, ""); err == nil {
		res.DigitalLink = dl
	} else {
		res.DigitalLinkError = err.Error()
	}
	if len(prefixes) > 0 && res.DigitalLink != "" {
		n, err := gs1.CompanyPrefixLength(res.DigitalLink, prefixes)
		if err != nil {
			res.EPCError = err.Error()
			n = 0 // no EPC URN: the length is unknown
		}
		gcpLen = n
	}
	if pi, ok := bc.PI(); ok {
		res.PI = &pi
		if ndc, err := gs1.NDCFromGTIN(pi.GTIN); err == nil {
			res.NDC = ndc.String()
		}
		if pi.Serial != "" {
			if item, err := gs1.NewSGTIN(pi.GTIN, pi.Serial); err == nil {
				if urn, err := item.EPC(gcpLen); err == nil {
					res.EPC, res.CompanyPrefixLength = urn, gcpLen
				}
			}
		}
	}
	if sscc, ok := bc.Get("00"); ok && res.EPC == "" {
		if s, err := gs1.ParseSSCC(sscc); err == nil {
			if urn, err := gs1.DigitalLinkToEPC(s.DigitalLink(), gcpLen); err == nil {
				res.EPC, res.CompanyPrefixLength = urn, gcpLen
			}
		}
	}
	return res
}

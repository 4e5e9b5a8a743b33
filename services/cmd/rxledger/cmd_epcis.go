package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"rxledger/epcis"
	"rxledger/epcis/gs1"
)

// runEpcis is `rxledger epcis`: developer and operator tools for EPCIS
// documents. Every FILE may be "-" for standard input; the format (JSON-LD or
// XML, 2.0 or 1.2) is detected from the first non-space byte and, for XML, the
// namespace.
//
//	rxledger epcis hash FILE...        one event hash ID per event: just the ID
//	                                   when one file is given, else
//	                                   FILE<TAB>INDEX<TAB>ID (like grep)
//	rxledger epcis convert --to json|xml|xml12 [--ids dl|urn|keep]
//	                       [--company-prefix-length N] FILE
//	rxledger epcis validate FILE       one line per problem, exit 1 if any, else
//	                                   "valid: N events". XML decode errors:
//	                                   FILE:line L:C: event N: /element/path: ...;
//	                                   validation problems: FILE[:L:C]: event N:
//	                                   field.path: ... (L:C, for XML, is where
//	                                   the event starts)
//	rxledger epcis t3 FILE             the DSCSA transaction information as JSON
func runEpcis(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		epcisUsage(stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		epcisUsage(stdout)
		return 0
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "hash":
		return epcisHash(rest, stdin, stdout, stderr)
	case "convert":
		return epcisConvert(rest, stdin, stdout, stderr)
	case "validate":
		return epcisValidate(rest, stdin, stdout, stderr)
	case "t3":
		return epcisT3(rest, stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "rxledger epcis: unknown subcommand %q\n\n", sub)
	epcisUsage(stderr)
	return 2
}

func epcisUsage(w io.Writer) {
	fmt.Fprint(w, `usage: rxledger epcis <subcommand> [flags] FILE...   (FILE "-" is standard input)

subcommands:
  hash FILE...       print each event's GS1 event hash ID (one file: the ID per line;
                     several files: FILE<TAB>INDEX<TAB>ID)
  convert --to json|xml|xml12 [--ids dl|urn|keep] [--company-prefix-length N] FILE
                     write the document in another syntax to standard output
  validate FILE      print each problem with its location (line:column in XML, event
                     index and field path); exit 1 if there is any
  t3 FILE            print the DSCSA transaction information and statement as JSON
`)
}

// readEpcisFile reads a whole input ("-" is stdin), refusing more than the
// decoders' default document limit.
func readEpcisFile(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, epcis.DefaultMaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > epcis.DefaultMaxDocumentBytes {
		return nil, fmt.Errorf("read %s: %w: larger than %d bytes", name, epcis.ErrTooLarge, epcis.DefaultMaxDocumentBytes)
	}
	return b, nil
}

// decodeEpcis decodes JSON-LD or XML, chosen by the first non-space byte.
func decodeEpcis(b []byte) (*epcis.Document, error) {
	d, _, err := decodeEpcisWithPositions(b)
	return d, err
}

// decodeEpcisWithPositions is decodeEpcis that, for XML, also returns where
// each event starts.
func decodeEpcisWithPositions(b []byte) (*epcis.Document, []epcis.XMLPosition, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) == 0 {
		return nil, nil, errors.New("empty input")
	}
	switch trimmed[0] {
	case '{':
		d, err := epcis.DecodeJSON(bytes.NewReader(b))
		return d, nil, err
	case '<':
		return (&epcis.XMLDecoder{}).DecodeWithPositions(bytes.NewReader(b))
	}
	return nil, nil, fmt.Errorf("cannot tell the format: input starts with %q, want '{' (JSON-LD) or '<' (XML)", trimmed[0])
}

// decodeAndValidateEpcis decodes and validates one input, reporting every
// problem: for JSON-LD those found while decoding (a bad timestamp, action
// ...) and by validation together, as POST /epcis/capture does, where
// decoding alone stops at the first.
func decodeAndValidateEpcis(b []byte) (*epcis.Document, []epcis.XMLPosition, error) {
	if trimmed := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		d, err := epcis.JSONDecoder{}.DecodeAndValidateBytes(b)
		return d, nil, err
	}
	d, positions, err := decodeEpcisWithPositions(b)
	if err == nil {
		err = d.Validate()
	}
	return d, positions, err
}

// loadEpcis reads and decodes one input, printing the problem on failure.
func loadEpcis(name string, stdin io.Reader, stderr io.Writer) (*epcis.Document, bool) {
	b, err := readEpcisFile(name, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "rxledger epcis: %v\n", err)
		return nil, false
	}
	d, err := decodeEpcis(b)
	if err != nil {
		fmt.Fprintf(stderr, "%s\n", describeProblem(name, err))
		return nil, false
	}
	return d, true
}

// describeProblem formats a decode or validation problem as
// FILE:line L:C: ... for XML decode errors, FILE: event N: path: ... otherwise.
func describeProblem(name string, err error) string {
	var xe *epcis.XMLError
	if errors.As(err, &xe) {
		return fmt.Sprintf("%s:%v", name, xe)
	}
	return fmt.Sprintf("%s: %v", name, err)
}

func epcisHash(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: rxledger epcis hash FILE...")
		return 2
	}
	code := 0
	for _, name := range args {
		d, ok := loadEpcis(name, stdin, stderr)
		if !ok {
			code = 1
			continue
		}
		for i := range d.Events {
			id, err := epcis.HashID(&d.Events[i])
			if err != nil {
				fmt.Fprintf(stderr, "%s: event %d: %v\n", name, i, err)
				code = 1
				continue
			}
			if len(args) == 1 {
				fmt.Fprintln(stdout, id)
			} else {
				fmt.Fprintf(stdout, "%s\t%d\t%s\n", name, i, id)
			}
		}
	}
	return code
}

func epcisConvert(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rxledger epcis convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "output syntax: json (EPCIS 2.0 JSON-LD), xml (EPCIS 2.0 XML) or xml12 (EPCIS 1.2 XML)")
	ids := fs.String("ids", "keep", "identifiers: dl (GS1 Digital Link), urn (EPC URN; needs --company-prefix-length) or keep")
	cpl := fs.Int("company-prefix-length", 0, "GS1 Company Prefix length (6-12) for --ids urn")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: rxledger epcis convert --to json|xml|xml12 [--ids dl|urn|keep] [--company-prefix-length N] FILE")
		return 2
	}
	encode, ok := epcisEncoders[*to]
	if !ok {
		fmt.Fprintf(stderr, "rxledger epcis convert: --to %q: want json, xml or xml12\n", *to)
		return 2
	}
	var conv func(string) (string, error)
	switch *ids {
	case "keep":
	case "dl":
		conv = gs1.EPCToDigitalLink
	case "urn":
		if *cpl < 6 || *cpl > 12 {
			fmt.Fprintln(stderr, "rxledger epcis convert: --ids urn needs --company-prefix-length between 6 and 12")
			return 2
		}
		n := *cpl
		conv = func(s string) (string, error) { return gs1.DigitalLinkToEPC(s, n) }
	default:
		fmt.Fprintf(stderr, "rxledger epcis convert: --ids %q: want dl, urn or keep\n", *ids)
		return 2
	}
	d, ok := loadEpcis(fs.Arg(0), stdin, stderr)
	if !ok {
		return 1
	}
	if conv != nil {
		if kept := epcis.ConvertIdentifiers(d, *ids == "urn", conv); kept > 0 {
			fmt.Fprintf(stderr, "rxledger epcis convert: %d identifiers could not be converted and are kept as written\n", kept)
		}
	}
	if err := encode(stdout, d); err != nil {
		fmt.Fprintf(stderr, "rxledger epcis convert: %v\n", err)
		return 1
	}
	return 0
}

// epcisEncoders are the output syntaxes of convert.
var epcisEncoders = map[string]func(io.Writer, *epcis.Document) error{
	"json":  epcis.EncodeJSON,
	"xml":   epcis.EncodeXML,
	"xml12": epcis.EncodeXML12,
}

func epcisValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: rxledger epcis validate FILE")
		return 2
	}
	name := args[0]
	b, err := readEpcisFile(name, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "rxledger epcis: %v\n", err)
		return 1
	}
	d, positions, err := decodeAndValidateEpcis(b)
	if err != nil {
		var list epcis.ErrorList
		if !errors.As(err, &list) {
			fmt.Fprintln(stdout, describeProblem(name, err))
			return 1
		}
		for _, e := range list {
			// In XML, say on which line the event is.
			if e.Event >= 0 && e.Event < len(positions) {
				p := positions[e.Event]
				fmt.Fprintf(stdout, "%s:%d:%d: %v\n", name, p.Line, p.Column, e)
				continue
			}
			fmt.Fprintln(stdout, describeProblem(name, e))
		}
		return 1
	}
	fmt.Fprintf(stdout, "valid: %d events\n", len(d.Events))
	return 0
}

func epcisT3(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: rxledger epcis t3 FILE")
		return 2
	}
	d, ok := loadEpcis(args[0], stdin, stderr)
	if !ok {
		return 1
	}
	t3, err := epcis.ExtractT3(d)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", args[0], err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t3); err != nil {
		fmt.Fprintf(stderr, "rxledger epcis t3: %v\n", err)
		return 1
	}
	return 0
}

// Command aigen generates the Application Identifier table of package gs1
// (ai_table_gen.go) from the GS1 Barcode Syntax Dictionary, and the ISO code
// lists the dictionary's iso3166/iso4217 linters need from the Debian
// iso-codes JSON files.
//
// Usage (see the go:generate line in ../../ai.go):
//
//	go run ./internal/aigen -dict gs1-syntax-dictionary.txt -iso /usr/share/iso-codes/json -out ai_table_gen.go
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	dict := flag.String("dict", "", "path of gs1-syntax-dictionary.txt")
	iso := flag.String("iso", "/usr/share/iso-codes/json", "directory of the iso-codes JSON files")
	out := flag.String("out", "ai_table_gen.go", "output Go file")
	flag.Parse()
	if err := run(*dict, *iso, *out); err != nil {
		log.Fatalf("aigen: %v", err)
	}
}

func run(dictPath, isoDir, out string) error {
	f, err := os.Open(dictPath)
	if err != nil {
		return err
	}
	defer f.Close()
	entries, release, err := parseDictionary(bufio.NewScanner(f))
	if err != nil {
		return fmt.Errorf("parse %s: %w", dictPath, err)
	}
	countries, alpha2, err := loadISO3166(filepath.Join(isoDir, "iso_3166-1.json"))
	if err != nil {
		return err
	}
	currencies, err := loadISO4217(filepath.Join(isoDir, "iso_4217.json"))
	if err != nil {
		return err
	}
	src, err := render(entries, release, countries, alpha2, currencies)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// component is one part of an AI's data field.
type component struct {
	typ      byte
	min, max int
	optional bool
	linters  []string
}

// entry is one AI of the dictionary (ranges expanded).
type entry struct {
	ai          string
	title       string
	predefined  bool
	dlAttr      bool
	components  []component
	req         [][][]string // AND of OR of AND-groups
	ex          []string
	dlpkey      bool
	dlQualifier [][]string
}

// skippedLinters are dictionary linters the generated table leaves out, each
// with the reason; the rest must be implemented in package gs1.
var skippedLinters = map[string]string{
	"gcppos1":     "needs the GS1 Company Prefix length table, which is not shipped",
	"gcppos2":     "needs the GS1 Company Prefix length table, which is not shipped",
	"packagetype": "needs the UN/ECE Recommendation 21 package type list, which is not shipped",
}

func parseDictionary(sc *bufio.Scanner) ([]entry, string, error) {
	var entries []entry
	release := ""
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(text, "# Release:") {
			release = strings.TrimSpace(strings.TrimPrefix(text, "# Release:"))
		}
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		body, title, _ := strings.Cut(text, "#")
		fields := strings.Fields(body)
		if len(fields) < 2 {
			return nil, "", fmt.Errorf("line %d: too few fields", line)
		}
		e := entry{title: strings.TrimSpace(title)}
		rest := fields[1:]
		if flags := rest[0]; strings.Trim(flags, "*?") == "" {
			e.predefined = strings.Contains(flags, "*")
			e.dlAttr = strings.Contains(flags, "?")
			rest = rest[1:]
		}
		for _, tok := range rest {
			switch {
			case tok == "dlpkey":
				e.dlpkey = true
			case strings.HasPrefix(tok, "dlpkey="):
				e.dlpkey = true
				for _, seq := range strings.Split(tok[len("dlpkey="):], "|") {
					e.dlQualifier = append(e.dlQualifier, strings.Split(seq, ","))
				}
			case strings.HasPrefix(tok, "req="):
				var alts [][]string
				for _, alt := range strings.Split(tok[len("req="):], ",") {
					alts = append(alts, strings.Split(alt, "+"))
				}
				e.req = append(e.req, alts)
			case strings.HasPrefix(tok, "ex="):
				e.ex = append(e.ex, strings.Split(tok[len("ex="):], ",")...)
			case strings.Contains(tok, "="):
				return nil, "", fmt.Errorf("line %d: unknown attribute %q", line, tok)
			default:
				c, err := parseComponent(tok)
				if err != nil {
					return nil, "", fmt.Errorf("line %d: %w", line, err)
				}
				e.components = append(e.components, c)
			}
		}
		lo, hi, err := aiRange(fields[0])
		if err != nil {
			return nil, "", fmt.Errorf("line %d: %w", line, err)
		}
		width := len(strings.SplitN(fields[0], "-", 2)[0])
		for n := lo; n <= hi; n++ {
			x := e
			x.ai = fmt.Sprintf("%0*d", width, n)
			entries = append(entries, x)
		}
	}
	return entries, release, sc.Err()
}

func aiRange(s string) (int, int, error) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, fmt.Errorf("bad AI %q", s)
	}
	if !isRange {
		return lo, lo, nil
	}
	hi, err := strconv.Atoi(b)
	if err != nil || hi < lo {
		return 0, 0, fmt.Errorf("bad AI range %q", s)
	}
	return lo, hi, nil
}

func parseComponent(tok string) (component, error) {
	var c component
	if strings.HasPrefix(tok, "[") {
		c.optional = true
		tok = strings.Replace(tok[1:], "]", "", 1)
	}
	parts := strings.Split(tok, ",")
	spec := parts[0]
	if spec == "" || !strings.ContainsRune("NXYZ", rune(spec[0])) {
		return c, fmt.Errorf("bad component %q", tok)
	}
	c.typ = spec[0]
	length := spec[1:]
	if strings.HasPrefix(length, "..") {
		n, err := strconv.Atoi(length[2:])
		if err != nil {
			return c, fmt.Errorf("bad length in %q", tok)
		}
		c.min, c.max = 1, n
	} else {
		n, err := strconv.Atoi(length)
		if err != nil {
			return c, fmt.Errorf("bad length in %q", tok)
		}
		c.min, c.max = n, n
	}
	for _, l := range parts[1:] {
		if _, skip := skippedLinters[l]; !skip {
			c.linters = append(c.linters, l)
		}
	}
	return c, nil
}

func loadISO3166(path string) (numeric, alpha2 []string, err error) {
	var doc struct {
		Entries []struct {
			Alpha2  string `json:"alpha_2"`
			Numeric string `json:"numeric"`
		} `json:"3166-1"`
	}
	if err := readJSON(path, &doc); err != nil {
		return nil, nil, err
	}
	for _, e := range doc.Entries {
		numeric = append(numeric, e.Numeric)
		alpha2 = append(alpha2, e.Alpha2)
	}
	slices.Sort(numeric)
	slices.Sort(alpha2)
	return numeric, alpha2, nil
}

// iso4217Amendments brings the iso-codes 4.15 currency list up to the ISO
// 4217 amendments the GS1 Syntax Dictionary release follows: codes added
// (true) or withdrawn (false) since.
var iso4217Amendments = map[string]bool{
	"396": true,  // XAD Arab Accounting Dinar (amendment 179, 2025)
	"924": true,  // ZWG Zimbabwe Gold (amendment 177, 2024)
	"191": false, // HRK Croatian kuna, withdrawn 2023
	"694": false, // SLL Sierra Leonean leone, withdrawn 2024
	"931": false, // CUC Cuban convertible peso, withdrawn
	"932": false, // ZWL Zimbabwe dollar, withdrawn 2024
}

func loadISO4217(path string) ([]string, error) {
	var doc struct {
		Entries []struct {
			Numeric string `json:"numeric"`
		} `json:"4217"`
	}
	if err := readJSON(path, &doc); err != nil {
		return nil, err
	}
	var codes []string
	for _, e := range doc.Entries {
		if keep, ok := iso4217Amendments[e.Numeric]; ok && !keep {
			continue
		}
		codes = append(codes, e.Numeric)
	}
	for code, add := range iso4217Amendments {
		if add && !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	return codes, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// linterIdent is the Go identifier of the function implementing a linter.
func linterIdent(name string) string {
	return "lint" + strings.ToUpper(name[:1]) + name[1:]
}

func render(entries []entry, release string, countries, alpha2, currencies []string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `// Code generated by internal/aigen from the GS1 Barcode Syntax Dictionary; DO NOT EDIT.

// This file is derived from the GS1 Barcode Syntax Dictionary, release %s
// (https://github.com/gs1/gs1-syntax-dictionary, gs1-syntax-dictionary.txt),
// Copyright (c) 2020-2021 BWIPP project, Copyright (c) 2020-2021 Zint Project,
// Copyright (c) 2021-2025 GS1 AISBL, licensed under the Apache License,
// Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0). Changes: the
// entries were converted to Go data by internal/aigen; AI ranges are expanded;
// these linters are not applied:
%s
//
// The ISO 3166-1 and ISO 4217 numeric code lists come from the Debian
// iso-codes package (with the ISO 4217 amendments listed in internal/aigen).

package gs1

`, release, skippedList())
	b.WriteString("// aiTable holds every Application Identifier, in ascending order.\nvar aiTable = [...]AIDef{\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\t{AI: %q, Title: %q, Predefined: %t, DLAttribute: %t, DLPrimaryKey: %t,\n", e.ai, e.title, e.predefined, e.dlAttr, e.dlpkey)
		b.WriteString("\t\tComponents: []Component{")
		for _, c := range e.components {
			fmt.Fprintf(&b, "{Type: %q, Min: %d, Max: %d, Optional: %t", c.typ, c.min, c.max, c.optional)
			if len(c.linters) > 0 {
				b.WriteString(", Linters: []Linter{")
				for i, l := range c.linters {
					if i > 0 {
						b.WriteString(", ")
					}
					fmt.Fprintf(&b, "{Name: %q, check: %s}", l, linterIdent(l))
				}
				b.WriteString("}")
			}
			b.WriteString("}, ")
		}
		b.WriteString("},\n")
		if len(e.req) > 0 {
			b.WriteString("\t\tRequires: [][][]string{")
			for _, alts := range e.req {
				b.WriteString(goLists(alts) + ", ")
			}
			b.WriteString("},\n")
		}
		if len(e.ex) > 0 {
			fmt.Fprintf(&b, "\t\tExcludes: %#v,\n", e.ex)
		}
		if len(e.dlQualifier) > 0 {
			fmt.Fprintf(&b, "\t\tDLQualifiers: [][]string%s,\n", goLists(e.dlQualifier))
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n\n")
	writeSet(&b, "iso3166Numeric", "ISO 3166-1 numeric country codes", countries)
	writeSet(&b, "iso3166Alpha2", "ISO 3166-1 alpha-2 country codes", alpha2)
	writeSet(&b, "iso4217Numeric", "ISO 4217 numeric currency codes", currencies)
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format generated code: %w\n%s", err, b.Bytes())
	}
	return src, nil
}

func skippedList() string {
	names := make([]string, 0, len(skippedLinters))
	for n := range skippedLinters {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "//   - " + n + ": " + skippedLinters[n]
	}
	return strings.Join(parts, "\n")
}

func writeSet(b *bytes.Buffer, name, doc string, codes []string) {
	fmt.Fprintf(b, "// %s holds the %s, sorted.\nvar %s = []string{", name, doc, name)
	for i, c := range codes {
		if i%12 == 0 {
			b.WriteString("\n\t")
		}
		fmt.Fprintf(b, "%q, ", c)
	}
	b.WriteString("\n}\n\n")
}

// goLists formats lists of strings as an untyped composite literal body:
// {{"a", "b"}, {"c"}}.
func goLists(lists [][]string) string {
	parts := make([]string, len(lists))
	for i, l := range lists {
		q := make([]string, len(l))
		for j, s := range l {
			q[j] = strconv.Quote(s)
		}
		parts[i] = "{" + strings.Join(q, ", ") + "}"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

package gs1

import (
	"strings"
)

// DigitalLinkOptions relaxes Digital Link parsing.
type DigitalLinkOptions struct {
	// PermitZeroSuppressedGTIN accepts a GTIN-8, -12 or -13 as the (01) key
	// and pads it to 14 digits.
	PermitZeroSuppressedGTIN bool
	// PermitUnknownAIs accepts numeric query parameters that are not known
	// AIs (2 to 4 digits) as elements without validating them.
	PermitUnknownAIs bool
}

// convenienceAlphas maps the short names GS1 Digital Link 1.x allowed in
// place of numeric AIs in the path to those AIs.
var convenienceAlphas = map[string]string{
	"sscc": "00", "gtin": "01", "lot": "10", "ser": "21", "cpv": "22", "tpx": "235",
	"gdti": "253", "glnx": "254", "gcn": "255", "ginc": "401", "gsin": "402",
	"gln": "414", "payTo": "415", "party": "417", "grai": "8003", "giai": "8004",
	"itip": "8006", "cpid": "8010", "cpsn": "8011", "gmn": "8013", "gsrnp": "8017",
	"gsrn": "8018", "srin": "8019", "refno": "8020",
}

// authorityChars are the characters accepted in a Digital Link's host and
// port (names, IPv4, bracketed IPv6).
var authorityChars = newCharSet(digitChars + upperChars + lowerChars + "-.:[]")

// pathChars are the characters RFC 3986 allows in a path ("/" included).
var pathChars = newCharSet(digitChars + upperChars + lowerChars + "-._~!$&'()*+,;=:@%/")

// isDLScheme reports whether s starts with http:// or https:// written all
// in lower or all in upper case (mixed case is not a Digital Link).
func isDLScheme(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") ||
		strings.HasPrefix(s, "HTTPS://") || strings.HasPrefix(s, "HTTP://")
}

// ParseDigitalLink extracts the AIs of a GS1 Digital Link URI. A path whose
// last segment is compressed AI data (a fully or partially compressed URI) is
// decompressed; otherwise the AIs are read as follows:
// the primary key and key qualifiers from the path (numeric AIs or the DL
// 1.x convenience names such as "gtin"), then the AI data attributes of the
// query string in order; other query parameters and the fragment are
// ignored. A GTIN-8, -12 or -13 given as the (01) query attribute is padded to
// 14 digits (as the GS1 Syntax Engine does); in the path only with
// PermitZeroSuppressedGTIN. Values are percent-decoded ("+" is a space in the query only) and
// validated against the dictionary; an AI may not appear twice. Errors are
// *ParseError with a 0-based byte offset into uri.
func ParseDigitalLink(uri string, opts DigitalLinkOptions) ([]Element, error) {
	if len(uri) > MaxInputLen {
		return nil, inputTooLong()
	}
	return parseDigitalLink(uri, 0, opts)
}

// dlSegment is a path segment and its offset in the input.
type dlSegment struct {
	text string
	pos  int
}

func parseDigitalLink(uri string, base int, opts DigitalLinkOptions) ([]Element, error) {
	fail := func(pos int, code, msg string) error {
		return &ParseError{Pos: base + pos, Code: code, Msg: msg}
	}
	if !isDLScheme(uri) {
		return nil, fail(0, "bad_scheme", "a Digital Link starts with http:// or https://")
	}
	hostStart := strings.Index(uri, "://") + 3
	hostEnd := hostStart
	for hostEnd < len(uri) && uri[hostEnd] != '/' && uri[hostEnd] != '?' && uri[hostEnd] != '#' {
		if !authorityChars[uri[hostEnd]] {
			return nil, fail(hostEnd, "bad_domain_character", "invalid character in the domain")
		}
		hostEnd++
	}
	if hostEnd == hostStart {
		return nil, fail(hostStart, "no_domain", "no domain")
	}
	if hostEnd == len(uri) || uri[hostEnd] != '/' {
		return nil, fail(hostEnd, "no_path", "no path")
	}
	pathEnd := hostEnd
	for pathEnd < len(uri) && uri[pathEnd] != '?' && uri[pathEnd] != '#' {
		if !pathChars[uri[pathEnd]] {
			return nil, fail(pathEnd, "bad_path_character", "invalid character in the path")
		}
		pathEnd++
	}
	if uri[pathEnd-1] == '/' {
		return nil, fail(pathEnd-1, "trailing_slash", "the path must not end with /")
	}
	queryStart, queryEnd := -1, pathEnd
	if pathEnd < len(uri) && uri[pathEnd] == '?' {
		queryStart = pathEnd + 1
		queryEnd = queryStart
		for queryEnd < len(uri) && uri[queryEnd] != '#' {
			queryEnd++
		}
	}

	segs := make([]dlSegment, 0, 8)
	for p := hostEnd + 1; p <= pathEnd; {
		end := strings.IndexByte(uri[p:pathEnd], '/')
		if end < 0 {
			end = pathEnd - p
		}
		segs = append(segs, dlSegment{text: uri[p : p+end], pos: p})
		p += end + 1
	}

	elems, seqs, err := parseDLPath(segs, hostEnd, base, opts)
	if err != nil {
		// A path without AI/value pairs may end in a compressed segment.
		compressed, ok := parseCompressedDLPath(segs, base, opts)
		if !ok {
			return nil, err
		}
		elems = compressed
		key, _ := LookupAI(elems[0].AI)
		seqs = key.DLQualifiers
	}

	if queryStart >= 0 {
		var err error
		if elems, err = parseDLQuery(uri, queryStart, queryEnd, base, opts, seqs, elems); err != nil {
			return nil, err
		}
	}
	for i := range elems {
		for j := i + 1; j < len(elems); j++ {
			if elems[i].AI == elems[j].AI {
				return nil, &ParseError{AI: elems[j].AI, Pos: base + queryStart, Code: "duplicate_ai", Msg: "AI appears more than once"}
			}
		}
	}
	return elems, nil
}

// parseDLPath reads the primary key and key qualifiers from the path
// segments, walking AI/value pairs back from the end of the path to the
// primary key; it also returns the qualifier sequences they are consistent
// with.
func parseDLPath(segs []dlSegment, hostEnd, base int, opts DigitalLinkOptions) ([]Element, [][]string, error) {
	fail := func(pos int, code, msg string) error {
		return &ParseError{Pos: base + pos, Code: code, Msg: msg}
	}
	keyAt := -1
	for j := len(segs) - 2; j >= 0; j -= 2 {
		ai := PathAI(segs[j].text)
		def, ok := LookupAI(ai)
		if !ok {
			return nil, nil, fail(segs[j].pos, "not_a_key", "no GS1 primary key in the path")
		}
		if def.DLPrimaryKey {
			keyAt = j
			break
		}
	}
	if keyAt < 0 {
		return nil, nil, fail(hostEnd, "no_primary_key", "no GS1 primary key in the path")
	}
	elems := make([]Element, 0, (len(segs)-keyAt)/2+4)
	for j := keyAt; j < len(segs); j += 2 {
		ai := PathAI(segs[j].text)
		raw := segs[j+1]
		value := UnescapeDLPath(raw.text)
		if ai == "01" && opts.PermitZeroSuppressedGTIN {
			value = padGTIN(value)
		}
		el, err := checkDLValue(ai, value, raw, base)
		if err != nil {
			return nil, nil, err
		}
		elems = append(elems, el)
	}
	key, _ := LookupAI(elems[0].AI)
	seqs := consistentQualifierSeqs(key, elems[1:])
	if seqs == nil && len(elems) > 1 {
		return nil, nil, &ParseError{AI: elems[1].AI, Pos: base + segs[keyAt+2].pos, Code: "bad_key_qualifier",
			Msg: "not a key qualifier of (" + key.AI + ") in this order"}
	}
	return elems, seqs, nil
}

// parseCompressedDLPath reads a compressed Digital Link path: the last
// segment holds compressed AI data, optionally after an uncompressed primary
// key and value ("partially compressed"). It reports false when the path is
// not one or does not decode to valid AIs with a primary key.
func parseCompressedDLPath(segs []dlSegment, base int, opts DigitalLinkOptions) ([]Element, bool) {
	tail := segs[len(segs)-1]
	if len(tail.text) < 2 || firstOutside(tail.text, base64url) >= 0 {
		return nil, false
	}
	var elems []Element
	if n := len(segs); n >= 3 {
		if d, ok := LookupAI(PathAI(segs[n-3].text)); ok && d.DLPrimaryKey {
			value := UnescapeDLPath(segs[n-2].text)
			if d.AI == "01" && opts.PermitZeroSuppressedGTIN {
				value = padGTIN(value)
			}
			elems = append(elems, Element{AI: d.AI, Value: value})
		}
	}
	packed, err := decompressDigitalLink(tail.text)
	if err != nil {
		return nil, false
	}
	elems = append(elems, packed...)
	// Put the primary key first, its qualifiers next in their order, then
	// the rest as found.
	keyIdx := -1
	for i, e := range elems {
		if d, ok := LookupAI(e.AI); ok && d.DLPrimaryKey {
			keyIdx = i
			break
		}
	}
	if keyIdx < 0 {
		return nil, false
	}
	key, _ := LookupAI(elems[keyIdx].AI)
	ordered := []Element{elems[keyIdx]}
	used := make([]bool, len(elems))
	used[keyIdx] = true
	if seq := chooseQualifierSeq(key, elems); seq != nil {
		for _, q := range seq {
			for i, e := range elems {
				if !used[i] && e.AI == q {
					ordered, used[i] = append(ordered, e), true
					break
				}
			}
		}
	}
	for i, e := range elems {
		if !used[i] {
			ordered = append(ordered, e)
		}
	}
	for _, e := range ordered {
		if _, err := checkDLValue(e.AI, e.Value, dlSegment{text: tail.text, pos: tail.pos}, base); err != nil {
			return nil, false
		}
	}
	return ordered, true
}

// parseDLQuery appends the AI data attributes of the query uri[start:end].
func parseDLQuery(uri string, start, end, base int, opts DigitalLinkOptions, seqs [][]string, elems []Element) ([]Element, error) {
	for p := start; p < end; {
		n := strings.IndexByte(uri[p:end], '&')
		if n < 0 {
			n = end - p
		}
		if len(elems) >= MaxElements {
			return nil, tooManyElements(base + p)
		}
		param := uri[p : p+n]
		pos := p
		p += n + 1
		k, v, hasValue := strings.Cut(param, "=")
		valuePos := pos + len(k)
		if hasValue {
			valuePos++
		}
		if !isDigits(k) {
			continue // not an AI: other query parameters are allowed
		}
		def, known := LookupAI(k)
		value := UnescapeDLQuery(v)
		switch {
		case !known && opts.PermitUnknownAIs && len(k) >= 2 && len(k) <= 4:
			if value == "" {
				return nil, &ParseError{AI: k, Pos: base + valuePos, Code: "empty_value", Msg: "no data"}
			}
			elems = append(elems, Element{AI: k, Value: value})
			continue
		case !known:
			return nil, &ParseError{AI: k, Pos: base + pos, Code: "unknown_ai", Msg: "unknown AI in the query"}
		case !def.DLAttribute:
			return nil, &ParseError{AI: k, Pos: base + pos, Code: "not_a_data_attribute", Msg: "AI is not a Digital Link data attribute"}
		case inSeqs(seqs, k):
			return nil, &ParseError{AI: k, Pos: base + pos, Code: "qualifier_in_query", Msg: "a key qualifier belongs in the path"}
		}
		if k == "01" {
			value = padGTIN(value) // upstream accepts a zero-suppressed GTIN here regardless of options
		}
		el, err := checkDLValue(k, value, dlSegment{text: v, pos: valuePos}, base)
		if err != nil {
			return nil, err
		}
		elems = append(elems, el)
	}
	return elems, nil
}

// padGTIN pads a GTIN-8, -12 or -13 with zeros to 14 digits; other values
// are returned unchanged.
func padGTIN(v string) string {
	if n := len(v); (n == 8 || n == 12 || n == 13) && isDigits(v) {
		return strings.Repeat("0", 14-n) + v
	}
	return v
}

// PathAI returns the numeric AI a path segment names (a convenience alpha is
// translated); other text is returned as it is.
func PathAI(seg string) string {
	if ai, ok := convenienceAlphas[seg]; ok {
		return ai
	}
	return seg
}

// checkDLValue validates a decoded Digital Link value; raw is its text and
// offset in the URI for error positions.
func checkDLValue(ai, value string, raw dlSegment, base int) (Element, error) {
	def, ok := LookupAI(ai)
	if !ok {
		return Element{}, &ParseError{AI: ai, Pos: base + raw.pos, Code: "unknown_ai", Msg: "unknown AI"}
	}
	if value == "" {
		return Element{}, &ParseError{AI: ai, Pos: base + raw.pos, Code: "empty_value", Msg: "no data"}
	}
	if ve := def.validate(value); ve != nil {
		pos := raw.pos
		if value == raw.text {
			pos += ve.Pos
		}
		return Element{}, &ParseError{AI: ai, Pos: base + pos, Code: ve.Code, Msg: ve.Msg, Err: ve}
	}
	return Element{AI: ai, Value: value}, nil
}

// consistentQualifierSeqs returns the key's qualifier sequences that hold
// all the given qualifiers in order (all of them when there are none), or
// nil if none does.
func consistentQualifierSeqs(key *AIDef, quals []Element) [][]string {
	var out [][]string
	for _, seq := range key.DLQualifiers {
		k, ok := 0, true
		for _, q := range quals {
			for k < len(seq) && seq[k] != q.AI {
				k++
			}
			if k == len(seq) {
				ok = false
				break
			}
			k++
		}
		if ok {
			out = append(out, seq)
		}
	}
	return out
}

// inSeqs reports whether ai is in any of the sequences.
func inSeqs(seqs [][]string, ai string) bool {
	for _, s := range seqs {
		for _, a := range s {
			if a == ai {
				return true
			}
		}
	}
	return false
}

// GenerateDigitalLink builds the canonical GS1 Digital Link URI for
// elements: stem (default https://id.gs1.org; a trailing "/" is dropped),
// then the first primary key found and its key qualifiers in the standard's
// order, then the remaining AIs as query parameters, those of a predefined
// length first, each group in input order. Identical repeated elements are
// written once. It fails when there is no primary key, when a remaining AI
// is not a Digital Link data attribute (this includes qualifiers of the key
// that do not fit the chosen qualifier sequence), or when an AI repeats with
// different values.
func GenerateDigitalLink(elems []Element, stem string) (string, error) {
	if stem == "" {
		stem = CanonicalDLHost
	}
	stem = strings.TrimSuffix(stem, "/")
	keyIdx := -1
	var key *AIDef
	for i, e := range elems {
		if d, ok := LookupAI(e.AI); ok && d.DLPrimaryKey {
			keyIdx, key = i, d
			break
		}
	}
	if keyIdx < 0 {
		return "", &ParseError{Code: "no_primary_key", Msg: "no GS1 Digital Link primary key among the AIs"}
	}
	used := make([]bool, len(elems))
	used[keyIdx] = true
	for i, e := range elems {
		for j := 0; j < i; j++ {
			if elems[j].AI == e.AI {
				if elems[j].Value != e.Value {
					return "", &ParseError{AI: e.AI, Code: "conflicting_repeat", Msg: "AI repeated with a different value"}
				}
				used[i] = true
			}
		}
	}
	var b strings.Builder
	b.WriteString(stem)
	writePath := func(e Element) {
		b.WriteByte('/')
		b.WriteString(e.AI)
		b.WriteByte('/')
		b.WriteString(EscapeDLPath(e.Value))
	}
	writePath(elems[keyIdx])
	if seq := chooseQualifierSeq(key, elems); seq != nil {
		for _, q := range seq {
			for i, e := range elems {
				if !used[i] && e.AI == q {
					writePath(e)
					used[i] = true
					break
				}
			}
		}
	}
	first := true
	for _, predefinedPass := range []bool{true, false} {
		for i, e := range elems {
			if used[i] {
				continue
			}
			d, known := LookupAI(e.AI)
			if known && d.Predefined != predefinedPass || !known && predefinedPass {
				continue
			}
			if !known || !d.DLAttribute || inSeqs(key.DLQualifiers, e.AI) {
				return "", &ParseError{AI: e.AI, Code: "not_a_data_attribute", Msg: "AI cannot be a Digital Link data attribute here"}
			}
			if first {
				b.WriteByte('?')
				first = false
			} else {
				b.WriteByte('&')
			}
			b.WriteString(e.AI)
			b.WriteByte('=')
			b.WriteString(EscapeDLQuery(e.Value))
			used[i] = true
		}
	}
	return b.String(), nil
}

// chooseQualifierSeq picks the key's qualifier sequence whose first present
// AI comes earliest among elems, or nil if none of their AIs is present.
func chooseQualifierSeq(key *AIDef, elems []Element) []string {
	var best []string
	bestAt := len(elems)
	for _, seq := range key.DLQualifiers {
		for i, e := range elems {
			if i < bestAt && inSeqs([][]string{seq}, e.AI) {
				best, bestAt = seq, i
				break
			}
		}
	}
	return best
}

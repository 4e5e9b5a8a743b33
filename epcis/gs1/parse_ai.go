package gs1

import (
	"strings"
)

// separatorLen returns the length of the FNC1/GS separator at s[i:], or 0.
//
// Accepted separators, besides the GS byte (0x1D) itself, are the stand-ins
// scanners and keyboard wedges are commonly configured to send, none of
// which can occur in AI data except "<GS>" (see below):
//
//	^            the GS1 Syntax Engine's notation for FNC1
//	<GS> {GS} [GS]  (GS in either case)
//	\x1D \x1d    (as literal text)
//	\u001D \u001d
//	0xE8         FNC1 as the Data Matrix codeword 232 read as a Latin-1 byte
//
// "<GS>" (or "<gs>") is always a separator, although "<", "G", "S" and ">" are valid
// data characters: a value containing that text cannot be parsed. "~" and
// "|" are not accepted: the GS1 reference tests treat "~" as an invalid data
// character, and "|" separates a linear symbol from its composite part.
func separatorLen(s string, i int) int {
	switch c := s[i]; c {
	case GS, '^', 0xE8:
		return 1
	case '<', '{', '[':
		if i+4 <= len(s) && s[i+1]|0x20 == 'g' && s[i+2]|0x20 == 's' && s[i+3] == closing(c) {
			return 4
		}
	case '\\':
		rest := s[i:]
		if len(rest) >= 4 && (rest[:4] == `\x1D` || rest[:4] == `\x1d`) {
			return 4
		}
		if len(rest) >= 6 && (rest[:6] == `\u001D` || rest[:6] == `\u001d`) {
			return 6
		}
	}
	return 0
}

// closing returns the bracket that closes open.
func closing(open byte) byte {
	switch open {
	case '<':
		return '>'
	case '{':
		return '}'
	}
	return ']'
}

// nextSeparator returns the offset of the first separator at or after i, or
// len(s).
func nextSeparator(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case GS, '^', 0xE8, '<', '{', '[', '\\':
			if separatorLen(s, i) > 0 {
				return i
			}
		}
	}
	return len(s)
}

// ParseElementString parses an unbracketed GS1 element string as a barcode
// carries it ("0109504000059101" + "21ABC" + GS + "17..."), optionally
// starting with an FNC1 stand-in. Separators are described at separatorLen.
// Each AI's data is validated against the dictionary; association rules are
// not checked (see ValidateAssociations). Errors are *ParseError with a
// 0-based byte offset into s.
func ParseElementString(s string) ([]Element, error) {
	if len(s) > MaxInputLen {
		return nil, inputTooLong()
	}
	return parseElementString(s, 0, nil)
}

// parseElementString parses s, whose first byte is at offset base of the
// caller's input, appending to elems.
func parseElementString(s string, base int, elems []Element) ([]Element, error) {
	i := 0
	if s != "" {
		i = separatorLen(s, 0)
	}
	if i >= len(s) {
		return nil, &ParseError{Pos: base + i, Code: "no_ai_data", Msg: "no AI data"}
	}
	for i < len(s) {
		if len(elems) >= MaxElements {
			return nil, tooManyElements(base + i)
		}
		def, ok := matchAIPrefix(s[i:])
		if !ok {
			return nil, unknownAI(s[i:], base+i, elems)
		}
		start := i + len(def.AI)
		end := len(s)
		if def.Predefined {
			end = min(start+def.MaxLength(), len(s))
			if sep := nextSeparator(s[:end], start); sep < end {
				end = sep
			}
		} else {
			end = nextSeparator(s, start)
		}
		value := s[start:end]
		if value == "" {
			return nil, &ParseError{AI: def.AI, Pos: base + start, Code: "empty_value", Msg: "no data"}
		}
		if ve := def.validate(value); ve != nil {
			return nil, &ParseError{AI: def.AI, Pos: base + start + ve.Pos, Code: ve.Code, Msg: ve.Msg, Err: ve}
		}
		elems = append(elems, Element{AI: def.AI, Value: value})
		i = end
		if i < len(s) {
			i += separatorLen(s, i) // required after variable-length data, tolerated after fixed
		}
	}
	return elems, nil
}

// quoteSnippet quotes the first few bytes of s for an error message.
// unknownAI reports that no known AI starts rest (at offset pos), naming the
// AI whose data came before it: after a fixed-length AI, data that runs on
// is read as the next AI.
func unknownAI(rest string, pos int, elems []Element) error {
	msg := "no known AI " + quoteSnippet(rest)
	if rest[0] == ' ' || rest[0] == '\t' {
		msg = "space where an AI should start " + quoteSnippet(rest) + " (element strings have no spaces)"
	}
	if len(elems) > 0 {
		msg += " after the data of (" + elems[len(elems)-1].AI + ")"
	}
	return &ParseError{Pos: pos, Code: "unknown_ai", Msg: msg}
}

func quoteSnippet(s string) string {
	if len(s) > 8 {
		s = s[:8] + "..."
	}
	return `"` + s + `"`
}

// ParseBracketed parses the human-readable form "(01)09504000059101(21)ABC".
// A literal "(" in data is written "\(". Each AI's data is validated
// against the dictionary; association rules are not checked. Errors are
// *ParseError with a 0-based byte offset into s.
func ParseBracketed(s string) ([]Element, error) {
	if len(s) > MaxInputLen {
		return nil, inputTooLong()
	}
	return parseBracketed(s, 0, false)
}

// parseBracketed parses bracketed text whose first byte is at offset base of
// the caller's input. With permitUnknown, AIs missing from the dictionary
// are accepted with any character set 82 data.
func parseBracketed(s string, base int, permitUnknown bool) ([]Element, error) {
	if s == "" {
		return nil, &ParseError{Pos: base, Code: "no_ai_data", Msg: "no AI data"}
	}
	elems := make([]Element, 0, 4)
	i := 0
	for i < len(s) {
		if len(elems) >= MaxElements {
			return nil, tooManyElements(base + i)
		}
		if s[i] != '(' {
			return nil, &ParseError{Pos: base + i, Code: "expected_ai", Msg: `expected "(" starting an AI`}
		}
		closeAt := strings.IndexByte(s[i+1:], ')')
		if closeAt < 0 {
			return nil, &ParseError{Pos: base + i, Code: "unterminated_ai", Msg: `AI has no closing ")"`}
		}
		ai := s[i+1 : i+1+closeAt]
		if len(ai) < 2 || len(ai) > 4 || !isDigits(ai) {
			return nil, &ParseError{Pos: base + i + 1, Code: "bad_ai", Msg: "AI must be 2 to 4 digits, got " + quoteSnippet(ai)}
		}
		def, ok := LookupAI(ai)
		if !ok && !permitUnknown {
			return nil, &ParseError{AI: ai, Pos: base + i + 1, Code: "unknown_ai", Msg: "unknown AI"}
		}
		if !ok {
			def = &AIDef{AI: ai, Components: []Component{{Type: 'X', Min: 1, Max: 90}}}
		}
		start := i + 2 + closeAt
		end, escaped := start, false
		for end < len(s) && s[end] != '(' {
			if s[end] == '\\' && end+1 < len(s) && s[end+1] == '(' {
				escaped = true
				end++
			}
			end++
		}
		value := s[start:end]
		if escaped {
			value = strings.ReplaceAll(value, `\(`, "(")
		}
		if value == "" {
			return nil, &ParseError{AI: ai, Pos: base + start, Code: "empty_value", Msg: "no data"}
		}
		if ve := def.validate(value); ve != nil {
			return nil, &ParseError{AI: ai, Pos: base + start + rawOffset(s[start:end], ve.Pos, escaped), Code: ve.Code, Msg: ve.Msg, Err: ve}
		}
		elems = append(elems, Element{AI: ai, Value: value})
		i = end
	}
	return elems, nil
}

// rawOffset maps an offset in the unescaped value back to the raw text.
func rawOffset(raw string, pos int, escaped bool) int {
	if !escaped {
		return pos
	}
	r := 0
	for n := 0; n < pos && r < len(raw); n++ {
		if raw[r] == '\\' && r+1 < len(raw) && raw[r+1] == '(' {
			r++
		}
		r++
	}
	return r
}

// tooManyElements reports input holding more than MaxElements AIs.
func tooManyElements(pos int) error {
	return &ParseError{Pos: pos, Code: "too_many_elements", Msg: "more AIs than the maximum accepted"}
}

// inputTooLong reports input longer than MaxInputLen.
func inputTooLong() error {
	return &ParseError{Pos: MaxInputLen, Code: "too_long", Msg: "input longer than the maximum accepted"}
}

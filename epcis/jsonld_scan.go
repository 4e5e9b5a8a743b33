package epcis

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner reads JSON from a byte slice without building a generic tree:
// the decoder pulls keys and values in the order they come and converts them
// straight into the event model. It checks the JSON grammar as it goes and
// bounds nesting depth.
type jsonScanner struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
}

// jsonKind is the kind of the next JSON value.
type jsonKind byte

const (
	jsonInvalid jsonKind = iota
	jsonString
	jsonNumber
	jsonBool
	jsonNull
	jsonObject
	jsonArray
)

func (k jsonKind) String() string {
	switch k {
	case jsonString:
		return "string"
	case jsonNumber:
		return "number"
	case jsonBool:
		return "boolean"
	case jsonNull:
		return "null"
	case jsonObject:
		return "object"
	case jsonArray:
		return "array"
	}
	return "invalid JSON"
}

// syntaxError is malformed JSON at a byte offset.
type syntaxError struct {
	Offset int
	Msg    string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return &syntaxError{Offset: s.pos, Msg: fmt.Sprintf(format, args...)}
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the kind of the next value without consuming it.
func (s *jsonScanner) peek() jsonKind {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return jsonInvalid
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		return jsonString
	case c == '{':
		return jsonObject
	case c == '[':
		return jsonArray
	case c == 't' || c == 'f':
		return jsonBool
	case c == 'n':
		return jsonNull
	case c == '-' || (c >= '0' && c <= '9'):
		return jsonNumber
	}
	return jsonInvalid
}

func (s *jsonScanner) enter() error {
	s.depth++
	if s.depth > s.maxDepth {
		return &Error{Event: -1, Err: limitErr("nesting depth", int64(s.maxDepth))}
	}
	return nil
}

// beginObject consumes '{'.
func (s *jsonScanner) beginObject() error {
	if s.peek() != jsonObject {
		return s.errorf("expected object")
	}
	s.pos++
	return s.enter()
}

// nextKey returns the next key of the current object and consumes the ':'
// after it; ok is false at the closing '}'. first tells whether this is the
// first call after beginObject. The returned bytes are valid until the next
// call (they may alias the input).
func (s *jsonScanner) nextKey(first bool) (key []byte, ok bool, err error) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return nil, false, s.errorf("unexpected end of input in object")
	}
	if s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return nil, false, nil
	}
	if !first {
		if s.data[s.pos] != ',' {
			return nil, false, s.errorf("expected ',' or '}' in object")
		}
		s.pos++
		s.skipSpace()
	}
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false, s.errorf("expected string key in object")
	}
	key, err = s.readStringBytes()
	if err != nil {
		return nil, false, err
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return nil, false, s.errorf("expected ':' after object key")
	}
	s.pos++
	return key, true, nil
}

// beginArray consumes '['.
func (s *jsonScanner) beginArray() error {
	if s.peek() != jsonArray {
		return s.errorf("expected array")
	}
	s.pos++
	return s.enter()
}

// nextElem reports whether another element of the current array follows; it
// consumes the ',' or the closing ']'.
func (s *jsonScanner) nextElem(first bool) (bool, error) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return false, s.errorf("unexpected end of input in array")
	}
	if s.data[s.pos] == ']' {
		s.pos++
		s.depth--
		return false, nil
	}
	if !first {
		if s.data[s.pos] != ',' {
			return false, s.errorf("expected ',' or ']' in array")
		}
		s.pos++
	}
	return true, nil
}

// readString reads a string value.
func (s *jsonScanner) readString() (string, error) {
	if s.peek() != jsonString {
		return "", s.errorf("expected string")
	}
	b, err := s.readStringBytes()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// readStringBytes reads the string at s.pos (which is '"'). Without escapes
// it returns a slice of the input; otherwise a fresh decoded buffer.
func (s *jsonScanner) readStringBytes() ([]byte, error) {
	start := s.pos + 1
	i := start
	ascii := true
	for i < len(s.data) {
		c := s.data[i]
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(s.data[start:i]) {
				s.pos = start
				return nil, s.errorf("invalid UTF-8 in string")
			}
			s.pos = i + 1
			return s.data[start:i], nil
		case c == '\\':
			return s.readEscapedString(start)
		case c < 0x20:
			s.pos = i
			return nil, s.errorf("control character in string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		i++
	}
	s.pos = i
	return nil, s.errorf("unterminated string")
}

func (s *jsonScanner) readEscapedString(start int) ([]byte, error) {
	out := make([]byte, 0, 32)
	i := start
	for i < len(s.data) {
		c := s.data[i]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				s.pos = start
				return nil, s.errorf("invalid UTF-8 in string")
			}
			s.pos = i + 1
			return out, nil
		case c < 0x20:
			s.pos = i
			return nil, s.errorf("control character in string")
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(s.data) {
			break
		}
		esc := s.data[i+1]
		i += 2
		switch esc {
		case '"', '\\', '/':
			out = append(out, esc)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, ok := decodeUnicodeEscape(s.data[i-2:])
			if !ok {
				s.pos = i - 2
				return nil, s.errorf("invalid \\u escape")
			}
			out = utf8.AppendRune(out, r)
			i += n - 2
		default:
			s.pos = i - 2
			return nil, s.errorf("invalid escape \\%c", esc)
		}
	}
	s.pos = i
	return nil, s.errorf("unterminated string")
}

// decodeUnicodeEscape decodes "\uXXXX", or a surrogate pair of two such
// escapes, at the start of b; n is the number of bytes used.
func decodeUnicodeEscape(b []byte) (r rune, n int, ok bool) {
	hex4 := func(b []byte) (rune, bool) {
		if len(b) < 4 {
			return 0, false
		}
		v, err := strconv.ParseUint(string(b[:4]), 16, 32)
		return rune(v), err == nil
	}
	if len(b) < 6 {
		return 0, 0, false
	}
	r, ok = hex4(b[2:])
	if !ok {
		return 0, 0, false
	}
	if utf16.IsSurrogate(r) {
		if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if r2, ok2 := hex4(b[8:]); ok2 {
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					return dec, 12, true
				}
			}
		}
		return utf8.RuneError, 6, true
	}
	return r, 6, true
}

// readNumber reads a number and returns its literal text.
func (s *jsonScanner) readNumber() (string, error) {
	if s.peek() != jsonNumber {
		return "", s.errorf("expected number")
	}
	start := s.pos
	i := s.pos
	if s.data[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s.data) && s.data[i] >= '0' && s.data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s.data) && s.data[i] == '0' {
		i++
	} else if digits() == 0 {
		s.pos = i
		return "", s.errorf("invalid number")
	}
	if i < len(s.data) && s.data[i] == '.' {
		i++
		if digits() == 0 {
			s.pos = i
			return "", s.errorf("invalid number")
		}
	}
	if i < len(s.data) && (s.data[i] == 'e' || s.data[i] == 'E') {
		i++
		if i < len(s.data) && (s.data[i] == '+' || s.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			s.pos = i
			return "", s.errorf("invalid number")
		}
	}
	s.pos = i
	return string(s.data[start:i]), nil
}

// readBool reads true or false.
func (s *jsonScanner) readBool() (bool, error) {
	s.skipSpace()
	switch {
	case s.hasLiteral("true"):
		s.pos += 4
		return true, nil
	case s.hasLiteral("false"):
		s.pos += 5
		return false, nil
	}
	return false, s.errorf("expected boolean")
}

func (s *jsonScanner) hasLiteral(lit string) bool {
	return len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit
}

// readNull reads null.
func (s *jsonScanner) readNull() error {
	s.skipSpace()
	if !s.hasLiteral("null") {
		return s.errorf("expected null")
	}
	s.pos += 4
	return nil
}

// skipValue consumes one value of any kind.
func (s *jsonScanner) skipValue() error {
	_, err := s.readValue()
	return err
}

// jsonValue is a generic JSON value, used for user extensions and @context,
// whose shape the decoder does not know in advance. Object members keep
// their order.
type jsonValue struct {
	kind    jsonKind
	text    string // string content, number literal, "true"/"false"
	members []jsonMember
	elems   []jsonValue
}

type jsonMember struct {
	key   string
	value jsonValue
}

// readValue reads any value into a jsonValue.
func (s *jsonScanner) readValue() (jsonValue, error) {
	switch s.peek() {
	case jsonString:
		str, err := s.readString()
		return jsonValue{kind: jsonString, text: str}, err
	case jsonNumber:
		n, err := s.readNumber()
		return jsonValue{kind: jsonNumber, text: n}, err
	case jsonBool:
		b, err := s.readBool()
		return jsonValue{kind: jsonBool, text: strconv.FormatBool(b)}, err
	case jsonNull:
		return jsonValue{kind: jsonNull}, s.readNull()
	case jsonObject:
		v := jsonValue{kind: jsonObject}
		if err := s.beginObject(); err != nil {
			return v, err
		}
		for first := true; ; first = false {
			key, ok, err := s.nextKey(first)
			if err != nil {
				return v, err
			}
			if !ok {
				return v, nil
			}
			k := string(key)
			member, err := s.readValue()
			if err != nil {
				return v, err
			}
			v.members = append(v.members, jsonMember{key: k, value: member})
		}
	case jsonArray:
		v := jsonValue{kind: jsonArray}
		if err := s.beginArray(); err != nil {
			return v, err
		}
		for first := true; ; first = false {
			ok, err := s.nextElem(first)
			if err != nil {
				return v, err
			}
			if !ok {
				return v, nil
			}
			elem, err := s.readValue()
			if err != nil {
				return v, err
			}
			v.elems = append(v.elems, elem)
		}
	}
	return jsonValue{}, s.errorf("expected a JSON value")
}

// errWrongKind says a field has the wrong JSON type.
func errWrongKind(want string, got jsonKind) error {
	return classed(ErrInvalidValue, "must be %s, not %v", want, got)
}

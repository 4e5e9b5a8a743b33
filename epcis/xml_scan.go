package epcis

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xmlScanner splits an in-memory XML document into tokens without copying:
// names and raw text are sub-slices of the input. It is the tokenizer of
// DecodeXML, several times faster than encoding/xml (see BENCHMARKS.md), and
// deliberately small: it reads the XML that EPCIS documents use (elements,
// attributes, character and entity references of the five predefined
// entities, CDATA sections, comments, processing instructions) and rejects
// DTDs, so no entity is ever expanded. Namespaces are resolved by the tree
// builder.
type xmlScanner struct {
	src []byte
	pos int
	// tok is the current token, valid until the next call to next.
	kind  xmlTokKind
	start int // offset where the token began
	name  []byte
	attrs []rawAttr
	text  []byte // raw character data (entities not yet resolved) or CDATA
	cdata bool
	empty bool // <a/>: a start token followed by an implied end token
}

type xmlTokKind int

const (
	tokEOF xmlTokKind = iota
	tokStart
	tokEnd
	tokText
)

// maxXMLAttrs bounds the attributes of one element (namespace declarations
// included). EPCIS elements carry a handful; the bound keeps the check for
// an attribute given twice, which compares each with those before it, from
// costing a made-up document quadratic time.
const maxXMLAttrs = 256

// rawAttr is an attribute as written: its qualified name and raw value.
type rawAttr struct {
	name, value []byte
}

// errScan is the message of every tokenizer error (wrapped with details).
var errScan = errors.New("malformed XML")

func (s *xmlScanner) fail(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errScan, fmt.Sprintf(format, args...))
}

// next reads the next token. Comments, processing instructions and the XML
// declaration are skipped (the declaration's encoding is checked).
func (s *xmlScanner) next() error {
	s.name, s.text, s.attrs, s.cdata, s.empty = nil, nil, s.attrs[:0], false, false
	for {
		s.start = s.pos
		if s.pos >= len(s.src) {
			s.kind = tokEOF
			return nil
		}
		if s.src[s.pos] != '<' {
			end := bytes.IndexByte(s.src[s.pos:], '<')
			if end < 0 {
				end = len(s.src) - s.pos
			}
			s.kind, s.text = tokText, s.src[s.pos:s.pos+end]
			s.pos += end
			return nil
		}
		rest := s.src[s.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest[2:], []byte("?>"))
			if end < 0 {
				return s.fail("unterminated processing instruction")
			}
			pi := rest[2 : 2+end]
			target := pi
			if i := bytes.IndexAny(pi, " \t\r\n"); i >= 0 {
				target = pi[:i]
			}
			if !isXMLName(target) {
				return s.fail("processing instruction without a valid target")
			}
			if err := s.checkDeclaration(pi); err != nil {
				return err
			}
			s.pos += 2 + end + 2
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("--"))
			if end < 0 || 4+end+2 >= len(rest) || rest[4+end+2] != '>' {
				return s.fail("unterminated comment, or \"--\" inside a comment")
			}
			s.pos += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return s.fail("unterminated CDATA section")
			}
			s.kind, s.text, s.cdata = tokText, rest[9:9+end], true
			s.pos += 9 + end + 3
			return nil
		case bytes.HasPrefix(rest, []byte("<!")):
			return s.fail("DTDs and other <! > declarations are not allowed")
		case bytes.HasPrefix(rest, []byte("</")):
			s.pos += 2
			name, err := s.scanName()
			if err != nil {
				return err
			}
			s.skipSpace()
			if s.pos >= len(s.src) || s.src[s.pos] != '>' {
				return s.fail("expected > to end </%s", name)
			}
			s.pos++
			s.kind, s.name = tokEnd, name
			return nil
		default:
			s.pos++
			return s.scanStartTag()
		}
	}
}

func (s *xmlScanner) scanStartTag() error {
	name, err := s.scanName()
	if err != nil {
		return err
	}
	s.kind, s.name = tokStart, name
	for {
		hadSpace := s.skipSpace()
		if s.pos >= len(s.src) {
			return s.fail("unexpected end of document in <%s>", name)
		}
		switch s.src[s.pos] {
		case '>':
			s.pos++
			return nil
		case '/':
			if s.pos+1 >= len(s.src) || s.src[s.pos+1] != '>' {
				return s.fail("expected /> in <%s>", name)
			}
			s.pos += 2
			s.empty = true
			return nil
		}
		if !hadSpace {
			return s.fail("expected space before attribute in <%s>", name)
		}
		an, err := s.scanName()
		if err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.src) || s.src[s.pos] != '=' {
			return s.fail("attribute %s without value", an)
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.src) || (s.src[s.pos] != '"' && s.src[s.pos] != '\'') {
			return s.fail("unquoted value of attribute %s", an)
		}
		q := s.src[s.pos]
		end := bytes.IndexByte(s.src[s.pos+1:], q)
		if end < 0 {
			return s.fail("unterminated value of attribute %s", an)
		}
		v := s.src[s.pos+1 : s.pos+1+end]
		if bytes.IndexByte(v, '<') >= 0 {
			return s.fail("'<' in the value of attribute %s", an)
		}
		if len(s.attrs) >= maxXMLAttrs {
			return limitErr(fmt.Sprintf("the attributes of <%s>", name), maxXMLAttrs)
		}
		for _, a := range s.attrs {
			if bytes.Equal(a.name, an) {
				return s.fail("attribute %s given twice", an)
			}
		}
		s.attrs = append(s.attrs, rawAttr{an, v})
		s.pos += end + 2
	}
}

// scanName reads an XML name (with an optional prefix).
func (s *xmlScanner) scanName() ([]byte, error) {
	i := s.pos
	for i < len(s.src) {
		c := s.src[i]
		if c >= utf8.RuneSelf || c == '_' || c == ':' || c == '-' || c == '.' ||
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			i++
			continue
		}
		break
	}
	name := s.src[s.pos:i]
	if len(name) == 0 {
		if i >= len(s.src) {
			return nil, s.fail("unexpected end of document")
		}
		return nil, s.fail("invalid character %q where a name was expected", s.src[i])
	}
	if c := name[0]; c == '-' || c == '.' || c == ':' || (c >= '0' && c <= '9') {
		return nil, s.fail("invalid name %q", name)
	}
	s.pos = i
	return name, nil
}

func (s *xmlScanner) skipSpace() bool {
	start := s.pos
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
			continue
		}
		break
	}
	return s.pos > start
}

// checkDeclaration checks the version and encoding of an <?xml ...?>
// declaration; other processing instructions are ignored.
func (s *xmlScanner) checkDeclaration(pi []byte) error {
	if !bytes.HasPrefix(pi, []byte("xml")) || (len(pi) > 3 && !isXMLSpace(pi[3])) {
		return nil
	}
	if v, ok, err := s.pseudoAttr(pi, "version"); err != nil {
		return err
	} else if ok && string(v) != "1.0" {
		return s.fail("unsupported XML version %q (want 1.0)", v)
	}
	enc, ok, err := s.pseudoAttr(pi, "encoding")
	if err != nil || !ok {
		return err
	}
	switch strings.ToLower(string(enc)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return nil
	}
	return fmt.Errorf("unsupported character encoding %q (use UTF-8)", enc)
}

// pseudoAttr returns the value of name="value" in an XML declaration.
func (s *xmlScanner) pseudoAttr(pi []byte, name string) ([]byte, bool, error) {
	i := bytes.Index(pi, []byte(name))
	if i < 0 {
		return nil, false, nil
	}
	rest := bytes.TrimLeft(pi[i+len(name):], " \t\r\n")
	rest = bytes.TrimLeft(bytes.TrimPrefix(rest, []byte("=")), " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return nil, false, s.fail("malformed %s in the XML declaration", name)
	}
	end := bytes.IndexByte(rest[1:], rest[0])
	if end < 0 {
		return nil, false, s.fail("malformed %s in the XML declaration", name)
	}
	return rest[1 : 1+end], true, nil
}

// isXMLName reports whether b is an XML name (ASCII rules; non-ASCII bytes
// are accepted as name characters).
func isXMLName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i, c := range b {
		switch {
		case c >= utf8.RuneSelf, c == '_', c == ':', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c == '-' || c == '.' || (c >= '0' && c <= '9')):
		default:
			return false
		}
	}
	return true
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// unescapeXML resolves character and entity references in raw text or an
// attribute value, and rejects characters XML does not allow. It returns raw
// itself (no copy) when there is nothing to resolve.
func unescapeXML(raw []byte) ([]byte, error) {
	amp := bytes.IndexByte(raw, '&')
	if err := checkXMLChars(raw); err != nil {
		return nil, err
	}
	if amp < 0 {
		return raw, nil
	}
	out := make([]byte, 0, len(raw))
	out = append(out, raw[:amp]...)
	rest := raw[amp:]
	for len(rest) > 0 {
		if rest[0] != '&' {
			i := bytes.IndexByte(rest, '&')
			if i < 0 {
				i = len(rest)
			}
			out = append(out, rest[:i]...)
			rest = rest[i:]
			continue
		}
		semi := bytes.IndexByte(rest, ';')
		if semi < 0 || semi > 12 {
			return nil, fmt.Errorf("%w: unterminated entity reference", errScan)
		}
		ref := rest[1:semi]
		switch string(ref) {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				return nil, fmt.Errorf("%w: undefined entity &%s;", errScan, ref)
			}
			out = utf8.AppendRune(out, r)
		}
		rest = rest[semi+1:]
	}
	return out, nil
}

// charRef decodes "#123" or "#x7B" to a character XML allows.
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ref[1] == 'x' {
		n, err = strconv.ParseUint(string(ref[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(ref[1:]), 10, 32)
	}
	r := rune(n)
	if err != nil || !isXMLChar(r) {
		return 0, false
	}
	return r, true
}

// checkXMLChars rejects control characters XML 1.0 does not allow (the
// document is known to be valid UTF-8).
func checkXMLChars(b []byte) error {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return fmt.Errorf("%w: illegal character %#x", errScan, c)
		}
	}
	return nil
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

package epcis

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// xmlNode is one element of a parsed XML document, with its namespace
// resolved. The EPCIS decoders read documents through this small tree rather
// than through xml.Unmarshal: it is faster (see BENCHMARKS.md), it accepts the
// many element orders and wrapper elements seen in practice, and it keeps every
// element's input offset for error messages.
type xmlNode struct {
	Space, Local string
	Attrs        []xml.Attr // namespace-resolved; xmlns declarations removed
	Text         string     // character data; trimmed of surrounding space
	Children     []*xmlNode
	Offset       int64 // byte offset of the start tag in the input
}

// attr returns the value of the attribute with no namespace and the given
// local name.
func (n *xmlNode) attr(local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// nsBinding is one namespace declaration in scope.
type nsBinding struct {
	prefix, uri string
}

// xmlNamespaceURI is the namespace the prefix "xml" is bound to by definition.
const xmlNamespaceURI = "http://www.w3.org/XML/1998/namespace"

// treeBuilder reads tokens with xml.Decoder.RawToken, which skips the
// decoder's own namespace translation and copying, and resolves prefixes
// itself against a stack of declarations.
type treeBuilder struct {
	dec      *xml.Decoder
	src      []byte
	maxDepth int
	bindings []nsBinding
	// declared records every prefix declaration seen, in document order, so the
	// decoder can remember the author's prefixes.
	declared []nsBinding
}

// parseXMLTree parses src (without a byte order mark) into a tree. It rejects DTDs (and with them any
// entity declarations), unbalanced tags, undeclared prefixes and nesting
// deeper than maxDepth.
func parseXMLTree(src []byte, maxDepth int) (*xmlNode, []nsBinding, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = true
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		}
		return nil, fmt.Errorf("unsupported character encoding %q (use UTF-8)", charset)
	}
	b := &treeBuilder{dec: dec, src: src, maxDepth: maxDepth}
	root, err := b.build()
	return root, b.declared, err
}

type openElement struct {
	node     *xmlNode
	raw      xml.Name // prefix and local name as written, to match the end tag
	nBinding int      // declarations this element pushed
	text     []byte
}

func (b *treeBuilder) build() (*xmlNode, error) {
	var (
		root  *xmlNode
		stack []openElement
	)
	for {
		off := b.dec.InputOffset()
		tok, err := b.dec.RawToken()
		if err == io.EOF {
			if len(stack) > 0 {
				return nil, b.errAt(b.dec.InputOffset(), stack, fmt.Errorf("unexpected end of document: <%s> is not closed", rawName(stack[len(stack)-1].raw)))
			}
			if root == nil {
				return nil, b.errAt(off, nil, errors.New("no root element"))
			}
			return root, nil
		}
		if err != nil {
			return nil, b.syntaxErr(off, stack, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, b.errAt(off, stack, errors.New("more than one root element"))
			}
			if len(stack) >= b.maxDepth {
				return nil, b.errAt(off, stack, limitErr("element nesting depth", int64(b.maxDepth)))
			}
			n, pushed, err := b.startNode(t, off)
			if err != nil {
				return nil, b.errAt(off, stack, err)
			}
			if len(stack) == 0 {
				root = n
			} else {
				parent := stack[len(stack)-1].node
				parent.Children = append(parent.Children, n)
			}
			stack = append(stack, openElement{node: n, raw: t.Name, nBinding: pushed})
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, b.errAt(off, stack, fmt.Errorf("unexpected end tag </%s>", rawName(t.Name)))
			}
			top := &stack[len(stack)-1]
			if top.raw != t.Name {
				return nil, b.errAt(off, stack, fmt.Errorf("end tag </%s> does not match <%s>", rawName(t.Name), rawName(top.raw)))
			}
			if len(top.text) > 0 {
				top.node.Text = string(bytes.TrimSpace(top.text))
			}
			b.bindings = b.bindings[:len(b.bindings)-top.nBinding]
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, b.errAt(off, stack, errors.New("text outside the root element"))
				}
				continue
			}
			top := &stack[len(stack)-1]
			if top.text == nil && len(bytes.TrimSpace(t)) == 0 {
				continue // indentation
			}
			top.text = append(top.text, t...)
		case xml.Directive:
			return nil, b.errAt(off, stack, errors.New("DTDs and other <! > declarations are not allowed"))
		case xml.Comment, xml.ProcInst:
			// ignored
		}
	}
}

// startNode resolves the names of a start tag and pushes its namespace
// declarations; it returns the node and how many declarations it pushed.
func (b *treeBuilder) startNode(t xml.StartElement, off int64) (*xmlNode, int, error) {
	pushed := 0
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns":
			b.bindings = append(b.bindings, nsBinding{a.Name.Local, a.Value})
			b.declared = append(b.declared, nsBinding{a.Name.Local, a.Value})
			pushed++
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			b.bindings = append(b.bindings, nsBinding{"", a.Value})
			pushed++
		}
	}
	space, ok := b.resolve(t.Name.Space, true)
	if !ok {
		b.bindings = b.bindings[:len(b.bindings)-pushed]
		return nil, 0, fmt.Errorf("undeclared namespace prefix %q", t.Name.Space)
	}
	if (space == NSEPCIS2 || space == NSEPCIS1) && !isDocumentElement(t.Name.Local) {
		// Some writers qualify event fields with the EPCIS namespace; the
		// schema leaves them unqualified. Treat both alike.
		space = ""
	}
	n := &xmlNode{Space: space, Local: t.Name.Local, Offset: off}
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		as, ok := b.resolve(a.Name.Space, false)
		if !ok {
			b.bindings = b.bindings[:len(b.bindings)-pushed]
			return nil, 0, fmt.Errorf("undeclared namespace prefix %q", a.Name.Space)
		}
		if n.Attrs == nil {
			n.Attrs = make([]xml.Attr, 0, len(t.Attr))
		}
		n.Attrs = append(n.Attrs, xml.Attr{Name: xml.Name{Space: as, Local: a.Name.Local}, Value: a.Value})
	}
	return n, pushed, nil
}

// resolve maps a prefix to its namespace URI. Unprefixed elements take the
// default namespace; unprefixed attributes have none.
func (b *treeBuilder) resolve(prefix string, element bool) (string, bool) {
	if prefix == "" && !element {
		return "", true
	}
	if prefix == "xml" {
		return xmlNamespaceURI, true
	}
	for i := len(b.bindings) - 1; i >= 0; i-- {
		if b.bindings[i].prefix == prefix {
			return b.bindings[i].uri, true
		}
	}
	return "", prefix == ""
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// syntaxErr turns an encoding/xml error into an XMLError. encoding/xml reports
// lines only; the column comes from the offset where the failing token began.
func (b *treeBuilder) syntaxErr(off int64, stack []openElement, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		err = errors.New(se.Msg)
		// The decoder has read up to the offending byte; that is a better
		// position than the token start for errors inside a token.
		off = b.dec.InputOffset()
	}
	return b.errAt(off, stack, fmt.Errorf("malformed XML: %w", err))
}

func (b *treeBuilder) errAt(off int64, stack []openElement, err error) error {
	names := make([]string, len(stack))
	for i, e := range stack {
		names[i] = e.node.Local
	}
	line, col := lineColumn(b.src, off)
	return &XMLError{Line: line, Column: col, Event: -1, Path: "/" + strings.Join(names, "/"), Err: err}
}

// lineColumn maps a byte offset in src to a 1-based line and column (the
// column counts bytes).
func lineColumn(src []byte, off int64) (line, col int) {
	if off > int64(len(src)) {
		off = int64(len(src))
	}
	if off < 0 {
		off = 0
	}
	before := src[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func isDocumentElement(local string) bool {
	return local == "EPCISDocument" || local == "EPCISQueryDocument" || local == "EPCISMasterDataDocument"
}

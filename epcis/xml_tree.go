package epcis

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// xmlNode is one element of a parsed XML document, with its namespace
// resolved. The EPCIS decoders read documents through this small tree rather
// than through xml.Unmarshal: it is built by a zero-copy scanner several times
// faster than encoding/xml (see BENCHMARKS.md), it lets the decoders accept
// the many element orders and EPCIS 1.2 wrapper elements seen in practice,
// and it keeps every element's input offset for error messages.
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

// maxXMLBindings bounds the namespace declarations in scope at once: every
// prefixed name is looked up through them, innermost first.
const maxXMLBindings = 256

// treeBuilder builds the tree from xmlScanner tokens and resolves namespace
// prefixes itself against a stack of declarations.
type treeBuilder struct {
	scan     xmlScanner
	src      []byte
	maxDepth int
	bindings []nsBinding
	// declared records every prefix declaration seen, in document order, so the
	// decoder can remember the author's prefixes.
	declared []nsBinding
	// names interns element and attribute names: a document repeats a few
	// dozen names thousands of times.
	names map[string]string
	// slab hands out nodes in blocks, and pending holds the children of the
	// open elements until their end tag gives each an exact-size slice: both
	// cut allocations per element to a fraction.
	slab    []xmlNode
	pending []*xmlNode
}

// newNode returns a zeroed node from the current block.
func (b *treeBuilder) newNode() *xmlNode {
	if len(b.slab) == cap(b.slab) {
		// Blocks grow with the document: about one element per 64 bytes.
		n := min(max(len(b.src)/64, 16), 512)
		b.slab = make([]xmlNode, 0, n)
	}
	b.slab = b.slab[:len(b.slab)+1]
	return &b.slab[len(b.slab)-1]
}

// parseXMLTree parses src (without a byte order mark) into a tree. It rejects
// DTDs (and with them any entity declarations), unbalanced tags, undeclared
// prefixes, invalid UTF-8 and nesting deeper than maxDepth.
func parseXMLTree(src []byte, maxDepth int) (*xmlNode, []nsBinding, error) {
	b := &treeBuilder{scan: xmlScanner{src: src}, src: src, maxDepth: maxDepth, names: make(map[string]string, 64)}
	if !utf8.Valid(src) {
		return nil, nil, b.errAt(int64(firstInvalidUTF8(src)), nil, errors.New("malformed XML: invalid UTF-8"))
	}
	root, err := b.build()
	return root, b.declared, err
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

type openElement struct {
	node       *xmlNode
	raw        []byte // qualified name as written, to match the end tag
	nBinding   int    // declarations this element pushed
	text       []byte
	firstChild int // index in pending of this element's first child
}

func (b *treeBuilder) build() (*xmlNode, error) {
	var (
		root  *xmlNode
		stack []openElement
		s     = &b.scan
	)
	for {
		if err := s.next(); err != nil {
			return nil, b.errAt(int64(s.pos), stack, err)
		}
		off := int64(s.start)
		switch s.kind {
		case tokEOF:
			if len(stack) > 0 {
				return nil, b.errAt(off, stack, fmt.Errorf("unexpected end of document: <%s> is not closed", stack[len(stack)-1].raw))
			}
			if root == nil {
				return nil, b.errAt(off, nil, errors.New("no root element"))
			}
			return root, nil
		case tokStart:
			if root != nil && len(stack) == 0 {
				return nil, b.errAt(off, stack, errors.New("more than one root element"))
			}
			if len(stack) >= b.maxDepth {
				return nil, b.errAt(off, stack, limitErr("element nesting depth", int64(b.maxDepth)))
			}
			n, pushed, err := b.startNode(off)
			if err != nil {
				return nil, b.errAt(off, stack, err)
			}
			if len(stack) == 0 {
				root = n
			} else {
				b.pending = append(b.pending, n)
			}
			if s.empty {
				b.bindings = b.bindings[:len(b.bindings)-pushed]
				continue
			}
			stack = append(stack, openElement{node: n, raw: s.name, nBinding: pushed, firstChild: len(b.pending)})
		case tokEnd:
			if len(stack) == 0 {
				return nil, b.errAt(off, stack, fmt.Errorf("unexpected end tag </%s>", s.name))
			}
			top := &stack[len(stack)-1]
			if !bytes.Equal(top.raw, s.name) {
				return nil, b.errAt(off, stack, fmt.Errorf("end tag </%s> does not match <%s>", s.name, top.raw))
			}
			if len(top.text) > 0 {
				top.node.Text = string(bytes.TrimSpace(top.text))
			}
			if kids := b.pending[top.firstChild:]; len(kids) > 0 {
				top.node.Children = append([]*xmlNode(nil), kids...)
				b.pending = b.pending[:top.firstChild]
			}
			b.bindings = b.bindings[:len(b.bindings)-top.nBinding]
			stack = stack[:len(stack)-1]
		case tokText:
			text := s.text
			if !s.cdata {
				var err error
				if text, err = unescapeXML(text); err != nil {
					return nil, b.errAt(off, stack, err)
				}
			} else if err := checkXMLChars(text); err != nil {
				return nil, b.errAt(off, stack, err)
			}
			if len(stack) == 0 {
				if len(bytes.TrimSpace(text)) > 0 {
					return nil, b.errAt(off, stack, errors.New("text outside the root element"))
				}
				continue
			}
			top := &stack[len(stack)-1]
			if top.text == nil {
				if !s.cdata && len(bytes.TrimSpace(text)) == 0 {
					continue // indentation
				}
				top.text = text[:len(text):len(text)] // no append into the input
				continue
			}
			top.text = append(top.text, text...)
		}
	}
}

// intern returns b as a string, allocating only the first time it is seen.
func (b *treeBuilder) intern(name []byte) string {
	if s, ok := b.names[string(name)]; ok {
		return s
	}
	s := string(name)
	b.names[s] = s
	return s
}

// startNode resolves the names of the current start tag and pushes its
// namespace declarations; it returns the node and how many declarations it
// pushed.
func (b *treeBuilder) startNode(off int64) (*xmlNode, int, error) {
	s := &b.scan
	pushed := 0
	// fail undoes the declarations pushed so far.
	fail := func(err error) (*xmlNode, int, error) {
		b.bindings = b.bindings[:len(b.bindings)-pushed]
		return nil, 0, err
	}
	for _, a := range s.attrs {
		prefix, local, qualified := bytes.Cut(a.name, []byte(":"))
		if qualified && (len(prefix) == 0 || len(local) == 0 || bytes.IndexByte(local, ':') >= 0) {
			return fail(fmt.Errorf("invalid attribute name %q", a.name))
		}
		isPrefix := qualified && string(prefix) == "xmlns"
		if !isPrefix && (qualified || string(a.name) != "xmlns") {
			continue // not a namespace declaration
		}
		uri, err := unescapeXML(a.value)
		if err != nil {
			return fail(err)
		}
		if len(b.bindings) >= maxXMLBindings {
			return fail(limitErr("namespace declarations in scope", maxXMLBindings))
		}
		nb := nsBinding{"", b.intern(uri)} // the default namespace
		if isPrefix {
			nb.prefix = b.intern(local)
			b.declared = append(b.declared, nb)
		}
		b.bindings = append(b.bindings, nb)
		pushed++
	}
	prefix, local, qualified := bytes.Cut(s.name, []byte(":"))
	if !qualified {
		prefix, local = nil, s.name
	}
	if len(local) == 0 || bytes.IndexByte(local, ':') >= 0 {
		return fail(fmt.Errorf("invalid element name %q", s.name))
	}
	space, ok := b.resolve(prefix, true)
	if !ok {
		return fail(fmt.Errorf("undeclared namespace prefix %q", prefix))
	}
	localName := b.intern(local)
	if (space == NSEPCIS2 || space == NSEPCIS1) && !isDocumentElement(localName) {
		// Some writers qualify event fields with the EPCIS namespace; the
		// schema leaves them unqualified. Treat both alike.
		space = ""
	}
	n := b.newNode()
	n.Space, n.Local, n.Offset = space, localName, off
	for _, a := range s.attrs {
		ap, al, aq := bytes.Cut(a.name, []byte(":"))
		if (aq && string(ap) == "xmlns") || (!aq && string(a.name) == "xmlns") {
			continue
		}
		if !aq {
			ap, al = nil, a.name
		}
		as, ok := b.resolve(ap, false)
		if !ok {
			return fail(fmt.Errorf("undeclared namespace prefix %q", ap))
		}
		v, err := unescapeXML(a.value)
		if err != nil {
			return fail(err)
		}
		if n.Attrs == nil {
			n.Attrs = make([]xml.Attr, 0, len(s.attrs))
		}
		n.Attrs = append(n.Attrs, xml.Attr{Name: xml.Name{Space: as, Local: b.intern(al)}, Value: string(v)})
	}
	return n, pushed, nil
}

// resolve maps a prefix to its namespace URI. Unprefixed elements take the
// default namespace; unprefixed attributes have none.
func (b *treeBuilder) resolve(prefix []byte, element bool) (string, bool) {
	if len(prefix) == 0 && !element {
		return "", true
	}
	if string(prefix) == "xml" {
		return xmlNamespaceURI, true
	}
	for i := len(b.bindings) - 1; i >= 0; i-- {
		if b.bindings[i].prefix == string(prefix) {
			return b.bindings[i].uri, true
		}
	}
	return "", len(prefix) == 0
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

package epcis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Namespaces of the EPCIS XML bindings.
const (
	NSEPCIS2           = "urn:epcglobal:epcis:xsd:2"
	NSEPCIS1           = "urn:epcglobal:epcis:xsd:1"
	NSEPCISQuery2      = "urn:epcglobal:epcis-query:xsd:2"
	NSEPCISQuery1      = "urn:epcglobal:epcis-query:xsd:1"
	NSEPCISMasterData2 = "urn:epcglobal:epcis-masterdata:xsd:2"
	NSEPCISMasterData1 = "urn:epcglobal:epcis-masterdata:xsd:1"
	NSSBDH             = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
	NSXSI              = "http://www.w3.org/2001/XMLSchema-instance"
)

// ErrNotEPCISDocument is returned (wrapped in an *XMLError) when the root
// element is none of EPCISDocument, EPCISQueryDocument, EPCISMasterDataDocument,
// a bare event or a bare VocabularyList, e.g. a SOAP query request.
var ErrNotEPCISDocument = errors.New("not an EPCIS document")

// ErrQueryException is returned (wrapped in an *XMLError) for an
// EPCISQueryDocument whose body is a query exception (QueryTooLargeException,
// ImplementationException, ...) rather than results or a request.
var ErrQueryException = errors.New("query exception")

// XMLDecoder decodes EPCIS 2.0 and 1.2 XML documents with explicit limits and
// options. The zero value decodes with DefaultLimits and lenient field order;
// an XMLDecoder keeps no state between calls and may be used concurrently.
type XMLDecoder struct {
	// StrictOrder rejects EPCIS 2.0 event fields that are out of the XSD's
	// sequence order. It is off by default: real documents (and the openepcis
	// examples, e.g. JumbledFieldsOrder.xml) often jumble the order, and the
	// meaning does not depend on it.
	StrictOrder bool
	// Limits bound the document size, the number of events, the entries of
	// each EPC or quantity list and the element nesting; a zero field takes
	// the default. Exceeding one gives an error matching ErrTooLarge.
	Limits Limits
}

// DecodeXML reads an EPCIS 2.0 or 1.2 XML document (capture, query results,
// query request or master data document, or a bare event) with the default
// limits. CBV values are normalised to their short form; identifiers are kept
// as written. Errors are *XMLError values that say where the problem is.
func DecodeXML(r io.Reader) (*Document, error) {
	return (&XMLDecoder{}).Decode(r)
}

// Decode reads one document from r.
func (x *XMLDecoder) Decode(r io.Reader) (*Document, error) {
	doc, _, err := x.decode(r)
	return doc, err
}

// XMLPosition is a 1-based line and column in an XML document.
type XMLPosition struct {
	Line, Column int
}

// DecodeWithPositions is Decode that also returns where each event's element
// starts, by event index, so that problems found later (Validate reports an
// event index and a path) can be shown with a line and column too.
func (x *XMLDecoder) DecodeWithPositions(r io.Reader) (*Document, []XMLPosition, error) {
	doc, d, err := x.decode(r)
	if err != nil {
		return nil, nil, err
	}
	return doc, positionsOf(d.src, d.offsets), nil
}

func (x *XMLDecoder) decode(r io.Reader) (*Document, *xmlDocDecoder, error) {
	lim := x.Limits.withDefaults()
	var buf bytes.Buffer
	if sized, ok := r.(interface{ Len() int }); ok {
		// bytes.Reader, strings.Reader, bytes.Buffer: read in one go.
		buf.Grow(int(min(int64(sized.Len()), lim.MaxDocumentBytes)) + 1)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, lim.MaxDocumentBytes+1)); err != nil {
		return nil, nil, fmt.Errorf("read epcis xml: %w", err)
	}
	src := buf.Bytes()
	if int64(len(src)) > lim.MaxDocumentBytes {
		return nil, nil, &XMLError{Line: 1, Column: 1, Event: -1, Err: limitErr("document size in bytes", lim.MaxDocumentBytes)}
	}
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	root, declared, err := parseXMLTree(src, lim.MaxDepth)
	if err != nil {
		return nil, nil, err
	}
	d := &xmlDocDecoder{lim: lim, strictOrder: x.StrictOrder, src: src, events: -1}
	doc, err := d.document(root)
	if err != nil {
		return nil, nil, err
	}
	doc.Namespaces = namespaceMap(declared)
	return doc, d, nil
}

// positionsOf maps ascending byte offsets to lines and columns in one pass.
func positionsOf(src []byte, offsets []int64) []XMLPosition {
	out := make([]XMLPosition, len(offsets))
	line, lineStart, pos := 1, 0, 0
	for i, off := range offsets {
		for pos < int(off) && pos < len(src) {
			if src[pos] == '\n' {
				line++
				lineStart = pos + 1
			}
			pos++
		}
		out[i] = XMLPosition{Line: line, Column: int(off) - lineStart + 1}
	}
	return out
}

// namespaceMap keeps the first URI declared for each prefix, and one prefix per
// URI, leaving out the EPCIS namespaces themselves (encoders declare those).
func namespaceMap(declared []nsBinding) map[string]string {
	if len(declared) == 0 {
		return nil
	}
	m := make(map[string]string)
	seen := make(map[string]bool)
	for _, b := range declared {
		if b.prefix == "" || isEPCISNamespace(b.uri) {
			continue
		}
		if _, ok := m[b.prefix]; ok || seen[b.uri] {
			continue
		}
		m[b.prefix] = b.uri
		seen[b.uri] = true
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func isEPCISNamespace(uri string) bool {
	switch uri {
	case NSEPCIS1, NSEPCIS2, NSEPCISQuery1, NSEPCISQuery2, NSEPCISMasterData1, NSEPCISMasterData2:
		return true
	}
	return false
}

// xmlDocDecoder carries the state of one Decode call.
type xmlDocDecoder struct {
	lim         Limits
	strictOrder bool
	src         []byte
	v12         bool
	events      int // index of the event being decoded, -1 outside events
	stack       []*xmlNode
	offsets     []int64 // start of each event element, by event index
}

// fail returns an XMLError for node n (nil for the current element).
func (d *xmlDocDecoder) fail(n *xmlNode, format string, args ...any) error {
	return d.wrap(n, fmt.Errorf(format, args...))
}

// wrap returns err located at node n (nil for the current element): its line
// and column, the event being read and the element path.
func (d *xmlDocDecoder) wrap(n *xmlNode, err error) error {
	var b strings.Builder
	for _, s := range d.stack {
		b.WriteString("/")
		b.WriteString(s.Local)
	}
	var off int64
	if n != nil {
		off = n.Offset
		if len(d.stack) == 0 || d.stack[len(d.stack)-1] != n {
			b.WriteString("/")
			b.WriteString(n.Local)
		}
	}
	line, col := lineColumn(d.src, off)
	path := b.String()
	return &XMLError{Line: line, Column: col, Event: d.events, Path: path, Err: err}
}

// enter and leave maintain the element path used in error messages.
func (d *xmlDocDecoder) enter(n *xmlNode) { d.stack = append(d.stack, n) }
func (d *xmlDocDecoder) leave()           { d.stack = d.stack[:len(d.stack)-1] }

// document dispatches on the root element: capture, query and master data
// documents, a bare event (also in its 1.2 <extension> wrapper) or a bare
// VocabularyList.
func (d *xmlDocDecoder) document(root *xmlNode) (*Document, error) {
	doc := &Document{}
	switch {
	case root.Local == "EPCISDocument" && (root.Space == NSEPCIS2 || root.Space == NSEPCIS1):
		d.v12 = root.Space == NSEPCIS1
	case root.Local == "EPCISQueryDocument" && (root.Space == NSEPCISQuery2 || root.Space == NSEPCISQuery1):
		d.v12 = root.Space == NSEPCISQuery1
		doc.Query = &QueryResults{}
	case root.Local == "EPCISMasterDataDocument" && (root.Space == NSEPCISMasterData2 || root.Space == NSEPCISMasterData1):
		d.v12 = root.Space == NSEPCISMasterData1
	case root.Space == "" && isEventElement(root.Local):
		ev, err := d.eventAt(root, 0)
		if err != nil {
			return nil, err
		}
		doc.Events = []Event{ev}
		return doc, nil
	case root.Space == "" && root.Local == "extension" && len(root.Children) > 0:
		// A bare EPCIS 1.2 event inside its <extension> wrapper.
		for i, c := range flattenExtension(root.Children) {
			if c.Space != "" || !isEventElement(c.Local) {
				return nil, d.fail(c, "unknown event type <%s>", c.Local)
			}
			ev, err := d.eventAt(c, i)
			if err != nil {
				return nil, err
			}
			doc.Events = append(doc.Events, ev)
		}
		return doc, nil
	case root.Space == "" && root.Local == "VocabularyList":
		md, err := d.vocabularyList(root)
		if err != nil {
			return nil, err
		}
		doc.MasterData = md
		return doc, nil
	default:
		name := root.Local
		if root.Space != "" {
			name = "{" + root.Space + "}" + root.Local
		}
		return nil, d.wrap(root, fmt.Errorf("%w: root element %s is not EPCISDocument, EPCISQueryDocument, EPCISMasterDataDocument or an event", ErrNotEPCISDocument, name))
	}
	d.enter(root)
	defer d.leave()
	if v, ok := root.attr("schemaVersion"); ok {
		doc.SchemaVersion = v
	}
	if v, ok := root.attr("creationDate"); ok {
		t, err := parseXMLTime(v)
		if err != nil {
			return nil, d.fail(root, "creationDate: %v", err)
		}
		doc.CreationDate = t
	}
	var sawBody bool
	once := newOnceElements("EPCISHeader", "EPCISBody")
	for _, c := range root.Children {
		if err := once.check(d, c); err != nil {
			return nil, err
		}
		switch {
		case c.Space == "" && c.Local == "EPCISHeader":
			if err := d.header(doc, c); err != nil {
				return nil, err
			}
		case c.Space == "" && c.Local == "EPCISBody":
			sawBody = true
			if err := d.body(doc, c); err != nil {
				return nil, err
			}
		case c.Space == "" && c.Local == "extension":
			// EPCIS 1.2 document-level extension: nothing is defined there.
		case doc.Query != nil && c.Space == "" && (c.Local == "queryName" || c.Local == "subscriptionID" || c.Local == "resultsBody"):
			// Query results written without the EPCISBody/QueryResults
			// wrappers (seen in the GS1 event hash examples).
			sawBody = true
			if err := d.queryResults(doc, &xmlNode{Local: "QueryResults", Children: []*xmlNode{c}, Offset: c.Offset}); err != nil {
				return nil, err
			}
		case c.Space != "":
			// Document-level user extensions have no place in the model; they
			// are tolerated as the schema allows.
		default:
			return nil, d.fail(c, "unexpected element <%s>", c.Local)
		}
	}
	if !sawBody {
		return nil, d.fail(root, "missing EPCISBody")
	}
	return doc, nil
}

// onceElements are the child elements the schema allows at most once in
// an element, and those of them seen so far; check refuses the second of
// one. Two EPCISBody or EventList elements had both been read, while a
// consumer keeping the last (or the first) would see other events than the
// ledger. Elements are named by local name: no user extension of a known
// document repeats these names.
type onceElements struct{ names, seen []string }

func newOnceElements(names ...string) *onceElements { return &onceElements{names: names} }

func (o *onceElements) check(d *xmlDocDecoder, c *xmlNode) error {
	if !slices.Contains(o.names, c.Local) {
		return nil
	}
	if slices.Contains(o.seen, c.Local) {
		return d.fail(c, "element <%s> given twice", c.Local)
	}
	o.seen = append(o.seen, c.Local)
	return nil
}

// flattenExtension returns nodes with unqualified EPCIS 1.2 <extension>
// wrappers replaced by their children, recursively.
func flattenExtension(nodes []*xmlNode) []*xmlNode {
	wrapped := false
	for _, n := range nodes {
		if n.Space == "" && n.Local == "extension" {
			wrapped = true
			break
		}
	}
	if !wrapped {
		return nodes
	}
	out := make([]*xmlNode, 0, len(nodes))
	for _, n := range nodes {
		if n.Space == "" && n.Local == "extension" {
			out = append(out, flattenExtension(n.Children)...)
			continue
		}
		out = append(out, n)
	}
	return out
}

// body reads EPCISBody: an event list, a vocabulary list, query results, a
// query request; a query exception is an error.
func (d *xmlDocDecoder) body(doc *Document, n *xmlNode) error {
	d.enter(n)
	defer d.leave()
	once := newOnceElements("EventList", "VocabularyList", "QueryResults", "Poll")
	for _, c := range n.Children {
		if err := once.check(d, c); err != nil {
			return err
		}
		switch {
		case c.Local == "EventList" && c.Space == "":
			if err := d.eventList(doc, c); err != nil {
				return err
			}
		case c.Local == "VocabularyList" && c.Space == "":
			md, err := d.vocabularyList(c)
			if err != nil {
				return err
			}
			doc.MasterData = append(doc.MasterData, md...)
		case doc.Query != nil && c.Local == "QueryResults":
			if err := d.queryResults(doc, c); err != nil {
				return err
			}
		case doc.Query != nil && c.Local == "Poll":
			p, err := d.poll(c)
			if err != nil {
				return err
			}
			doc.Poll = p
			doc.Query = nil
		case doc.Query != nil && strings.HasSuffix(c.Local, "Exception"):
			reason := ""
			for _, cc := range c.Children {
				if cc.Local == "reason" {
					reason = cc.Text
				}
			}
			return d.wrap(c, fmt.Errorf("%w: %s: %s", ErrQueryException, c.Local, reason))
		case c.Space == "" && c.Local == "extension":
		default:
			return d.fail(c, "unexpected element <%s> in EPCISBody", c.Local)
		}
	}
	return nil
}

// eventList reads the events of an EventList, also inside 1.2 <extension>
// wrappers, within the event limit.
func (d *xmlDocDecoder) eventList(doc *Document, n *xmlNode) error {
	d.enter(n)
	defer d.leave()
	for _, c := range flattenExtension(n.Children) {
		if c.Space != "" || !isEventElement(c.Local) {
			if c.Local == "QuantityEvent" {
				return d.fail(c, "QuantityEvent (deprecated since EPCIS 1.2) is not supported")
			}
			return d.fail(c, "unknown event type <%s>", c.Local)
		}
		if len(doc.Events) >= d.lim.MaxEvents {
			return d.wrap(c, limitErr("number of events", int64(d.lim.MaxEvents)))
		}
		ev, err := d.eventAt(c, len(doc.Events))
		if err != nil {
			return err
		}
		doc.Events = append(doc.Events, ev)
	}
	return nil
}

func isEventElement(local string) bool {
	switch EventType(local) {
	case ObjectEventType, AggregationEventType, TransactionEventType, TransformationEventType, AssociationEventType:
		return true
	}
	return false
}

// parseXMLTime parses an xsd:dateTime. A time zone is required, as EPCIS
// requires one for every timestamp.
func parseXMLTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// Lenient: seconds left out ("2006-11-07T13:00Z").
		if t2, err2 := time.Parse("2006-01-02T15:04Z07:00", s); err2 == nil {
			return t2, nil
		}
		return time.Time{}, fmt.Errorf("invalid date-time %q (want e.g. 2024-03-01T10:00:00.000+01:00)", s)
	}
	return t, nil
}

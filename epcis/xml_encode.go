package epcis

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EncodeXML writes d as an EPCIS 2.0 XML document: an EPCISDocument, or an
// EPCISQueryDocument when d.Query or d.Poll is set. CBV values are written as
// URNs (urn:epcglobal:cbv:...), sensor vocabulary values as gs1 web URIs, and
// identifiers as they are in the model. Unqualified extension elements (which
// only EPCIS 1.2 wrappers admit) are written inside an <extension> element.
// An extension whose name XML cannot carry (as JSON-LD keys can be) is an
// error; what was written before it is then incomplete output.
func EncodeXML(w io.Writer, d *Document) error {
	return encodeXMLVersion(w, d, false, XMLOptions{})
}

// XMLOptions choose how EncodeXMLWith writes what EPCIS XML leaves open.
type XMLOptions struct {
	// CBVWebURIs writes standard CBV values (bizStep, disposition, business
	// transaction, source and destination types, error reasons, persistent
	// dispositions) as web URIs (https://ref.gs1.org/cbv/BizStep-shipping)
	// instead of URNs (urn:epcglobal:cbv:bizstep:shipping), as the REST
	// binding's GS1-CBV-XML-Format: Always_Web_URI asks. Sensor vocabulary
	// values are web URIs either way: they have no URN form.
	CBVWebURIs bool
}

// EncodeXMLWith writes d as an EPCIS 2.0 XML document, as EncodeXML does,
// with the choices of opts.
func EncodeXMLWith(w io.Writer, d *Document, opts XMLOptions) error {
	return encodeXMLVersion(w, d, false, opts)
}

// EncodeXML12 writes d as an EPCIS 1.2 XML document. What EPCIS 1.2 has no
// element for is not dropped and is not an error: it is written the way GS1's
// EPCIS 2.0 standard and the openepcis converters carry 2.0 data in 1.2, inside
// the extension points the 1.2 schema leaves open:
//   - eventID and errorDeclaration go into <baseExtension>;
//   - quantity lists, source/destination lists and ILMD go into the event's
//     <extension>; sensorElementList, persistentDisposition and
//     certificationInfo into the nested <extension><extension> (the 1.2 XSD
//     admits any unqualified element there);
//   - a TransformationEvent is wrapped in <extension> inside the EventList, an
//     AssociationEvent in <extension><extension>.
//
// DecodeXML reads all of these back, so the round trip keeps the model.
func EncodeXML12(w io.Writer, d *Document) error {
	return encodeXMLVersion(w, d, true, XMLOptions{})
}

func encodeXMLVersion(w io.Writer, d *Document, v12 bool, opts XMLOptions) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	e := &xmlEncoder{w: bw, v12: v12, cbvWeb: opts.CBVWebURIs}
	e.assignPrefixes(d)
	if err := e.document(d); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write epcis xml: %w", err)
	}
	return nil
}

// xmlEncoder writes one document. It writes text directly (encoding/xml's
// Encoder would not let us choose prefixes).
type xmlEncoder struct {
	w        *bufio.Writer
	v12      bool
	cbvWeb   bool              // standard CBV values as web URIs, not URNs (XMLOptions)
	prefixes map[string]string // namespace URI -> prefix
	decls    []nsBinding       // declared on the root element, sorted by prefix
	// err is the first extension name XML cannot carry; the output is then
	// discarded by the caller.
	err error
}

// cbv writes a CBV value of kind: its URN, or its web URI when the
// encoder was asked for those; a value that is no standard CBV value (a
// URI of its own) as it is.
func (e *xmlEncoder) cbv(kind CBVKind, short string) string {
	if e.cbvWeb {
		return CBVWebURI(kind, short)
	}
	return CBVURN(kind, short)
}

// reservedPrefixes are written by the encoder itself.
var reservedPrefixes = map[string]bool{"epcis": true, "epcisq": true, "sbdh": true, "xml": true, "xmlns": true}

// assignPrefixes chooses one prefix per namespace used by an extension: the
// document's own prefix when it declared one, a generated ns1, ns2, ...
// otherwise.
func (e *xmlEncoder) assignPrefixes(d *Document) {
	e.prefixes = map[string]string{xmlNamespaceURI: "xml", NSSBDH: "sbdh"}
	taken := map[string]bool{}
	for p := range reservedPrefixes {
		taken[p] = true
	}
	keys := make([]string, 0, len(d.Namespaces))
	for p := range d.Namespaces {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	for _, p := range keys {
		uri := e.space(d.Namespaces[p])
		if taken[p] || !validPrefix(p) || isEPCISNamespace(uri) {
			continue
		}
		if _, ok := e.prefixes[uri]; ok {
			continue
		}
		e.prefixes[uri] = p
		taken[p] = true
		e.decls = append(e.decls, nsBinding{p, uri})
	}
	next := 1
	use := func(uri string) {
		if uri == "" {
			return
		}
		uri = e.space(uri)
		if _, ok := e.prefixes[uri]; ok {
			return
		}
		for taken["ns"+strconv.Itoa(next)] {
			next++
		}
		p := "ns" + strconv.Itoa(next)
		if uri == cbvMDAXML && !taken["cbvmda"] {
			p = "cbvmda" // the prefix GS1's documents use
		}
		taken[p] = true
		e.prefixes[uri] = p
		e.decls = append(e.decls, nsBinding{p, uri})
	}
	walkDocumentElements(d, func(el *Element) {
		use(el.Space)
		for _, a := range el.Attrs {
			use(a.Space)
		}
	})
	sort.Slice(e.decls, func(i, j int) bool { return e.decls[i].prefix < e.decls[j].prefix })
}

func validPrefix(p string) bool {
	if p == "" || strings.HasPrefix(strings.ToLower(p), "xml") {
		return false
	}
	for i, r := range p {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && (r == '-' || r == '.' || (r >= '0' && r <= '9')))
		if !ok {
			return false
		}
	}
	return true
}

// walkDocumentElements calls f for every extension Element in d, at any depth.
func walkDocumentElements(d *Document, f func(*Element)) {
	var walk func(els []Element)
	walk = func(els []Element) {
		for i := range els {
			f(&els[i])
			walk(els[i].Children)
		}
	}
	walk(d.HeaderExtensions)
	for _, v := range d.MasterData {
		for _, ve := range v.Elements {
			for _, a := range ve.Attributes {
				walk(a.Elements)
			}
		}
	}
	for i := range d.Events {
		ev := &d.Events[i]
		walk(ev.Extensions)
		walk(ev.ILMD)
		walk(ev.ReadPointExtensions)
		walk(ev.BizLocationExtensions)
		if ev.ErrorDeclaration != nil {
			walk(ev.ErrorDeclaration.Extensions)
		}
		for _, se := range ev.SensorElementList {
			walk(se.Extensions)
			if se.Metadata != nil {
				walk(se.Metadata.Extensions)
			}
			for _, r := range se.Reports {
				walk(r.Extensions)
			}
		}
	}
}

func (e *xmlEncoder) str(s string) { e.w.WriteString(s) }

// text writes escaped character data.
func (e *xmlEncoder) text(s string) { _ = xml.EscapeText(e.w, []byte(s)) }

// attr writes ` name="value"` with value escaped.
func (e *xmlEncoder) attr(name, value string) {
	e.str(" ")
	e.str(name)
	e.str(`="`)
	e.text(value)
	e.str(`"`)
}

// leaf writes <name>value</name>; nothing when value is empty.
func (e *xmlEncoder) leaf(name, value string) {
	if value == "" {
		return
	}
	e.str("<" + name + ">")
	e.text(value)
	e.str("</" + name + ">")
}

// item writes <name>value</name> even when value is empty: an entry of a
// list, whose presence matters.
func (e *xmlEncoder) item(name, value string) {
	e.str("<" + name + ">")
	e.text(value)
	e.str("</" + name + ">")
}

func (e *xmlEncoder) open(name string)  { e.str("<" + name + ">") }
func (e *xmlEncoder) close(name string) { e.str("</" + name + ">") }

func xmlTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

func (e *xmlEncoder) document(d *Document) error {
	e.str(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	ns, qns, version := NSEPCIS2, NSEPCISQuery2, "2.0"
	if e.v12 {
		ns, qns, version = NSEPCIS1, NSEPCISQuery1, "1.2"
	}
	root := "epcis:EPCISDocument"
	isQuery := d.Query != nil || d.Poll != nil
	if isQuery {
		root = "epcisq:EPCISQueryDocument"
	}
	e.str("<" + root)
	if isQuery {
		e.attr("xmlns:epcisq", qns)
	}
	e.attr("xmlns:epcis", ns)
	sbdh := d.SBDH
	if sbdh == nil {
		sbdh = sbdhFromHeaderFields(d, version)
	}
	if sbdh != nil {
		e.attr("xmlns:sbdh", NSSBDH)
	}
	for _, b := range e.decls {
		e.attr("xmlns:"+b.prefix, b.uri)
	}
	e.attr("schemaVersion", version)
	if !d.CreationDate.IsZero() {
		e.attr("creationDate", xmlTime(d.CreationDate))
	}
	e.str(">\n")
	if sbdh != nil || len(d.MasterData) > 0 || len(d.HeaderExtensions) > 0 {
		e.header(d, sbdh)
	}
	e.open("EPCISBody")
	switch {
	case d.Poll != nil:
		e.poll(d.Poll)
	case d.Query != nil:
		e.open("epcisq:QueryResults")
		e.leaf("queryName", d.Query.QueryName)
		e.leaf("subscriptionID", d.Query.SubscriptionID)
		e.open("resultsBody")
		if err := e.eventList(d.Events); err != nil {
			return err
		}
		e.close("resultsBody")
		e.close("epcisq:QueryResults")
	default:
		if err := e.eventList(d.Events); err != nil {
			return err
		}
	}
	e.close("EPCISBody")
	e.str("\n</" + root + ">\n")
	return e.err
}

// isXMLLocalName reports whether s is an XML name without a prefix (ASCII
// rules; any non-ASCII letter is accepted).
func isXMLLocalName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80, c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c == '-' || c == '.' || (c >= '0' && c <= '9')):
		default:
			return false
		}
	}
	return true
}

// sbdhFromHeaderFields builds the SBDH XML needs to carry a document's
// sender, receiver and instance identifier (JSON-LD has them as plain
// fields), or returns nil when the document has none of them.
func sbdhFromHeaderFields(d *Document, version string) *SBDH {
	if d.Sender == "" && d.Receiver == "" && d.InstanceIdentifier == "" {
		return nil
	}
	s := &SBDH{HeaderVersion: "1.0", Standard: "EPCglobal", TypeVersion: version, Type: "Events",
		InstanceID: d.InstanceIdentifier, CreationDate: d.CreationDate}
	if d.Sender != "" {
		s.Sender = []SBDHParty{{Identifier: d.Sender}}
	}
	if d.Receiver != "" {
		s.Receiver = []SBDHParty{{Identifier: d.Receiver}}
	}
	return s
}

func (e *xmlEncoder) header(d *Document, sbdh *SBDH) {
	e.open("EPCISHeader")
	if s := sbdh; s != nil {
		e.open("sbdh:StandardBusinessDocumentHeader")
		e.leaf("sbdh:HeaderVersion", s.HeaderVersion)
		e.sbdhParties("sbdh:Sender", s.Sender)
		e.sbdhParties("sbdh:Receiver", s.Receiver)
		e.open("sbdh:DocumentIdentification")
		e.leaf("sbdh:Standard", s.Standard)
		e.leaf("sbdh:TypeVersion", s.TypeVersion)
		e.leaf("sbdh:InstanceIdentifier", s.InstanceID)
		e.leaf("sbdh:Type", s.Type)
		if !s.CreationDate.IsZero() {
			e.leaf("sbdh:CreationDateAndTime", xmlTime(s.CreationDate))
		}
		e.close("sbdh:DocumentIdentification")
		e.close("sbdh:StandardBusinessDocumentHeader")
	}
	if len(d.MasterData) > 0 {
		e.open("extension")
		e.open("EPCISMasterData")
		e.vocabularyList(d.MasterData)
		e.close("EPCISMasterData")
		e.close("extension")
	}
	e.elements(d.HeaderExtensions)
	e.close("EPCISHeader")
}

func (e *xmlEncoder) sbdhParties(name string, ps []SBDHParty) {
	for _, p := range ps {
		e.open(name)
		e.str("<sbdh:Identifier")
		if p.Authority != "" {
			e.attr("Authority", p.Authority)
		}
		e.str(">")
		e.text(p.Identifier)
		e.str("</sbdh:Identifier>")
		if p.Contact != "" {
			e.open("sbdh:ContactInformation")
			e.leaf("sbdh:Contact", p.Contact)
			e.close("sbdh:ContactInformation")
		}
		e.close(name)
	}
}

func (e *xmlEncoder) vocabularyList(vs []Vocabulary) {
	e.open("VocabularyList")
	for _, v := range vs {
		e.str("<Vocabulary")
		e.attr("type", v.Type)
		e.str("><VocabularyElementList>")
		for _, ve := range v.Elements {
			e.str("<VocabularyElement")
			e.attr("id", ve.ID)
			e.str(">")
			for _, a := range ve.Attributes {
				e.str("<attribute")
				e.attr("id", a.ID)
				e.str(">")
				if len(a.Elements) > 0 {
					e.elements(a.Elements)
				} else {
					e.text(a.Value)
				}
				e.str("</attribute>")
			}
			if len(ve.Children) > 0 {
				e.open("children")
				for _, c := range ve.Children {
					e.item("id", c)
				}
				e.close("children")
			}
			e.str("</VocabularyElement>")
		}
		e.str("</VocabularyElementList></Vocabulary>")
	}
	e.close("VocabularyList")
}

func (e *xmlEncoder) poll(p *Poll) {
	e.open("epcisq:Poll")
	e.leaf("queryName", p.QueryName)
	e.open("params")
	for _, qp := range p.Params {
		e.open("param")
		e.leaf("name", qp.Name)
		if len(qp.Values) == 1 {
			e.open("value")
			e.text(qp.Values[0])
			e.close("value")
		} else {
			e.str(`<value xmlns:xsi="` + NSXSI + `" xsi:type="epcisq:ArrayOfString">`)
			for _, v := range qp.Values {
				e.open("string")
				e.text(v)
				e.close("string")
			}
			e.close("value")
		}
		e.close("param")
	}
	e.close("params")
	e.close("epcisq:Poll")
}

// elements writes user extension elements with the prefixes chosen by
// assignPrefixes.
func (e *xmlEncoder) elements(els []Element) {
	for i := range els {
		e.element(&els[i])
	}
}

func (e *xmlEncoder) qname(space, local string) string {
	if !isXMLLocalName(local) && e.err == nil {
		e.err = fmt.Errorf("encode epcis xml: extension name %q is not an XML name", local)
	}
	if space == "" {
		return local
	}
	return e.prefixes[e.space(space)] + ":" + local
}

// space is the namespace an element is written in. EPCIS 1.2 names the CBV
// master data namespace urn:epcglobal:cbv:mda (its schemas, every 1.2
// example, the GS1 US guideline), so a 1.2 receiver matching it finds lot
// and expiry. 2.0 XML keeps the namespace as decoded: the event hash takes
// it literally, and the JSON-LD context's urn:epcglobal:cbv:mda: written
// otherwise would give the event another hash ID.
func (e *xmlEncoder) space(ns string) string {
	if e.v12 {
		return xmlSpace(ns)
	}
	return ns
}

func (e *xmlEncoder) element(el *Element) {
	name := e.qname(el.Space, el.Local)
	e.str("<" + name)
	for _, a := range el.Attrs {
		e.attr(e.qname(a.Space, a.Local), a.Value)
	}
	if el.Text == "" && len(el.Children) == 0 {
		e.str("/>")
		return
	}
	e.str(">")
	if len(el.Children) > 0 {
		e.elements(el.Children)
	} else {
		e.text(el.Text)
	}
	e.str("</" + name + ">")
}

// splitUnqualified separates extension elements without a namespace (written
// inside <extension>) from namespaced ones.
func splitUnqualified(els []Element) (qualified, unqualified []Element) {
	for _, el := range els {
		if el.Space == "" {
			unqualified = append(unqualified, el)
		} else {
			qualified = append(qualified, el)
		}
	}
	return qualified, unqualified
}

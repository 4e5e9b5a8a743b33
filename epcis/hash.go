package epcis

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"time"
)

// HashID returns the event's GS1 event hash ID (CBV 2.0, section 8.9):
// ni:///sha-256;<hex>?ver=CBV2.0, the SHA-256 of the canonical pre-hash
// string (see PreHash). Two captures of the same event, in any syntax, with
// any namespace prefixes, field order, time zone notation or identifier form
// (EPC URN or Digital Link), get the same ID.
func HashID(e *Event) (string, error) {
	return HashOptions{}.HashID(e)
}

// PreHash returns the canonical string HashID hashes, for debugging.
func PreHash(e *Event) (string, error) {
	return HashOptions{}.PreHash(e)
}

// HashOptions tune the hash for repositories that add their own fields to
// events they store.
type HashOptions struct {
	// Ignore lists user extension fields (top-level event fields) that do not
	// take part in the hash, e.g. a repository's own capture ID.
	Ignore []Name
}

// Name is a namespaced field name.
type Name struct {
	Space, Local string
}

// HashID is HashID with options.
func (o HashOptions) HashID(e *Event) (string, error) {
	pre, err := o.PreHash(e)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(pre))
	var buf [len("ni:///sha-256;") + 2*sha256.Size + len("?ver=CBV2.0")]byte
	n := copy(buf[:], "ni:///sha-256;")
	hex.Encode(buf[n:], sum[:])
	copy(buf[n+2*sha256.Size:], "?ver=CBV2.0")
	return string(buf[:]), nil
}

var errNoEventType = errors.New("event has no type")

// PreHash is PreHash with options.
//
// The canonical form follows the CBV 2.0 algorithm and reproduces its
// reference implementation: "eventType=" and then the fields in a fixed
// order (eventTime, eventTimeZoneOffset, certificationInfo, parentID,
// epcList, inputEPCList, childEPCs, quantityList, childQuantityList,
// inputQuantityList, outputEPCList, outputQuantityList, action,
// transformationID, bizStep, disposition, persistentDisposition, readPoint,
// bizLocation, sensorElementList) as name=value with no separators, where
// repeated values are sorted; then the remaining fields (bizTransactionList,
// sourceList, destinationList, ilmd and user extensions) each as one string,
// sorted. eventID, recordTime, errorDeclaration and comments do not count.
// Timestamps are UTC with milliseconds, EPC URNs and Digital Links become
// canonical https://id.gs1.org Digital Links, CBV values become their web
// URIs, numbers lose insignificant zeros, and extension names are written
// {namespace}local.
func (o HashOptions) PreHash(e *Event) (string, error) {
	if e.Type == "" {
		return "", errNoEventType
	}
	h := hasher{opts: o}
	b := &h.b
	b.Grow(256 + 64*(len(e.EPCList)+len(e.ChildEPCs)+len(e.InputEPCList)+len(e.OutputEPCList)))
	b.WriteString("eventType=")
	b.WriteString(string(e.Type))
	if !e.EventTime.IsZero() {
		b.WriteString("eventTime=")
		b.WriteString(hashTime(e.EventTime))
	}
	h.field("eventTimeZoneOffset", e.EventTimeZoneOffset)
	h.sortedValues("", "certificationInfo", e.CertificationInfo)
	h.field("parentID", e.ParentID)
	h.sortedValues("epcList", "epc", e.EPCList)
	h.sortedValues("inputEPCList", "epc", e.InputEPCList)
	h.sortedValues("childEPCs", "epc", e.ChildEPCs)
	h.quantities("quantityList", e.QuantityList)
	h.quantities("childQuantityList", e.ChildQuantityList)
	h.quantities("inputQuantityList", e.InputQuantityList)
	h.sortedValues("outputEPCList", "epc", e.OutputEPCList)
	h.quantities("outputQuantityList", e.OutputQuantityList)
	h.field("action", string(e.Action))
	h.field("transformationID", e.TransformationID)
	h.field("bizStep", vocabURI(BizStep, e.BizStep))
	h.field("disposition", vocabURI(Disposition, e.Disposition))
	if p := e.PersistentDisposition; p != nil {
		set := h.valueStrings("set", p.Set, Disposition)
		unset := h.valueStrings("unset", p.Unset, Disposition)
		if len(set)+len(unset) > 0 {
			b.WriteString("persistentDisposition")
			writeAll(b, set)
			writeAll(b, unset)
		}
	}
	h.location("readPoint", e.ReadPoint, e.ReadPointExtensions)
	h.location("bizLocation", e.BizLocation, e.BizLocationExtensions)
	h.sensorElements(e.SensorElementList)

	// The rest, each as one string, sorted among themselves.
	rest := h.leftovers
	if s := h.typedList("bizTransactionList", "bizTransaction", BizTransactionType, bizTransactionPairs(e.BizTransactionList)); s != "" {
		rest = append(rest, s)
	}
	if s := h.typedList("sourceList", "source", SourceDestType, sourceDestPairs(e.SourceList)); s != "" {
		rest = append(rest, s)
	}
	if s := h.typedList("destinationList", "destination", SourceDestType, sourceDestPairs(e.DestinationList)); s != "" {
		rest = append(rest, s)
	}
	if len(e.ILMD) > 0 {
		if s := "ilmd" + h.elements(e.ILMD); s != "ilmd" {
			rest = append(rest, s)
		}
	}
	for i := range e.Extensions {
		el := &e.Extensions[i]
		if h.ignored(el) {
			continue
		}
		rest = append(rest, h.element(el))
	}
	sort.Strings(rest)
	writeAll(b, rest)
	return b.String(), nil
}

// hasher builds one pre-hash string.
type hasher struct {
	b    strings.Builder
	opts HashOptions
	// leftovers are fields outside the reference order, hashed at the end.
	leftovers []string
}

func writeAll(b *strings.Builder, parts []string) {
	for _, p := range parts {
		b.WriteString(p)
	}
}

// field writes name=canonical(value) when value is not empty.
func (h *hasher) field(name, value string) {
	v := canonicalValue(value)
	if v == "" {
		return
	}
	h.b.WriteString(name)
	h.b.WriteByte('=')
	h.b.WriteString(v)
}

// sortedValues writes list (when it has a value) followed by item=value for
// each value, sorted.
func (h *hasher) sortedValues(list, item string, values []string) {
	if len(values) == 0 {
		return
	}
	// All entries start with item=, so sorting the values sorts the entries.
	canon := make([]string, 0, len(values))
	for _, v := range values {
		if c := canonicalValue(v); c != "" {
			canon = append(canon, c)
		}
	}
	if len(canon) == 0 {
		return
	}
	sort.Strings(canon)
	h.b.WriteString(list)
	for _, c := range canon {
		h.b.WriteString(item)
		h.b.WriteByte('=')
		h.b.WriteString(c)
	}
}

// valueStrings returns item=value for each non-empty value, sorted; CBV
// values of kind become web URIs.
func (h *hasher) valueStrings(item string, values []string, kind CBVKind) []string {
	if len(values) == 0 {
		return nil
	}
	parts := make([]string, 0, len(values))
	for _, v := range values {
		if kind != 0 {
			v = vocabURI(kind, v)
		}
		if c := canonicalValue(v); c != "" {
			parts = append(parts, item+"="+c)
		}
	}
	sort.Strings(parts)
	return parts
}

func (h *hasher) quantities(list string, qs []QuantityElement) {
	if len(qs) == 0 {
		return
	}
	parts := make([]string, 0, len(qs))
	for _, q := range qs {
		var s strings.Builder
		if c := canonicalValue(q.EPCClass); c != "" {
			s.WriteString("epcClass=")
			s.WriteString(c)
		}
		if q.Quantity != nil {
			s.WriteString("quantity=")
			s.WriteString(formatNumber(*q.Quantity))
		}
		if c := canonicalValue(q.UOM); c != "" {
			s.WriteString("uom=")
			s.WriteString(c)
		}
		if s.Len() > 0 {
			parts = append(parts, "quantityElement"+s.String())
		}
	}
	if len(parts) == 0 {
		return
	}
	sort.Strings(parts)
	h.b.WriteString(list)
	writeAll(&h.b, parts)
}

// location writes readPoint/bizLocation: its id, then its extensions sorted.
func (h *hasher) location(name, id string, ext []Element) {
	c := canonicalValue(id)
	exts := h.elements(ext)
	if c == "" && exts == "" {
		return
	}
	h.b.WriteString(name)
	if c != "" {
		h.b.WriteString("id=")
		h.b.WriteString(c)
	}
	h.b.WriteString(exts)
}

type typedPair struct{ typ, value string }

func bizTransactionPairs(l []BizTransaction) []typedPair {
	out := make([]typedPair, len(l))
	for i, bt := range l {
		out[i] = typedPair{bt.Type, bt.Value}
	}
	return out
}

func sourceDestPairs(l []SourceDest) []typedPair {
	out := make([]typedPair, len(l))
	for i, sd := range l {
		out[i] = typedPair{sd.Type, sd.Value}
	}
	return out
}

// typedList returns bizTransactionList/sourceList/destinationList: each entry
// type=...<item>=..., the entries sorted.
func (h *hasher) typedList(list, item string, kind CBVKind, pairs []typedPair) string {
	if len(pairs) == 0 {
		return ""
	}
	parts := make([]string, 0, len(pairs))
	var s strings.Builder
	for _, p := range pairs {
		s.Reset()
		if t := canonicalValue(vocabURI(kind, p.typ)); t != "" {
			s.WriteString("type=")
			s.WriteString(t)
		}
		if v := canonicalValue(p.value); v != "" {
			s.WriteString(item)
			s.WriteByte('=')
			s.WriteString(v)
		}
		if s.Len() > 0 {
			parts = append(parts, s.String())
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	n := len(list)
	for _, p := range parts {
		n += len(p)
	}
	s.Reset()
	s.Grow(n)
	s.WriteString(list)
	writeAll(&s, parts)
	return s.String()
}

func valueField(s *strings.Builder, name, value string) {
	if v := canonicalValue(value); v != "" {
		s.WriteString(name)
		s.WriteByte('=')
		s.WriteString(v)
	}
}

func timeField(s *strings.Builder, name string, t *time.Time) {
	if t == nil || t.IsZero() {
		return
	}
	s.WriteString(name)
	s.WriteByte('=')
	s.WriteString(hashTime(*t))
}

func numberField(s *strings.Builder, name string, f *float64) {
	if f == nil {
		return
	}
	s.WriteString(name)
	s.WriteByte('=')
	s.WriteString(formatNumber(*f))
}

// elements returns the canonical form of a list of extension elements: each
// element's string, sorted, concatenated.
func (h *hasher) elements(els []Element) string {
	switch len(els) {
	case 0:
		return ""
	case 1:
		if h.ignored(&els[0]) {
			return ""
		}
		return h.element(&els[0])
	}
	parts := make([]string, 0, len(els))
	for i := range els {
		if !h.ignored(&els[i]) {
			parts = append(parts, h.element(&els[i]))
		}
	}
	if !hasTypedChild(els) {
		sort.Strings(parts)
	}
	return strings.Join(parts, "")
}

// hasTypedChild reports whether els holds a bizTransaction, source or
// destination element, whose type/value order the reference keeps.
func hasTypedChild(els []Element) bool {
	for i := range els {
		if els[i].Space == "" {
			switch els[i].Local {
			case "bizTransaction", "source", "destination":
				return true
			}
		}
	}
	return false
}

// element returns {namespace}local=value followed by its children.
func (h *hasher) element(el *Element) string {
	var s strings.Builder
	if el.Space != "" {
		s.WriteByte('{')
		s.WriteString(el.Space)
		s.WriteByte('}')
	}
	s.WriteString(el.Local)
	if v := canonicalValue(el.Text); v != "" {
		s.WriteByte('=')
		s.WriteString(v)
	}
	if !hasHashedAttr(el.Attrs) {
		s.WriteString(h.elements(el.Children))
		return s.String()
	}
	// XML attributes count like child elements, except the XML Schema
	// instance attributes (see hashedAttr).
	kids := make([]Element, 0, len(el.Attrs)+len(el.Children))
	for _, a := range el.Attrs {
		if hashedAttr(a) {
			kids = append(kids, Element{Space: a.Space, Local: a.Local, Text: a.Value})
		}
	}
	kids = append(kids, el.Children...)
	s.WriteString(h.elements(kids))
	return s.String()
}

// hashedAttr reports whether an XML attribute of an extension element takes
// part in the hash. The algorithm hashes an extension's name, value and
// children; an attribute in the XML Schema instance namespace (xsi:type,
// xsi:nil, xsi:schemaLocation) is an instruction to the XML schema
// processor about the element, not event data, and JSON-LD cannot carry it,
// so it does not count: the same event must hash alike in both syntaxes.
func hashedAttr(a Attr) bool {
	return a.Space != NSXSI
}

// hasHashedAttr reports whether any of attrs takes part in the hash.
func hasHashedAttr(attrs []Attr) bool {
	for _, a := range attrs {
		if hashedAttr(a) {
			return true
		}
	}
	return false
}

// vocabURI is the pre-hash form of a CBV-valued field: the web URI of a
// standard value in any of its forms (see ShortCBV), a CURIE of the standard
// cbv: or gs1: vocabularies expanded, anything else as written.
func vocabURI(kind CBVKind, v string) string {
	if IsStandardCBV(kind, v) {
		return CBVWebURI(kind, v)
	}
	if short := ShortCBV(kind, v); short != v && IsStandardCBV(kind, short) {
		return CBVWebURI(kind, short)
	}
	switch {
	case strings.HasPrefix(v, "cbv:"):
		return cbvWebPrefix + v[len("cbv:"):]
	case strings.HasPrefix(v, "gs1:"):
		return gs1VocPrefix + v[len("gs1:"):]
	}
	return v
}

func (h *hasher) ignored(el *Element) bool {
	if el.Space == standardPrefixes["rdfs"] && el.Local == "comment" {
		return true // comments never count
	}
	for _, n := range h.opts.Ignore {
		if n.Space == el.Space && n.Local == el.Local {
			return true
		}
	}
	return false
}

package epcis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// EncodeJSON writes d as an EPCIS 2.0 JSON-LD document: an EPCISDocument,
// or an EPCISQueryDocument when d.Query is set. The @context names the
// standard EPCIS context and declares a prefix for every extension
// namespace (the document's own prefixes from d.Namespaces where it has
// them). CBV values are written in their short form when standard.
// Attributes of extension elements (an XML-only notion) are written as
// child fields.
func EncodeJSON(w io.Writer, d *Document) error {
	enc := &jsonEncoder{}
	if err := enc.document(d); err != nil {
		return err
	}
	if _, err := w.Write(enc.b.Bytes()); err != nil {
		return fmt.Errorf("write epcis json: %w", err)
	}
	return nil
}

type jsonEncoder struct {
	b        bytes.Buffer
	prefixOf map[string]string // namespace -> prefix
	declared [][2]string       // prefix, namespace, for @context
	err      error
}

var errNotFinite = errors.New("number is not finite; JSON cannot carry it")

func (e *jsonEncoder) document(d *Document) error {
	e.assignPrefixes(d)
	e.b.WriteString(`{"@context":[`)
	e.str(StandardContextURL)
	if len(e.declared) > 0 {
		e.b.WriteString(",{")
		for i, p := range e.declared {
			if i > 0 {
				e.b.WriteByte(',')
			}
			e.str(p[0])
			e.b.WriteByte(':')
			e.str(p[1])
		}
		e.b.WriteByte('}')
	}
	e.b.WriteString("]")
	if d.Query != nil {
		e.member("type", "EPCISQueryDocument")
	} else {
		e.member("type", "EPCISDocument")
	}
	version := d.SchemaVersion
	if version == "" || version[0] == '1' {
		version = "2.0"
	}
	e.member("schemaVersion", version)
	if !d.CreationDate.IsZero() {
		e.member("creationDate", jsonTime(d.CreationDate))
	}
	instance := d.InstanceIdentifier
	if instance == "" && d.SBDH != nil {
		instance = d.SBDH.InstanceID
	}
	e.optMember("instanceIdentifier", instance)
	sender, receiver := d.Sender, d.Receiver
	if d.SBDH != nil {
		// An XML document names its parties in the SBDH only.
		if sender == "" && len(d.SBDH.Sender) > 0 {
			sender = d.SBDH.Sender[0].Identifier
		}
		if receiver == "" && len(d.SBDH.Receiver) > 0 {
			receiver = d.SBDH.Receiver[0].Identifier
		}
	}
	e.optMember("sender", sender)
	e.optMember("receiver", receiver)
	if len(d.MasterData) > 0 || len(d.HeaderExtensions) > 0 {
		e.key("epcisHeader")
		e.b.WriteByte('{')
		first := true
		if len(d.MasterData) > 0 {
			e.b.WriteString(`"epcisMasterData":{"vocabularyList":`)
			e.vocabularies(d.MasterData)
			e.b.WriteByte('}')
			first = false
		}
		e.elementMembers(d.HeaderExtensions, first)
		e.b.WriteByte('}')
	}
	e.key("epcisBody")
	if d.Query != nil {
		e.b.WriteString(`{"queryResults":{`)
		e.str("queryName")
		e.b.WriteByte(':')
		e.str(d.Query.QueryName)
		e.optMember("subscriptionID", d.Query.SubscriptionID)
		e.b.WriteString(`,"resultsBody":{"eventList":`)
		e.events(d.Events)
		e.b.WriteString("}}}")
	} else {
		e.b.WriteString(`{"eventList":`)
		e.events(d.Events)
		e.b.WriteByte('}')
	}
	e.b.WriteString("}\n")
	return e.err
}

// assignPrefixes picks a prefix for every namespace the document's
// extensions use: the standard prefix, the document's own, or a new nsN.
func (e *jsonEncoder) assignPrefixes(d *Document) {
	e.prefixOf = map[string]string{}
	taken := map[string]bool{}
	for p, ns := range standardPrefixes {
		e.prefixOf[ns] = p
		taken[p] = true
	}
	docPrefixes := make([]string, 0, len(d.Namespaces))
	for p := range d.Namespaces {
		docPrefixes = append(docPrefixes, p)
	}
	sort.Strings(docPrefixes)
	for _, p := range docPrefixes {
		ns := d.Namespaces[p]
		if taken[p] || !validJSONPrefix(p) {
			continue
		}
		if _, has := e.prefixOf[ns]; has {
			continue
		}
		e.prefixOf[ns] = p
		taken[p] = true
		e.declared = append(e.declared, [2]string{p, ns})
	}
	var used []string
	walkDocumentElements(d, func(el *Element) {
		for _, space := range append([]string{el.Space}, attrSpaces(el)...) {
			if space != "" {
				if _, has := e.prefixOf[space]; !has {
					used = append(used, space)
					e.prefixOf[space] = "" // placeholder, named below
				}
			}
		}
	})
	sort.Strings(used)
	n := 1
	for _, ns := range used {
		p := "ns" + strconv.Itoa(n)
		for taken[p] {
			n++
			p = "ns" + strconv.Itoa(n)
		}
		taken[p] = true
		e.prefixOf[ns] = p
		e.declared = append(e.declared, [2]string{p, ns})
	}
}

func attrSpaces(el *Element) []string {
	var out []string
	for _, a := range el.Attrs {
		out = append(out, a.Space)
	}
	return out
}

// validJSONPrefix reports whether p can be a JSON-LD prefix here.
func validJSONPrefix(p string) bool {
	if p == "" || p[0] == '@' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c == ':' || c == '/' || c == '#' || c <= ' ' {
			return false
		}
	}
	return true
}

// Low-level writing.

func (e *jsonEncoder) str(s string) { writeDocString(&e.b, s) }

func (e *jsonEncoder) key(k string) {
	e.b.WriteByte(',')
	e.str(k)
	e.b.WriteByte(':')
}

func (e *jsonEncoder) member(k, v string) {
	e.key(k)
	e.str(v)
}

func (e *jsonEncoder) optMember(k, v string) {
	if v != "" {
		e.member(k, v)
	}
}

func (e *jsonEncoder) number(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if e.err == nil {
			e.err = errNotFinite
		}
		e.b.WriteString("0")
		return
	}
	e.b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
}

func (e *jsonEncoder) strings(list []string) {
	e.b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			e.b.WriteByte(',')
		}
		e.str(s)
	}
	e.b.WriteByte(']')
}

func jsonTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// writeDocString writes s as a JSON string for EPCIS documents. Unlike
// AppendJSONString it leaves <, > and & unescaped, so converted documents (URIs
// with query strings) stay readable; both are valid JSON for the same string.
func writeDocString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

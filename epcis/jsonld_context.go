package epcis

import (
	"errors"
	"fmt"
	"strings"
)

// StandardContextURL is the EPCIS 2.0 JSON-LD context that EncodeJSON writes
// first in every @context.
const StandardContextURL = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"

// standardPrefixes are the prefixes the standard EPCIS context defines; a
// document does not need to declare them.
var standardPrefixes = map[string]string{
	"epcis":   "https://ref.gs1.org/epcis/",
	"cbv":     "https://ref.gs1.org/cbv/",
	"cbvmda":  "urn:epcglobal:cbv:mda:",
	"gs1":     "https://gs1.org/voc/",
	"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
	"owl":     "http://www.w3.org/2002/07/owl#",
	"xsd":     "http://www.w3.org/2001/XMLSchema#",
	"dcterms": "http://purl.org/dc/terms/",
}

// The CBV master data namespace (lotNumber, itemExpirationDate, ...) is
// written two ways: EPCIS 1.2, GS1's schemas and the GS1 US guideline name
// it urn:epcglobal:cbv:mda, while the JSON-LD context binds cbvmda to
// urn:epcglobal:cbv:mda: so that cbvmda:lotNumber expands to a URN. The
// event hash takes either as written, so only the EPCIS 1.2 encoder, whose
// receivers have no hash IDs, rewrites the JSON-LD form (xmlSpace).
const (
	cbvMDAXML  = "urn:epcglobal:cbv:mda"
	cbvMDAJSON = "urn:epcglobal:cbv:mda:"
)

// xmlSpace writes the JSON-LD form of the CBV master data namespace as
// EPCIS 1.2 names it.
func xmlSpace(ns string) string {
	if ns == cbvMDAJSON {
		return cbvMDAXML
	}
	return ns
}

// jsonContext is the prefix map in scope: the document's @context, and for an
// event with its own @context, that one on top.
type jsonContext struct {
	prefixes map[string]string // declared by the document (not the standard ones)
	parent   *jsonContext
}

// lookup returns the namespace IRI a prefix stands for.
func (c *jsonContext) lookup(prefix string) (string, bool) {
	for ; c != nil; c = c.parent {
		if ns, ok := c.prefixes[prefix]; ok {
			return ns, true
		}
	}
	ns, ok := standardPrefixes[prefix]
	return ns, ok
}

// declared reports whether the document itself declares prefix.
func (c *jsonContext) declared(prefix string) (string, bool) {
	for ; c != nil; c = c.parent {
		if ns, ok := c.prefixes[prefix]; ok {
			return ns, true
		}
	}
	return "", false
}

// parseContext reads a @context value: a string (a context URL), an object of
// term definitions, or an array of those. Only prefix definitions (term ->
// IRI string, or term -> {"@id": IRI}) matter to EPCIS; remote contexts other
// than the standard one are not fetched.
func parseContext(v jsonValue) (map[string]string, error) {
	prefixes := map[string]string{}
	var walk func(v jsonValue) error
	walk = func(v jsonValue) error {
		switch v.kind {
		case jsonString:
			return nil // a context URL; the standard one is built in
		case jsonArray:
			for _, e := range v.elems {
				if err := walk(e); err != nil {
					return err
				}
			}
			return nil
		case jsonObject:
			for _, m := range v.members {
				if strings.HasPrefix(m.key, "@") {
					continue
				}
				switch m.value.kind {
				case jsonString:
					prefixes[m.key] = m.value.text
				case jsonObject:
					for _, idm := range m.value.members {
						if idm.key == "@id" && idm.value.kind == jsonString {
							prefixes[m.key] = idm.value.text
						}
					}
				}
			}
			return nil
		}
		return classed(ErrInvalidValue, "must be a string, an object or an array, not %v", v.kind)
	}
	if err := walk(v); err != nil {
		return nil, err
	}
	return prefixes, nil
}

var errUndeclaredPrefix = errors.New("namespace prefix is not declared in @context")

// splitCompactName splits a JSON-LD key or CURIE "prefix:local" into its two
// parts; ok is false when name has no prefix.
func splitCompactName(name string) (prefix, local string, ok bool) {
	i := strings.IndexByte(name, ':')
	if i <= 0 || i == len(name)-1 {
		return "", "", false
	}
	return name[:i], name[i+1:], true
}

// isAbsoluteIRI reports whether s looks like an absolute IRI written in full
// (with "//" after the scheme, or a URN).
func isAbsoluteIRI(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "urn:")
}

// resolveName turns an extension key into a namespace and local name: a
// compact "prefix:local" through the context, or a full IRI split at its last
// '/' or '#'.
func (c *jsonContext) resolveName(key string) (space, local string, err error) {
	if isAbsoluteIRI(key) {
		i := strings.LastIndexAny(key, "/#:")
		return key[:i+1], key[i+1:], nil
	}
	prefix, local, ok := splitCompactName(key)
	if !ok {
		return "", key, nil
	}
	ns, ok := c.lookup(prefix)
	if !ok {
		return "", "", &classedError{kind: ErrInvalidValue, msg: fmt.Sprintf("%v: %q", errUndeclaredPrefix, prefix), cause: errUndeclaredPrefix}
	}
	return ns, local, nil
}

// expandCURIE expands a value written as a CURIE whose prefix the document
// declares ("ex:thing" -> "https://example.com/ns/thing"). Values with other
// or no prefixes are returned unchanged: "urn:...", "https://...", and the
// standard "cbv:"/"gs1:" forms, which ShortCBV understands.
func (c *jsonContext) expandCURIE(v string) string {
	if c == nil {
		return v
	}
	prefix, local, ok := splitCompactName(v)
	if !ok || strings.HasPrefix(local, "//") {
		return v
	}
	if ns, ok := c.declared(prefix); ok {
		return ns + local
	}
	return v
}

// vocabTerm reads the value of a CBV-valued field (bizStep, disposition,
// business transaction, source and destination types, error reason, sensor
// type, exception and component): the short word of a standard value, also
// when written as a CURIE of a prefix the document binds to a GS1 namespace;
// any other value as written. A user-defined CURIE ("ex:someProperty") is
// kept, not expanded, because EPCIS XML carries the same value as written
// (an XML attribute or text value is not resolved against xmlns prefixes)
// and the event hash ID, whose GS1 reference vectors hash such XML values as
// written, must be the same for both syntaxes; the prefix stays in the
// document's namespaces.
func (c *jsonContext) vocabTerm(kind CBVKind, v string) string {
	if short := ShortCBV(kind, v); IsStandardCBV(kind, short) {
		return short
	}
	if expanded := c.expandCURIE(v); expanded != v {
		if short := ShortCBV(kind, expanded); IsStandardCBV(kind, short) {
			return short
		}
	}
	return v
}

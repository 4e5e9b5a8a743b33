package ingest

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"rxledger/epcis"
)

// innerCond is an EQ_INNER_ or EXISTS_INNER_ parameter: a user extension
// field nested (at any depth) inside a top-level extension field of its
// scope, not that top-level field itself.
type innerCond struct {
	scope        string // "" (the event's own extensions) or an innerScopes key
	space, local string
	// values are EQ_INNER_'s, one of which a leaf's text must equal; nil
	// for EXISTS_INNER_, which asks for a field with text or fields in it.
	values []string
}

// innerScopes are the scopes EQ_INNER_ and EXISTS_INNER_ name before the
// field (EQ_INNER_ILMD_<field>): where the top-level fields are.
var innerScopes = map[string]func(*epcis.Event) [][]epcis.Element{
	"ILMD_": func(e *epcis.Event) [][]epcis.Element { return [][]epcis.Element{e.ILMD} },
	"ERROR_DECLARATION_": func(e *epcis.Event) [][]epcis.Element {
		if e.ErrorDeclaration == nil {
			return nil
		}
		return [][]epcis.Element{e.ErrorDeclaration.Extensions}
	},
	"SENSORELEMENT_": func(e *epcis.Event) (out [][]epcis.Element) {
		for _, se := range e.SensorElementList {
			out = append(out, se.Extensions)
		}
		return out
	},
	"SENSORMETADATA_": func(e *epcis.Event) (out [][]epcis.Element) {
		for _, se := range e.SensorElementList {
			if se.Metadata != nil {
				out = append(out, se.Metadata.Extensions)
			}
		}
		return out
	},
	"SENSORREPORT_": func(e *epcis.Event) (out [][]epcis.Element) {
		for _, se := range e.SensorElementList {
			for _, r := range se.Reports {
				out = append(out, r.Extensions)
			}
		}
		return out
	},
	"readPoint_":   func(e *epcis.Event) [][]epcis.Element { return [][]epcis.Element{e.ReadPointExtensions} },
	"bizLocation_": func(e *epcis.Event) [][]epcis.Element { return [][]epcis.Element{e.BizLocationExtensions} },
}

// wellKnownPrefixes resolve a field's namespace prefix the caller did not
// declare in GS1-Extensions: the GS1 US healthcare guideline's, which
// DSCSA documents carry.
var wellKnownPrefixes = map[string]string{"gs1ushc": epcis.NSGS1USHealthcare}

// parseInner reads an EQ_INNER_ or EXISTS_INNER_ parameter; handled is
// false for a name that is none, and c nil for EXISTS_INNER_...=false,
// which asks nothing. ext maps the namespace prefixes the
// request declared (GS1-Extensions) to their URIs.
func parseInner(name string, values []string, ext map[string]string) (c *innerCond, handled bool, err error) {
	rest, eq := strings.CutPrefix(name, "EQ_INNER_")
	if !eq {
		var ok bool
		if rest, ok = strings.CutPrefix(name, "EXISTS_INNER_"); !ok {
			return nil, false, nil
		}
	}
	c = &innerCond{}
	for scope := range innerScopes {
		if r, ok := strings.CutPrefix(rest, scope); ok {
			c.scope, rest = scope, r
			break
		}
	}
	if c.space, c.local, err = parseFieldName(name, rest, ext); err != nil {
		return nil, true, err
	}
	if eq {
		c.values = values
		return c, true, nil
	}
	if must, err := existsParam(name, values); err != nil || !must {
		return nil, true, err // EXISTS_INNER_...=false asks nothing
	}
	return c, true, nil
}

// parseFieldName reads the name of a user extension field in a parameter
// name: the standard's namespace URI, '#' (%23 in a URL) and local name
// ("http://ns.example.com/epcis/#temperature"), or a namespace prefix the
// request declared in GS1-Extensions (or a well-known one), ':' and the
// local name ("example:temperature").
func parseFieldName(param, field string, ext map[string]string) (space, local string, err error) {
	if i := strings.LastIndexByte(field, '#'); i > 0 && i < len(field)-1 {
		return field[:i], field[i+1:], nil
	}
	prefix, local, ok := strings.Cut(field, ":")
	if !ok || prefix == "" || local == "" {
		return "", "", badParam(param, "%q is no extension field name: write namespace URI#name (the # as %%23) or prefix:name with the prefix declared in the GS1-Extensions header", field)
	}
	if space, ok = ext[prefix]; !ok {
		if space, ok = wellKnownPrefixes[prefix]; !ok {
			return "", "", badParam(param, "namespace prefix %q is not declared: declare it in the GS1-Extensions header (%s=namespace URI) or write namespace URI#%s (the # as %%23)", prefix, prefix, local)
		}
	}
	return space, local, nil
}

// holds reports whether e has the field, nested inside a top-level field
// of the condition's scope, with one of its values.
func (c *innerCond) holds(e *epcis.Event) bool {
	var tops [][]epcis.Element
	if c.scope == "" {
		tops = [][]epcis.Element{e.Extensions}
	} else {
		tops = innerScopes[c.scope](e)
	}
	for _, list := range tops {
		for i := range list {
			if c.inside(list[i].Children) {
				return true
			}
		}
	}
	return false
}

// inside reports whether one of els, or of the fields within them, is the
// condition's field with one of its values.
func (c *innerCond) inside(els []epcis.Element) bool {
	for i := range els {
		el := &els[i]
		if el.Local == c.local && (el.Space == c.space || el.Space == c.space+"#") {
			text := strings.TrimSpace(el.Text)
			switch {
			case c.values == nil && (text != "" || len(el.Children) > 0):
				return true
			case c.values != nil && len(el.Children) == 0:
				for _, v := range c.values {
					if sameValue(text, v) {
						return true
					}
				}
			}
		}
		if c.inside(el.Children) {
			return true
		}
	}
	return false
}

// sameValue compares an extension field's text, which carries no type, with
// a query value: equal as written, or as numbers, or as times with a time
// zone, when both read as one.
func sameValue(have, want string) bool {
	if have == want {
		return true
	}
	if a, err := strconv.ParseFloat(have, 64); err == nil {
		b, err := strconv.ParseFloat(want, 64)
		return err == nil && a == b
	}
	if a, err := time.Parse(time.RFC3339Nano, have); err == nil {
		b, err := parseQueryTime(want)
		return err == nil && a.Equal(b)
	}
	return false
}

// masterDataFields are the standard event fields of a vocabulary type,
// which EQATTR_ and HASATTR_ name. An extension field of a vocabulary type
// may be named too, as a namespace URI#name or prefix:name.
var masterDataFields = []string{"bizStep", "disposition", "readPoint", "bizLocation", "epc", "parentID", "epcClass",
	"inputEPC", "outputEPC", "inputEPCClass", "outputEPCClass", "bizTransaction", "source", "destination", "errorReason"}

// parseAttr reads an EQATTR_<field>_<attr> or HASATTR_<field> parameter;
// handled is false for a name that is none. Both ask for the master data
// of a field's vocabulary element, which this service does not hold (a
// capture's master data is not kept), so, as the standard has it for an
// element without master data, they match no event; the parameter is read
// all the same, so that a malformed one is a 400, not an empty answer.
func parseAttr(name string, ext map[string]string) (handled bool, err error) {
	field, eqAttr := strings.CutPrefix(name, "EQATTR_")
	if !eqAttr {
		var ok bool
		if field, ok = strings.CutPrefix(name, "HASATTR_"); !ok {
			return false, nil
		}
	}
	if eqAttr {
		// The field is a standard one, or an extension field's name up to
		// the first '_' after its prefix or namespace.
		i := -1
		for _, f := range masterDataFields {
			if strings.HasPrefix(field, f+"_") {
				i = len(f)
				break
			}
		}
		if j := strings.IndexAny(field, ":#"); i < 0 && j > 0 {
			if k := strings.IndexByte(field[j:], '_'); k > 0 {
				i = j + k
			}
		}
		if i <= 0 || i == len(field)-1 {
			return true, badParam(name, "write EQATTR_<field>_<attribute> (e.g. EQATTR_bizLocation_urn:epcglobal:cbv:mda%%23sst)")
		}
		field = field[:i]
	}
	if slices.Contains(masterDataFields, field) {
		return true, nil
	}
	if _, _, err := parseFieldName(name, field, ext); err != nil {
		return true, badParam(name, "%q is neither a standard field of a vocabulary type (%s) nor an extension field name (namespace URI#name, prefix:name)", field, strings.Join(masterDataFields, ", "))
	}
	return true, nil
}

package ingest

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"rxledger/epcis"
)

// query is a parsed GET /epcis/events request: every parameter must hold
// (AND); within a parameter any value may (OR).
type query struct {
	// eq maps index fields to the values one of which the event must have.
	eq       map[byte][]string
	eventIDs []string
	geTime   *time.Time
	ltTime   *time.Time
	geRecord *time.Time
	ltRecord *time.Time
	perPage  int
	token    string
	// fingerprint identifies the query (without paging) for page tokens.
	fingerprint []byte

	// Fields matched on the decoded event, none of them indexed.
	// bizTx maps a business transaction type (a short CBV name, or a URI
	// as written) to the values one of which an entry of that type must
	// have (EQ_bizTransaction_type).
	bizTx             map[string][]string
	transformationIDs []string
	pdSet, pdUnset    []string // EQ_persistentDisposition_set, _unset
	errDecl           errorDeclQuery
	sensors           bool // EXISTS_sensorElementList
	sensor            sensorQuery
	quantities        []quantityCond // EQ_quantity, GT_quantity, ... (query_quantity.go)
	inner             []innerCond    // EQ_INNER_, EXISTS_INNER_ (query_ext.go)
	// masterData is set by EQATTR_ or HASATTR_, which ask for master data
	// this service does not hold: no event matches (parseAttr).
	masterData bool

	// orderBy is "" (ledger order), "eventTime" or "recordTime"; desc
	// sorts newest first, as orderDirection's default DESC does.
	orderBy string
	desc    bool
	// countLimit (eventCountLimit) keeps the first so many events; 0 for
	// all. maxCount (maxEventCount) refuses an answer of more; -1 for none.
	countLimit int
	maxCount   int
}

// errorDeclQuery is what a query asks of an event's error declaration.
type errorDeclQuery struct {
	exists     bool // EXISTS_errorDeclaration, or any parameter below
	ge, lt     *time.Time
	reasons    []string // short CBV names or URIs
	corrective []string
}

// listParams are the EPCIS 2.0 query parameters this repository answers
// that take a list of values, with the index field each is matched on.
var listParams = func() map[string]byte {
	m := map[string]byte{
		"eventType":            fieldType,
		"EQ_action":            fieldAction,
		"EQ_bizStep":           fieldBizStep,
		"EQ_disposition":       fieldDisposition,
		"EQ_readPoint":         fieldReadPoint,
		"EQ_bizLocation":       fieldBizLocation,
		"MATCH_epc":            fieldEPC,
		"MATCH_parentID":       fieldParent,
		"MATCH_inputEPC":       fieldInput,
		"MATCH_outputEPC":      fieldOutput,
		"MATCH_anyEPC":         fieldAnyEPC,
		"MATCH_epcClass":       fieldEPCClass,
		"MATCH_inputEPCClass":  fieldInputClass,
		"MATCH_outputEPCClass": fieldOutputClass,
		"MATCH_anyEPCClass":    fieldAnyClass,
	}
	for typ, f := range sourceFields {
		m["EQ_source_"+typ] = f
	}
	for typ, f := range destFields {
		m["EQ_destination_"+typ] = f
	}
	return m
}()

// epcFields are matched on canonical identifiers (see canonEPC).
var epcFields = map[byte]bool{fieldEPC: true, fieldParent: true, fieldInput: true, fieldOutput: true, fieldAnyEPC: true}

// locationFields are matched on canonical locations and parties (see
// canonLocation): read points, business locations, sources, destinations.
var locationFields = func() map[byte]bool {
	m := map[byte]bool{fieldReadPoint: true, fieldBizLocation: true}
	for _, f := range sourceFields {
		m[f] = true
	}
	for _, f := range destFields {
		m[f] = true
	}
	return m
}()

// classFields are matched on canonical classes (see canonClass).
var classFields = map[byte]bool{fieldEPCClass: true, fieldInputClass: true, fieldOutputClass: true, fieldAnyClass: true}

// unsupportedParams are standard EPCIS query parameters this repository
// does not answer; naming one is a 400 that says so, not an unknown name.
var unsupportedPrefixes = []string{
	"WD_", "EQ_source_", "EQ_destination_", "GT_", "GE_", "LT_", "LE_", "EQ_", "EXISTS_", "MATCH_",
}

var unsupportedNames = []string{"queryName", "subscriptionID"}

// wdParams are the "with descendants" parameters. Descendants are given by
// master data this repository does not hold, so a location has none and
// WD_ matches as EQ_ does.
var wdParams = map[string]byte{"WD_readPoint": fieldReadPoint, "WD_bizLocation": fieldBizLocation}

var eventTypes = []string{
	string(epcis.ObjectEventType), string(epcis.AggregationEventType), string(epcis.TransactionEventType),
	string(epcis.TransformationEventType), string(epcis.AssociationEventType),
}

// parseQuery reads the query parameters; a problem names the parameter.
// ext maps the namespace prefixes the request declared (GS1-Extensions) to
// their URIs, for the names of extension fields.
func parseQuery(v url.Values, ext map[string]string, defaultPerPage, maxPerPage int) (*query, error) {
	q := &query{eq: map[byte][]string{}, perPage: defaultPerPage, maxCount: -1}
	wd := map[byte][]string{}
	direction := ""
	bad := badParam
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	sort.Strings(names)
	fp := sha256.New()
	// The prefixes are part of the query: a page token of one mapping does
	// not serve another.
	for _, prefix := range slices.Sorted(maps.Keys(ext)) {
		fp.Write([]byte("\x02" + prefix + "\x00" + ext[prefix] + "\x00"))
	}
	for _, name := range names {
		values := v[name]
		if name != "perPage" && name != "nextPageToken" {
			fp.Write([]byte(name + "\x00" + strings.Join(values, "\x01") + "\x00"))
		}
		if len(values) == 0 && !strings.HasPrefix(name, "EXISTS_") {
			return nil, bad(name, "a value is required")
		}
		if field, ok := wdParams[name]; ok {
			for _, val := range values {
				val, err := normalise(field, val)
				if err != nil {
					return nil, bad(name, "%v", err)
				}
				wd[field] = append(wd[field], val)
			}
			continue
		}
		if typ, ok := strings.CutPrefix(name, "EQ_bizTransaction_"); ok {
			if typ == "" {
				return nil, bad(name, "name the business transaction type after EQ_bizTransaction_ (e.g. EQ_bizTransaction_po)")
			}
			if q.bizTx == nil {
				q.bizTx = map[string][]string{}
			}
			typ = epcis.ShortCBV(epcis.BizTransactionType, typ)
			q.bizTx[typ] = append(q.bizTx[typ], values...)
			continue
		}
		if field, ok := listParams[name]; ok {
			for _, val := range values {
				val, err := normalise(field, val)
				if err != nil {
					return nil, bad(name, "%v", err)
				}
				q.eq[field] = append(q.eq[field], val)
			}
			continue
		}
		single := func() (string, error) {
			if len(values) != 1 {
				return "", bad(name, "takes one value, got %d", len(values))
			}
			return values[0], nil
		}
		switch name {
		case "EQ_eventID":
			q.eventIDs = values
		case "EQ_transformationID":
			q.transformationIDs = values
		case "EQ_persistentDisposition_set", "EQ_persistentDisposition_unset":
			list := make([]string, len(values))
			for i, val := range values {
				list[i] = epcis.ShortCBV(epcis.Disposition, val)
			}
			if name == "EQ_persistentDisposition_set" {
				q.pdSet = list
			} else {
				q.pdUnset = list
			}
		case "EQ_errorReason":
			for _, val := range values {
				q.errDecl.reasons = append(q.errDecl.reasons, epcis.ShortCBV(epcis.ErrorReason, val))
			}
			q.errDecl.exists = true
		case "EQ_correctiveEventID":
			q.errDecl.corrective = values
			q.errDecl.exists = true
		case "EXISTS_errorDeclaration", "EXISTS_sensorElementList":
			must, err := existsParam(name, values)
			if err != nil {
				return nil, err
			}
			if must {
				if name == "EXISTS_errorDeclaration" {
					q.errDecl.exists = true
				} else {
					q.sensors = true
				}
			}
		case "GE_errorDeclarationTime", "LT_errorDeclarationTime":
			t, err := singleQueryTime(name, values)
			if err != nil {
				return nil, err
			}
			if name == "GE_errorDeclarationTime" {
				q.errDecl.ge = t
			} else {
				q.errDecl.lt = t
			}
			q.errDecl.exists = true
		case "orderBy":
			s, err := single()
			if err != nil {
				return nil, err
			}
			if s != "eventTime" && s != "recordTime" {
				return nil, bad(name, "%q: the answer can be ordered by eventTime or recordTime", s)
			}
			q.orderBy = s
		case "orderDirection":
			s, err := single()
			if err != nil {
				return nil, err
			}
			if s != "ASC" && s != "DESC" {
				return nil, bad(name, "%q must be ASC or DESC", s)
			}
			direction = s
		case "eventCountLimit", "maxEventCount":
			s, err := single()
			if err != nil {
				return nil, err
			}
			n, perr := strconv.Atoi(s)
			least := 1 // eventCountLimit: at least one event
			if name == "maxEventCount" {
				least = 0 // an answer that must be empty
			}
			if perr != nil || n < least {
				return nil, bad(name, "%q must be a whole number, %d or more", s, least)
			}
			if name == "maxEventCount" {
				q.maxCount = n
			} else {
				q.countLimit = n
			}
		case "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime":
			t, err := singleQueryTime(name, values)
			if err != nil {
				return nil, err
			}
			switch name {
			case "GE_eventTime":
				q.geTime = t
			case "LT_eventTime":
				q.ltTime = t
			case "GE_recordTime":
				q.geRecord = t
			default:
				q.ltRecord = t
			}
		case "perPage":
			s, err := single()
			if err != nil {
				return nil, err
			}
			n, perr := strconv.Atoi(s)
			if perr != nil || n < 1 || n > maxPerPage {
				return nil, bad(name, "%q must be a whole number from 1 to %d", s, maxPerPage)
			}
			q.perPage = n
		case "nextPageToken":
			s, err := single()
			if err != nil {
				return nil, err
			}
			q.token = s
		default:
			if handled, err := q.parseFamily(name, values, ext); err != nil {
				return nil, err
			} else if handled {
				continue
			}
			if slices.Contains(unsupportedNames, name) || hasAnyPrefix(name, unsupportedPrefixes) {
				return nil, bad(name, "this standard parameter is not supported by this repository")
			}
			return nil, bad(name, "unknown query parameter")
		}
	}
	if q.countLimit > 0 && q.maxCount >= 0 {
		return nil, bad("maxEventCount", "eventCountLimit and maxEventCount cannot be given together")
	}
	// orderDirection without orderBy leaves the ledger order, as the
	// standard has it; with it the default is DESC.
	q.desc = q.orderBy != "" && direction != "ASC"
	for field, values := range wd {
		if eq, ok := q.eq[field]; ok {
			// Both EQ_ and WD_: a location must be in both lists.
			values = slices.DeleteFunc(slices.Clone(eq), func(v string) bool { return !slices.Contains(values, v) })
		}
		q.eq[field] = values
	}
	q.fingerprint = fp.Sum(nil)
	return q, nil
}

// parseFamily reads the parameters of the families of names (quantities,
// sensor reports, nested extension fields, master data attributes); handled
// is false for a name of none of them.
func (q *query) parseFamily(name string, values []string, ext map[string]string) (handled bool, err error) {
	if c, ok, err := parseQuantity(name, values); ok {
		q.quantities = append(q.quantities, c)
		return true, err
	}
	if ok, err := q.sensor.parse(name, values); ok {
		return true, err
	}
	if c, ok, err := parseInner(name, values, ext); ok {
		if c != nil {
			q.inner = append(q.inner, *c)
		}
		return true, err
	}
	if ok, err := parseAttr(name, ext); ok {
		q.masterData = true
		return true, err
	}
	return false, nil
}

// existsParam reads an EXISTS_ parameter: named alone, or with true, the
// field must be there (must); with false it may be there or not.
func existsParam(name string, values []string) (must bool, err error) {
	if len(values) > 1 || len(values) == 1 && values[0] != "true" && values[0] != "false" {
		return false, badParam(name, "takes no value, true or false")
	}
	return len(values) == 0 || values[0] == "true", nil
}

// queryValues reads a raw query string into each parameter's list of
// values. A list may be written with '|' (the REST binding's pipeDelimited
// form, also as %7C) or ',' between its values, or as the parameter
// repeated. Values are split before they are unescaped, so a comma within a
// value (a serial or a URI may hold one) is written %2C and stays in it.
// httpx.CheckQuery, which every engine of httpx.NewEngine runs, has refused
// a query string with an escape that does not unescape; should one reach
// here on another router, the name or value is kept as written, never
// dropped, so that the filter it carries is not lost without a word.
func queryValues(raw string) url.Values {
	unescape := func(s string) string {
		if u, err := url.QueryUnescape(s); err == nil {
			return u
		}
		return s
	}
	v := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name := unescape(rawName)
		list := v[name]
		if list == nil {
			list = []string{} // named, even with no value: "a value is required"
		}
		for _, part := range splitList(rawValue) {
			if val := strings.TrimSpace(unescape(part)); val != "" {
				list = append(list, val)
			}
		}
		v[name] = list
	}
	return v
}

// splitList splits a raw (still escaped) value at ',', '|' and %7C.
func splitList(raw string) []string {
	var out []string
	start := 0
	for i := 0; i < len(raw); i++ {
		switch {
		case raw[i] == ',' || raw[i] == '|':
			out = append(out, raw[start:i])
			start = i + 1
		case raw[i] == '%' && i+2 < len(raw) && raw[i+1] == '7' && (raw[i+2] == 'C' || raw[i+2] == 'c'):
			out = append(out, raw[start:i])
			start = i + 3
			i += 2
		}
	}
	return append(out, raw[start:])
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// parseQueryTime parses an RFC 3339 time. A positive offset sent unencoded
// ("...T12:00:00+01:00" in the URL) reaches it with a space for its "+",
// since a URL query reads "+" as a space; that space is read as the "+".
func parseQueryTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil && len(s) > len("+hh:mm") && strings.Count(s, " ") == 1 && s[len(s)-len("+hh:mm")] == ' ' {
		if t2, err2 := time.Parse(time.RFC3339Nano, strings.Replace(s, " ", "+", 1)); err2 == nil {
			return t2, nil
		}
	}
	return t, err
}

// normalise writes a parameter value the way the index stores it.
func normalise(field byte, v string) (string, error) {
	switch {
	case field == fieldType:
		if !slices.Contains(eventTypes, v) {
			return "", fmt.Errorf("%q is not an event type (%s)", v, strings.Join(eventTypes, ", "))
		}
	case field == fieldAction:
		if v != string(epcis.ActionAdd) && v != string(epcis.ActionObserve) && v != string(epcis.ActionDelete) {
			return "", fmt.Errorf("%q is not an action (ADD, OBSERVE, DELETE)", v)
		}
	case field == fieldBizStep:
		return epcis.ShortCBV(epcis.BizStep, v), nil
	case field == fieldDisposition:
		return epcis.ShortCBV(epcis.Disposition, v), nil
	case epcFields[field]:
		if lower := strings.ToLower(v); strings.HasPrefix(lower, "urn:epc:idpat:") || strings.HasPrefix(lower, "urn:epc:class:") {
			// The index holds instance identifiers: a pattern or class
			// would match nothing, and an empty answer would read as "none".
			return "", fmt.Errorf("%q is a pattern or class; this parameter matches whole EPCs only (for every serial of a GTIN or lot, use MATCH_epcClass or MATCH_anyEPCClass with a GTIN pattern or an LGTIN)", v)
		}
		return canonEPC(v), nil
	case locationFields[field]:
		if strings.HasPrefix(strings.ToLower(v), "urn:epc:idpat:") {
			// Locations and parties match whole: a pattern would match
			// nothing, and an empty answer would read as "none".
			return "", fmt.Errorf("%q is a pattern; this parameter matches whole locations and parties (SGLN, PGLN or GLN Digital Link) only", v)
		}
		return canonLocation(v), nil
	case classFields[field]:
		c := canonClass(v)
		if c == v && strings.HasPrefix(strings.ToLower(v), "urn:epc:idpat:") {
			// canonClass takes a pattern of one GTIN (sgtin:CP.IR.*) as
			// that GTIN's class; one it leaves as written would match
			// nothing.
			return "", fmt.Errorf("%q: the only pattern taken is all serials of one GTIN, urn:epc:idpat:sgtin:CompanyPrefix.ItemRef.*", v)
		}
		return c, nil
	}
	return v, nil
}

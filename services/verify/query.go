package verify

import (
	"net/url"
	"strings"
)

// lmsQuery is the query string of a single verification: the GS1 Digital
// Link parameters it reads.
type lmsQuery struct {
	Lot, Expiry, LinkType, ReqGLN, CorrUUID, Context string
	// Repeated names the first parameter given again with another value,
	// and that value; the handler refuses it, as reading the first alone
	// would verify ?10=RIGHT&10=WRONG against one lot silently.
	Repeated, Again string
}

// parseLMSQuery reads the parameters as url.ParseQuery followed by
// url.Values.Get would (the first value of each; pairs with a semicolon or
// a bad escape skipped, though the engine's httpx.CheckQuery has refused
// such a query before), without building a map of every parameter: it runs
// on every single verification, and only unescapes what holds an escape.
// One difference: ParseQuery refuses a query of more than 10,000 pairs
// (GODEBUG urlmaxqueryparams), leaving every parameter unread, so a lot or
// reqGLN after that many pairs went unchecked; parseLMSQuery, which builds
// nothing per pair, reads them. A parameter given twice with different
// values is noted in Repeated.
func parseLMSQuery(raw string) lmsQuery {
	var q lmsQuery
	var seen [6]bool
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, ok := unescapeQuery(key)
		if !ok {
			continue
		}
		var field *string
		var i int
		switch key {
		case "10":
			field, i = &q.Lot, 0
		case "17":
			field, i = &q.Expiry, 1
		case "linkType":
			field, i = &q.LinkType, 2
		case "reqGLN":
			field, i = &q.ReqGLN, 3
		case "corrUUID":
			field, i = &q.CorrUUID, 4
		case "context":
			field, i = &q.Context, 5
		default:
			continue
		}
		if value, ok = unescapeQuery(value); !ok {
			continue
		}
		if seen[i] {
			if value != *field && q.Repeated == "" {
				q.Repeated, q.Again = key, value
			}
			continue
		}
		*field, seen[i] = value, true
	}
	return q
}

// unescapeQuery is url.QueryUnescape, which it calls only when s holds an
// escape ('%' or '+').
func unescapeQuery(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}

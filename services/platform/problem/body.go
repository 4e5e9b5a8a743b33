package problem

import "net/http"

// TypeBase is the prefix of every problem type URI: a code's type is
// TypeBase + code, e.g. https://rxledger.dev/problems/invalid. The URIs are
// stable identifiers; clients compare them, they need not dereference them.
const TypeBase = "https://rxledger.dev/problems/"

// MediaType is the media type of a problem body (RFC 9457).
const MediaType = "application/problem+json"

// titles are the short, fixed summaries of each code (RFC 9457 "title": the
// same for every occurrence of a type).
var titles = map[Code]string{
	Invalid:          "Invalid request",
	NotFound:         "Not found",
	Conflict:         "Conflict",
	Forbidden:        "Forbidden",
	Unauthorized:     "Unauthorized",
	TooLarge:         "Request too large",
	Unavailable:      "Service unavailable",
	Internal:         "Internal error",
	MethodNotAllowed: "Method not allowed",
	NotAcceptable:    "Not acceptable",
}

// TypeURI returns the stable problem type URI of a code.
func (c Code) TypeURI() string { return TypeBase + string(c) }

// Title returns the fixed human summary of a code.
func (c Code) Title() string {
	if t, ok := titles[c]; ok {
		return t
	}
	return http.StatusText(c.Status())
}

// Body is the RFC 9457 problem+json document rxledger answers errors with:
// the standard members plus the extensions code, rule (the chaincode rule
// that refused, when the ledger refused), requestId, traceId and errors
// (where in the input the problem is).
type Body struct {
	Type      string     `json:"type"`
	Title     string     `json:"title"`
	Status    int        `json:"status"`
	Detail    string     `json:"detail,omitempty"`
	Instance  string     `json:"instance,omitempty"`
	Code      Code       `json:"code"`
	Rule      string     `json:"rule,omitempty"`
	RequestID string     `json:"requestId,omitempty"`
	TraceID   string     `json:"traceId,omitempty"`
	Errors    []Location `json:"errors,omitempty"`
}

// BodyOf returns the public body of e. The detail of an Internal error is
// replaced by a fixed sentence: its cause is for the logs, not the caller.
// instance identifies the occurrence (the request path).
func BodyOf(e *Error, instance string) Body {
	detail, rule := e.Detail, e.Rule
	if e.Code == Internal || e.Code.Status() == http.StatusInternalServerError {
		detail, rule = "an unexpected error occurred; quote the request ID when reporting it", ""
	}
	return Body{
		Type:     e.Code.TypeURI(),
		Title:    e.Code.Title(),
		Status:   e.Code.Status(),
		Detail:   detail,
		Instance: instance,
		Code:     e.Code,
		Rule:     rule,
		Errors:   e.Where,
	}
}

// At returns a copy of e that also says where the problem is.
func (e *Error) At(where ...Location) *Error {
	c := *e
	c.Where = append(append([]Location(nil), e.Where...), where...)
	return &c
}

// Index returns a pointer to i, for Location.Index.
func Index(i int) *int { return &i }

// Package problem is rxledger's one error vocabulary: a small set of codes
// carried by one error type, the table that maps them to HTTP statuses, and the
// RFC 9457 problem+json body every service answers errors with.
package problem

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an error for callers: what they can do about it.
type Code string

// The codes. Every error a service returns maps to exactly one.
const (
	Invalid      Code = "invalid"      // the input is wrong; retrying it unchanged will fail again
	NotFound     Code = "not-found"    // the thing asked for does not exist
	Conflict     Code = "conflict"     // a concurrent change won; retrying may succeed
	Forbidden    Code = "forbidden"    // the caller may not do this
	Unauthorized Code = "unauthorized" // no valid credential
	TooLarge     Code = "too-large"    // the request exceeds a published limit
	Unavailable  Code = "unavailable"  // a dependency is down; retry later
	Internal     Code = "internal"     // a bug or an unexpected failure; details are logged, not shown

	// MethodNotAllowed: the resource exists but not for this HTTP method.
	MethodNotAllowed Code = "method-not-allowed"
	// NotAcceptable: no media type the resource has is one the Accept
	// header takes.
	NotAcceptable Code = "not-acceptable"
	// UnsupportedMediaType: the request body's Content-Type is not one the
	// resource reads.
	UnsupportedMediaType Code = "unsupported-media-type"
	// RequestTimeout: the request's body came too slowly.
	RequestTimeout Code = "request-timeout"
)

// Status maps each code to its HTTP status.
var statusByCode = map[Code]int{
	Invalid:      http.StatusBadRequest,
	NotFound:     http.StatusNotFound,
	Conflict:     http.StatusConflict,
	Forbidden:    http.StatusForbidden,
	Unauthorized: http.StatusUnauthorized,
	TooLarge:     http.StatusRequestEntityTooLarge,
	Unavailable:  http.StatusServiceUnavailable,
	Internal:     http.StatusInternalServerError,

	MethodNotAllowed: http.StatusMethodNotAllowed,
	NotAcceptable:    http.StatusNotAcceptable,

	UnsupportedMediaType: http.StatusUnsupportedMediaType,
	RequestTimeout:       http.StatusRequestTimeout,
}

// Status returns the HTTP status for a code (500 for an unknown one).
func (c Code) Status() int {
	if s, ok := statusByCode[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Location says where in the input a problem is. Any subset may be set.
type Location struct {
	Field  string `json:"field,omitempty"`  // a JSON path or field name, e.g. "epcisBody.eventList[3].epcList[0]"
	Index  *int   `json:"index,omitempty"`  // an item index (event, request in a batch)
	Line   int    `json:"line,omitempty"`   // 1-based line in a text document
	Column int    `json:"column,omitempty"` // 1-based column
	// Detail says what is wrong there, when a problem lists several
	// locations with different faults (the items of a batch).
	Detail string `json:"detail,omitempty"`
}

// MaxItemProblems bounds the locations Items lists.
const MaxItemProblems = 100

// Items combines the Invalid problems of a batch's items (nil entries are
// items without one) into one problem that names them all, so a caller
// mends a tote of returns in one round trip instead of one item per
// request. Each location carries the item's index and its own detail; the
// problem's detail is the first item's, with how many are wrong when more
// than one is. It returns nil when no item has a problem. noun names the
// items ("request", "item").
func Items(noun string, problems []*Error) *Error {
	var first *Error
	n := 0
	var where []Location
	for i, p := range problems {
		if p == nil {
			continue
		}
		n++
		if first == nil {
			first = p
		}
		if len(where) >= MaxItemProblems {
			continue
		}
		for _, l := range p.Where {
			l.Index = Index(i)
			if l.Detail == "" {
				l.Detail = p.Detail
			}
			where = append(where, l)
		}
		if len(p.Where) == 0 {
			where = append(where, Location{Index: Index(i), Detail: p.Detail})
		}
	}
	switch n {
	case 0:
		return nil
	case 1:
		return &Error{Code: first.Code, Detail: first.Detail, Where: where, Err: first.Err}
	}
	detail := fmt.Sprintf("%d %ss are invalid; the first: %s", n, noun, first.Detail)
	if n > MaxItemProblems {
		detail += fmt.Sprintf(" (the first %d are listed)", MaxItemProblems)
	}
	return &Error{Code: Invalid, Detail: detail, Where: where}
}

// Error is the one error type. Detail is safe to show to the caller; Err, if
// set, is the underlying cause and is logged but never shown for Internal.
type Error struct {
	Code   Code
	Detail string
	Where  []Location
	Err    error
	// Rule names the rule that refused, so that a client can tell
	// refusals apart without reading the detail: the ledger chaincode's
	// (e.g. "not-owner"), or a service's own where the service decides
	// (e.g. returns' "not-on-its-way-back").
	Rule string
}

func (e *Error) Error() string {
	if e.Err != nil && e.Detail == "" {
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Detail, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with a code and a formatted detail.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with a code and detail whose cause is err.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return Internal
}

// RuleOf returns the ledger chaincode's rule of the first *Error in err's
// chain, "" when there is none.
func RuleOf(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Rule
	}
	return ""
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

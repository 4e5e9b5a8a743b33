package epcis

import (
	"fmt"
	"strings"
)

// XMLError is a problem in an EPCIS XML document, with where it is: the 1-based
// line and column of the element (or token) at fault, the index of the event it
// belongs to (-1 when it is outside the event list) and the element path.
//
// Use errors.As to get at the location (an *XMLError also unwraps to the
// package's *Error, with the same Event and Path); errors.Is(err, ErrTooLarge)
// tells a limit violation from malformed input.
type XMLError struct {
	Line, Column int
	Event        int
	Path         string
	Err          error
}

func (e *XMLError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d:%d", e.Line, e.Column)
	if e.Event >= 0 {
		fmt.Fprintf(&b, ": event %d", e.Event)
	}
	if e.Path != "" && e.Path != "/" {
		fmt.Fprintf(&b, ": %s", e.Path)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the location-less *Error with the same event, path and cause.
func (e *XMLError) Unwrap() error { return &Error{Event: e.Event, Path: e.Path, Err: e.Err} }

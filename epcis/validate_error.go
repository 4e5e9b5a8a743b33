package epcis

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is one problem found in an EPCIS document by a decoder or by Validate:
// which event (Event is its 0-based index in the document's event list, -1 for
// the document itself), where in it (Path, a JSON-style path such as
// "epcisBody.eventList[3].epcList[0]") and what (Err).
//
// errors.Is(err, ErrTooLarge) tells a limit violation from invalid content.
type Error struct {
	Event int
	Path  string
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Event >= 0 {
		b.WriteString("event ")
		b.WriteString(strconv.Itoa(e.Event))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid")
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// classedError is a problem with its own message that still matches one of
// the package's error classes (ErrMissing, ErrInvalidValue, ...) under
// errors.Is, and may carry a more specific cause.
type classedError struct {
	kind  error
	msg   string
	cause error
}

func (e *classedError) Error() string { return e.msg }

// Unwrap returns the class and, if any, the specific cause.
func (e *classedError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

// classed returns an error with the formatted message, matching kind.
func classed(kind error, format string, args ...any) error {
	return &classedError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// ErrorList is every problem Validate found, in document order. It is returned
// as an error only when it is not empty.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(l)))
	b.WriteString(" problems: ")
	for i, e := range l {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors, so that errors.Is and errors.As look
// into every one of them.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// err returns the list as an error, or nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

package gs1

import (
	"fmt"
	"strings"
)

// ValueError reports AI data that breaks a rule of the GS1 Barcode Syntax
// Dictionary: length, character set or a linter.
type ValueError struct {
	// AI is the Application Identifier whose data is wrong.
	AI string
	// Pos is the 0-based byte offset of the problem within the AI's data, and
	// Len the length of the offending span (0 for "missing here").
	Pos, Len int
	// Code names the failed rule: the GS1 linter error name in lower case
	// without its GS1_LINTER_ prefix ("incorrect_check_digit", "illegal_day",
	// "invalid_cset82_character"), or "too_short"/"too_long".
	Code string
	// Msg is a human-readable description.
	Msg string
}

// Error describes the problem with its AI and data offset.
func (e *ValueError) Error() string {
	return fmt.Sprintf("(%s) at data offset %d: %s", e.AI, e.Pos, e.Msg)
}

// ParseError reports input a parser could not accept. Pos is the 0-based byte
// offset in the input as given (including any symbology identifier or URI
// prefix). AI is empty when the problem is not in an AI's data.
type ParseError struct {
	AI   string
	Pos  int
	Code string
	Msg  string
	// Err is the underlying cause, if any (often a *ValueError).
	Err error
}

// Error describes the problem with its AI (if any) and 0-based position.
func (e *ParseError) Error() string {
	if e.AI != "" {
		return fmt.Sprintf("gs1: (%s) at position %d: %s", e.AI, e.Pos, e.Msg)
	}
	return fmt.Sprintf("gs1: at position %d: %s", e.Pos, e.Msg)
}

// Unwrap returns the underlying cause.
func (e *ParseError) Unwrap() error { return e.Err }

// lintResult is a linter's verdict: ok when code is empty, else the failed
// rule and the offending span within the component.
type lintResult struct {
	code   string
	pos, n int
}

func (r lintResult) ok() bool { return r.code == "" }

// valueError turns a failed lintResult for the component starting at offset
// within the data of ai into a *ValueError.
func (r lintResult) valueError(ai string, offset int) *ValueError {
	return &ValueError{AI: ai, Pos: offset + r.pos, Len: r.n, Code: r.code, Msg: strings.ReplaceAll(r.code, "_", " ")}
}

// lintOK is the passing verdict.
var lintOK = lintResult{}

// lintFail builds a failing verdict.
func lintFail(code string, pos, n int) lintResult { return lintResult{code: code, pos: pos, n: n} }

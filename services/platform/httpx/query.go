package httpx

import (
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/problem"
)

// CheckQuery refuses a request whose query string net/url cannot parse
// whole: a '%' not followed by two hex digits, or a ';' (which Go no longer
// takes as a separator); and one that escapes a control character (%00 to
// %1F, %7F), which no identifier, date or parameter name holds (a name
// such as EQ_bizTransaction_po%00 had been taken for a transaction type). net/url drops such a pair without a word, and a
// handler reading the rest would answer without the filter the caller gave
// (a lot to verify, an EPC to match): a silent wrong answer instead of a
// 400 naming the fault.
func CheckQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		if param, err := checkQuery(c.Request.URL.RawQuery); err != nil {
			Fail(c, problem.New(problem.Invalid, "the query string is malformed: %v", err).
				At(problem.Location{Field: param}))
			return
		}
		c.Next()
	}
}

// checkQuery finds what url.ParseQuery would drop in raw, or a control
// character, without allocating (it runs on every request). param is
// where: the parameter's name as written for a control character, else
// "query".
func checkQuery(raw string) (param string, err error) {
	pair := 0 // where the current name=value pair starts
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '&':
			pair = i + 1
		case ';':
			return "query", fmt.Errorf("';' at offset %d: separate parameters with '&', and write a ';' in a value as %%3B", i)
		case '%':
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return "query", fmt.Errorf("'%%' at offset %d is not followed by two hex digits: write a '%%' in a value as %%25", i)
			}
			if b := unhex(raw[i+1])<<4 | unhex(raw[i+2]); b < 0x20 || b == 0x7f {
				name := raw[pair:]
				if end := strings.IndexAny(name, "=&"); end >= 0 {
					name = name[:end]
				}
				return name, fmt.Errorf("%s at offset %d is a control character, which no parameter name or value takes", raw[i:i+3], i)
			}
			i += 2
		}
	}
	return "", nil
}

// unhex is the value of the hex digit c.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

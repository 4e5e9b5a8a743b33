package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/problem"
)

// LimitBody is middleware that refuses a body declared larger than max with a
// 413 problem and caps the body actually read at max bytes (reading past it
// fails with *http.MaxBytesError, which ReadBody and DecodeJSON map to
// TooLarge). A route group may use it again to set its own limit.
func LimitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			Fail(c, tooLarge(max))
			return
		}
		if c.Request.Body != nil && c.Request.Body != http.NoBody {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}

func tooLarge(max int64) *problem.Error {
	return problem.New(problem.TooLarge, "the request body exceeds the limit of %d bytes", max)
}

// ReadBody reads the whole request body, mapping an over-limit body to a
// TooLarge problem.
func ReadBody(c *gin.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, problem.Wrap(problem.Invalid, err, "read request body")
	}
	return b, nil
}

// CheckJSONContentType refuses, with an UnsupportedMediaType problem (415),
// a request whose Content-Type says its body is something other than JSON
// in UTF-8: a form (curl's -d without -H), XML, text, or JSON in another
// charset. A request without a Content-Type is read as JSON, as most
// clients that send JSON bodies to a JSON API mean.
func CheckJSONContentType(c *gin.Context) error {
	ct := c.GetHeader("Content-Type")
	if ct == "application/json" || strings.TrimSpace(ct) == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return problem.New(problem.UnsupportedMediaType, "the Content-Type %q cannot be read (%v); send the body as application/json", ct, err).
			At(problem.Location{Field: "Content-Type"})
	}
	if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return problem.New(problem.UnsupportedMediaType, "the body is declared as %s, but this resource reads JSON: send it with Content-Type: application/json", mt).
			At(problem.Location{Field: "Content-Type"})
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return problem.New(problem.UnsupportedMediaType, "the body is declared in charset %s; JSON is read as UTF-8 only", cs).
			At(problem.Location{Field: "Content-Type"})
	}
	return nil
}

// DecodeJSON reads the request body as one JSON value into v, refusing
// unknown fields and trailing data, and a Content-Type other than JSON
// (CheckJSONContentType). A syntax error is an Invalid problem naming its
// line and column; a wrong type names the field as well.
func DecodeJSON(c *gin.Context, v any) error {
	if err := CheckJSONContentType(c); err != nil {
		return err
	}
	b, err := ReadBody(c)
	if err != nil {
		return err
	}
	if err := DecodeJSONBytes(b, v); err != nil {
		return err
	}
	return NoDuplicateKeys(b)
}

// NoDuplicateKeys refuses a JSON document that gives an object member
// twice: encoding/json keeps the last silently, so {"reason":"a",
// "reason":"b"} would be taken for what the caller may not have meant.
// Names are compared regardless of case, as encoding/json matches them to
// fields: {"serial":"A","Serial":"B"} is the serial given twice.
// DecodeJSON runs it; the verify batch, decoded on the hot path by a
// parser of its own that gives up on a repeated member, runs it when it
// decodes with encoding/json. b must be a valid JSON document.
// Each open object keeps the names of its members in lower case, in a set:
// an object of many members costs no more per member than one of few. The
// path is built only for a duplicate found.
func NoDuplicateKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		keys    map[string]bool // nil for an array
		wantKey bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end: DecodeJSONBytes has read the document whole
		}
		n := len(stack)
		if n > 0 && stack[n-1].keys != nil && stack[n-1].wantKey {
			if d, ok := tok.(json.Delim); !ok || d != '}' {
				key := strings.ToLower(tok.(string)) // an object member's name
				if stack[n-1].keys[key] {
					return duplicateKey(b, dec.InputOffset())
				}
				stack[n-1].keys[key] = true
				stack[n-1].wantKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:n-1]
		}
		// A value ended: the object it is in wants its next member's name.
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].wantKey = true
		}
	}
}

// duplicateKey is the problem of a member given twice, the second ending
// at offset: its path, found by walking the document again.
func duplicateKey(b []byte, offset int64) error {
	seen := map[string]bool{} // paths in lower case: names match regardless of case
	dup := ""
	walkJSON(b, func(path, key string, end int64) bool {
		if key == "" {
			return true
		}
		folded := strings.ToLower(path)
		if seen[folded] && end == offset {
			dup = path
			return false
		}
		seen[folded] = true
		return true
	})
	line, col := lineCol(b, offset)
	return problem.New(problem.Invalid, "%s is given twice in the JSON document", dup).
		At(problem.Location{Field: dup, Line: line, Column: col})
}

// DecodeJSONBytes is DecodeJSON on a body already read.
func DecodeJSONBytes(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return problem.New(problem.Invalid, "the request body is empty; a JSON document is expected")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(b, err, dec.InputOffset())
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(b, dec.InputOffset())
		return problem.New(problem.Invalid, "unexpected data after the JSON document").
			At(problem.Location{Line: line, Column: col})
	}
	return nil
}

// jsonProblem turns an encoding/json error into an Invalid problem with a location.
func jsonProblem(b []byte, err error, offset int64) *problem.Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, including the offending one.
		line, col := lineCol(b, max(syn.Offset-1, 0))
		return problem.New(problem.Invalid, "malformed JSON: %s", syn.Error()).
			At(problem.Location{Line: line, Column: col})
	case errors.As(err, &typ):
		line, col := lineCol(b, typ.Offset)
		field := typ.Field
		if p, ok := pathAt(b, typ.Offset); ok && p != "" {
			field = p // with the indices of array elements
		}
		return problem.New(problem.Invalid, "%s must be a JSON %s, not %s", fieldName(field), jsonKind(typ.Type), typ.Value).
			At(problem.Location{Field: field, Line: line, Column: col})
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := lineCol(b, int64(len(b)))
		return problem.New(problem.Invalid, "malformed JSON: the document ends early").
			At(problem.Location{Line: line, Column: col})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		line, col := lineCol(b, offset)
		at := field
		if p, end, ok := keyPath(b, field); ok {
			at = p // where the field is, e.g. requests[3].gtn
			line, col = lineCol(b, max(end-int64(len(field))-2, 0))
		}
		return problem.New(problem.Invalid, "unknown field %q", field).
			At(problem.Location{Field: at, Line: line, Column: col})
	}
	return problem.Wrap(problem.Invalid, err, "malformed JSON")
}

// jsonKind names the JSON kind a Go type decodes from, as the caller
// knows it: "array", not "[]verify.Request".
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}

func fieldName(f string) string {
	if f == "" {
		return "the document"
	}
	return fmt.Sprintf("field %q", f)
}

// lineCol converts a byte offset into a 1-based line and column (in bytes).
func lineCol(b []byte, offset int64) (line, col int) {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	line, col = 1, 1
	for _, ch := range b[:offset] {
		if ch == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}

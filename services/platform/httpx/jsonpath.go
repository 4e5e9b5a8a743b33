package httpx

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// walkJSON calls visit with the path (as requests[3].expiry) of every value
// and object key of b in document order, with the byte offset where it ends
// and, for a key, its name, until visit returns false. It reports false when
// b does not tokenise that far.
func walkJSON(b []byte, visit func(path string, key string, end int64) bool) bool {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var sb strings.Builder
		for _, f := range stack {
			if f.array {
				sb.WriteByte('[')
				sb.WriteString(strconv.Itoa(f.index))
				sb.WriteByte(']')
				continue
			}
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(f.key)
		}
		return sb.String()
	}
	// done moves the innermost container past the value just read.
	done := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		n := len(stack)
		if n > 0 && !stack[n-1].array && stack[n-1].wantKey {
			if key, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = key, false
				if !visit(path(), key, dec.InputOffset()) {
					return true
				}
				continue
			}
			// The object's closing brace.
			stack = stack[:n-1]
			done()
			continue
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if !visit(path(), "", dec.InputOffset()) {
					return true
				}
				stack = append(stack, frame{array: d == '[', wantKey: d == '{'})
			default: // ']'
				stack = stack[:n-1]
				done()
			}
			continue
		}
		if !visit(path(), "", dec.InputOffset()) {
			return true
		}
		done()
	}
}

// pathAt returns the path of the JSON value of b that ends at or after byte
// offset off: the one an encoding/json type error names. encoding/json
// reports its field as "requests.expiry", without the index of the array
// element: in a batch of a thousand requests the caller could not tell which
// one is wrong.
func pathAt(b []byte, off int64) (string, bool) {
	var at string
	found := false
	walkJSON(b, func(path, key string, end int64) bool {
		if key == "" && end >= off {
			at, found = path, true
			return false
		}
		return true
	})
	return at, found
}

// keyPath returns the path of the one object key of b named name and the
// offset where it ends. encoding/json names an unknown field without saying
// where it is (and its decoder has read the whole document by then), so
// the key is looked for; ok is false unless exactly one key has that name.
func keyPath(b []byte, name string) (path string, end int64, ok bool) {
	n := 0
	walkJSON(b, func(p, key string, e int64) bool {
		if key == name {
			n++
			path, end = p, e
		}
		return n < 2
	})
	return path, end, n == 1
}

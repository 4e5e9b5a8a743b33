package gs1

import "strings"

// dlUnreserved is the set of characters a Digital Link writes unescaped in
// AI values: RFC 3986 unreserved characters.
var dlUnreserved = newCharSet(digitChars + upperChars + lowerChars + "-._~")

const hexDigits = "0123456789ABCDEF"

// EscapeDLPath percent-encodes an AI value for a Digital Link path segment:
// every byte but A-Z a-z 0-9 - . _ ~ becomes %HH (upper-case hex).
func EscapeDLPath(v string) string { return escapeDL(v, false) }

// EscapeDLQuery percent-encodes an AI value for a Digital Link query
// parameter: as EscapeDLPath, but a space becomes "+".
func EscapeDLQuery(v string) string { return escapeDL(v, true) }

func escapeDL(v string, query bool) string {
	n := 0
	for i := 0; i < len(v); i++ {
		if !dlUnreserved[v[i]] {
			n++
		}
	}
	if n == 0 {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 2*n)
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case dlUnreserved[c]:
			b.WriteByte(c)
		case c == ' ' && query:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// UnescapeDLPath decodes %HH escapes in a Digital Link path segment. A "%"
// not followed by two hex digits is kept as it is; "+" stays "+".
func UnescapeDLPath(v string) string { return unescapeDL(v, false) }

// UnescapeDLQuery decodes a Digital Link query value: %HH escapes, and "+"
// as a space.
func UnescapeDLQuery(v string) string { return unescapeDL(v, true) }

func unescapeDL(v string, query bool) string {
	if strings.IndexByte(v, '%') < 0 && (!query || strings.IndexByte(v, '+') < 0) {
		return v
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '%' && i+2 < len(v):
			hi, ok1 := unhex(v[i+1])
			lo, ok2 := unhex(v[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
				continue
			}
			b = append(b, c)
		case c == '+' && query:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

package gs1

// charSet is a lookup table of the bytes a GS1 character set admits.
type charSet [256]bool

// newCharSet returns the set holding every byte of members.
func newCharSet(members string) *charSet {
	var s charSet
	for i := 0; i < len(members); i++ {
		s[members[i]] = true
	}
	return &s
}

const (
	digitChars = "0123456789"
	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars = "abcdefghijklmnopqrstuvwxyz"
)

var (
	// cset82 is GS1 AI encodable character set 82 (the "X" type): the
	// invariant subset of ISO/IEC 646.
	cset82 = newCharSet(digitChars + upperChars + lowerChars + "!\"%&'()*+,-./:;<=>?_")
	// cset39 is GS1 AI encodable character set 39 (the "Y" type).
	cset39 = newCharSet(digitChars + upperChars + "#-/")
	// cset10 is the digits (the "N" type).
	cset10 = newCharSet(digitChars)
)

// unhex returns the value of the hexadecimal digit c and whether it is one.
func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// escapedLen counts the characters of v, a value that may hold %HH escapes,
// counting each escape as the one character it stands for. Every character,
// escaped or literal, must be in set; a "%" not followed by two hex digits is
// a literal "%". It returns the count, or -1 and the byte offset of the first
// character outside set.
func escapedLen(v string, set *charSet) (n, badAt int) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '%' && i+2 < len(v) {
			hi, ok1 := unhex(v[i+1])
			lo, ok2 := unhex(v[i+2])
			if ok1 && ok2 {
				if !set[hi<<4|lo] {
					return -1, i
				}
				i += 2
				n++
				continue
			}
		}
		if !set[c] {
			return -1, i
		}
		n++
	}
	return n, -1
}

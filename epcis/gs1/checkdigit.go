package gs1

// CheckDigit returns the GS1 mod-10 check digit for the digits in body (the
// identifier without its check digit), as an ASCII byte '0'..'9'. Weights 3
// and 1 alternate from the rightmost digit, which gets weight 3. It returns 0
// if body is empty or holds a non-digit.
func CheckDigit(body string) byte {
	if body == "" {
		return 0
	}
	sum := 0
	weight := 3
	for i := len(body) - 1; i >= 0; i-- {
		c := body[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weight
		weight = 4 - weight
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidCheckDigit reports whether s is all digits, at least two long, and ends
// with the GS1 mod-10 check digit of the digits before it.
func ValidCheckDigit(s string) bool {
	if len(s) < 2 {
		return false
	}
	return CheckDigit(s[:len(s)-1]) == s[len(s)-1]
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

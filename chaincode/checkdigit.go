package chaincode

// maxIDLen bounds the identifiers the parser looks at (as epcis/gs1 does).
const maxIDLen = 4096

// checkDigit returns the GS1 mod-10 check digit of the digits in body.
// (epcis/gs1 has the same; the chaincode keeps its own two lines so that its
// parsing does not depend on that package's larger surface.)
func checkDigit(body string) byte {
	sum, weight := 0, 3
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * weight
		weight = 4 - weight
	}
	return byte('0' + (10-sum%10)%10)
}

// validCheckDigit reports whether s is all digits and ends with its check digit.
func validCheckDigit(s string) bool {
	return len(s) >= 2 && digits(s) && checkDigit(s[:len(s)-1]) == s[len(s)-1]
}

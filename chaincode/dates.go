package chaincode

import (
	"time"
)

// NormalizeExpiry turns an expiry date into YYYY-MM-DD. It accepts
// YYYY-MM-DD (optionally followed by a time, as xsd:dateTime), and the GS1
// AI (17) form YYMMDD, where day 00 means the last day of the month and the
// century is 20.
func NormalizeExpiry(s string) (string, bool) {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		t, err := time.Parse("2006-01-02", s[:10])
		if err != nil {
			return "", false
		}
		return t.Format("2006-01-02"), true
	}
	if len(s) != 6 || !digits(s) {
		return "", false
	}
	// AI (17) is read without the time package: verification reads one on
	// every request.
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	dd := int(s[4]-'0')*10 + int(s[5]-'0')
	if mm < 1 || mm > 12 {
		return "", false
	}
	last := daysIn(2000+yy, mm)
	if dd == 0 {
		dd = last
	}
	if dd > last {
		return "", false
	}
	b := [10]byte{'2', '0', s[0], s[1], '-', s[2], s[3], '-', byte('0' + dd/10), byte('0' + dd%10)}
	return string(b[:]), true
}

// daysIn is the number of days of month mm (1 to 12) of year y, Gregorian.
func daysIn(y, mm int) int {
	switch mm {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// expired reports whether a product with expiry date (YYYY-MM-DD) is expired
// at t: it stays usable through its expiry day (UTC).
func expired(expiry string, t time.Time) bool {
	var buf [16]byte
	return expiry != "" && string(t.UTC().AppendFormat(buf[:0], "2006-01-02")) > expiry
}

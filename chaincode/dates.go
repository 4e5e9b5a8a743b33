package chaincode

import (
	"strconv"
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
	yy, _ := strconv.Atoi(s[0:2])
	mm, _ := strconv.Atoi(s[2:4])
	dd, _ := strconv.Atoi(s[4:6])
	if mm < 1 || mm > 12 {
		return "", false
	}
	year := 2000 + yy
	last := time.Date(year, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if dd == 0 {
		dd = last
	}
	if dd > last {
		return "", false
	}
	return time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), true
}

// expired reports whether a product with expiry date (YYYY-MM-DD) is expired
// at t: it stays usable through its expiry day (UTC).
func expired(expiry string, t time.Time) bool {
	var buf [16]byte
	return expiry != "" && string(t.UTC().AppendFormat(buf[:0], "2006-01-02")) > expiry
}

package gs1

import (
	"sort"
	"strings"
)

// lintFunc checks one component of an AI's data.
type lintFunc func(v string) lintResult

// The linters below implement the GS1 Barcode Syntax Tests named in the
// dictionary. Each reports the first problem found as a GS1 linter error
// name (lower case) and the offending span.

// lintCharset checks a component against its dictionary type.
func lintCharset(typ byte, v string) lintResult {
	switch typ {
	case 'N':
		return lintCsetnumeric(v)
	case 'X':
		return lintCset82(v)
	case 'Y':
		return lintCset39(v)
	case 'Z':
		return lintCset64(v)
	}
	return lintFail("unknown_component_type", 0, len(v))
}

// firstOutside returns the offset of the first byte of v not in set, or -1.
func firstOutside(v string, set *charSet) int {
	for i := 0; i < len(v); i++ {
		if !set[v[i]] {
			return i
		}
	}
	return -1
}

func lintCsetnumeric(v string) lintResult {
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	return lintOK
}

func lintCset82(v string) lintResult {
	if i := firstOutside(v, cset82); i >= 0 {
		return lintFail("invalid_cset82_character", i, 1)
	}
	return lintOK
}

func lintCset39(v string) lintResult {
	if i := firstOutside(v, cset39); i >= 0 {
		return lintFail("invalid_cset39_character", i, 1)
	}
	return lintOK
}

// base64url is the file-safe base64 alphabet without padding.
var base64url = newCharSet(digitChars + upperChars + lowerChars + "-_")

// lintCset64 checks file-safe base64: alphabet characters, then at most two
// "=" padding characters making the length a multiple of three.
func lintCset64(v string) lintResult {
	end := len(v)
	for end > 0 && v[end-1] == '=' {
		end--
	}
	if i := firstOutside(v[:end], base64url); i >= 0 {
		return lintFail("invalid_cset64_character", i, 1)
	}
	if pads := len(v) - end; pads > 0 && (end == 0 || pads > 2 || len(v)%3 != 0) {
		return lintFail("invalid_cset64_padding", end, pads)
	}
	return lintOK
}

func lintCsum(v string) lintResult {
	if v == "" {
		return lintFail("too_short_for_check_digit", 0, 0)
	}
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	want := byte('0') // the check digit of an empty body
	if len(v) > 1 {
		want = CheckDigit(v[:len(v)-1])
	}
	if v[len(v)-1] != want {
		return lintFail("incorrect_check_digit", len(v)-1, 1)
	}
	return lintOK
}

// cset82Order is GS1 character set 82 in the order of its values, used by
// the alphanumeric check character pair.
const cset82Order = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// cset32Order is the alphabet of check character pairs.
const cset32Order = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// cset82Value maps a character to its value in cset82Order (0xff if none).
var cset82Value = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(cset82Order); i++ {
		t[cset82Order[i]] = byte(i)
	}
	return t
}()

// checkPairPrimes are the weights of the check character pair, right to left.
var checkPairPrimes = func() []int {
	p := make([]int, 0, 97)
	for n := 2; len(p) < 97; n++ {
		prime := true
		for _, q := range p {
			if q*q > n {
				break
			}
			if n%q == 0 {
				prime = false
				break
			}
		}
		if prime {
			p = append(p, n)
		}
	}
	return p
}()

// CheckCharacterPair returns the two check characters GS1 appends to an
// alphanumeric key such as a GMN (AI 8013), or false if data is longer than
// 97 characters or holds a character outside GS1 character set 82.
func CheckCharacterPair(data string) (string, bool) {
	if len(data) > len(checkPairPrimes) {
		return "", false
	}
	sum := 0
	for i := 0; i < len(data); i++ {
		v := cset82Value[data[len(data)-1-i]]
		if v == 0xff {
			return "", false
		}
		sum += int(v) * checkPairPrimes[i]
	}
	sum %= 1021
	return string([]byte{cset32Order[sum/32], cset32Order[sum%32]}), true
}

func lintCsumalpha(v string) lintResult {
	if len(v) < 2 {
		return lintFail("too_short_for_check_pair", 0, len(v))
	}
	if len(v)-2 > len(checkPairPrimes) {
		return lintFail("too_long_for_check_pair_implementation", 0, len(v))
	}
	data := v[:len(v)-2]
	if i := firstOutside(data, cset82); i >= 0 {
		return lintFail("invalid_cset82_character", i, 1)
	}
	if pair, _ := CheckCharacterPair(data); pair != v[len(v)-2:] {
		return lintFail("incorrect_check_pair", len(v)-2, 2)
	}
	return lintOK
}

// twoDigits returns the value of the two digits at v[i:i+2].
func twoDigits(v string, i int) int { return int(v[i]-'0')*10 + int(v[i+1]-'0') }

// daysIn returns the number of days in month m (1..12) of a year, given
// whether the year is a leap year.
func daysIn(m int, leap bool) int {
	switch m {
	case 2:
		if leap {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// lintDate checks a date of yearDigits-digit year, month and day; zeroDay
// allows day 00 (meaning the end of the month).
func lintDate(v string, yearDigits int, zeroDay bool) lintResult {
	n := yearDigits + 4
	if len(v) < n {
		return lintFail("date_too_short", 0, len(v))
	}
	if len(v) > n {
		return lintFail("date_too_long", 0, len(v))
	}
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	var leap bool
	if yearDigits == 2 {
		// Two-digit years fall within 1951..2050 for any plausible "now"
		// (GS1 GenSpecs 7.12), where every year divisible by 4 is a leap year.
		leap = twoDigits(v, 0)%4 == 0
	} else {
		y := twoDigits(v, 0)*100 + twoDigits(v, 2)
		leap = y%4 == 0 && (y%100 != 0 || y%400 == 0)
	}
	m := twoDigits(v, yearDigits)
	if m < 1 || m > 12 {
		return lintFail("illegal_month", yearDigits, 2)
	}
	d := twoDigits(v, yearDigits+2)
	if d == 0 && zeroDay {
		return lintOK
	}
	if d < 1 || d > daysIn(m, leap) {
		return lintFail("illegal_day", yearDigits+2, 2)
	}
	return lintOK
}

func lintYymmdd(v string) lintResult   { return lintDate(v, 2, false) }
func lintYymmd0(v string) lintResult   { return lintDate(v, 2, true) }
func lintYyyymmdd(v string) lintResult { return lintDate(v, 4, false) }
func lintYyyymmd0(v string) lintResult { return lintDate(v, 4, true) }

// lintTwoDigitField checks a two-digit hour, minute or second no larger than
// max; names holds the too-short, too-long and illegal error names.
func lintTwoDigitField(v string, max int, short, long, illegal string) lintResult {
	if len(v) < 2 {
		return lintFail(short, 0, len(v))
	}
	if len(v) > 2 {
		return lintFail(long, 0, len(v))
	}
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	if twoDigits(v, 0) > max {
		return lintFail(illegal, 0, 2)
	}
	return lintOK
}

func lintHh(v string) lintResult {
	return lintTwoDigitField(v, 23, "hour_too_short", "hour_too_long", "illegal_hour")
}

func lintMi(v string) lintResult {
	return lintTwoDigitField(v, 59, "minute_too_short", "minute_too_long", "illegal_minute")
}

func lintSs(v string) lintResult {
	return lintTwoDigitField(v, 59, "second_too_short", "second_too_long", "illegal_second")
}

func lintHhmi(v string) lintResult {
	if len(v) < 4 {
		return lintFail("hour_with_minute_too_short", 0, len(v))
	}
	if len(v) > 4 {
		return lintFail("hour_with_minute_too_long", 0, len(v))
	}
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	if twoDigits(v, 0) > 23 {
		return lintFail("illegal_hour", 0, 2)
	}
	if twoDigits(v, 2) > 59 {
		return lintFail("illegal_minute", 2, 2)
	}
	return lintOK
}

// inSorted reports whether v is in the sorted list.
func inSorted(list []string, v string) bool {
	i := sort.SearchStrings(list, v)
	return i < len(list) && list[i] == v
}

func lintIso3166(v string) lintResult {
	if !inSorted(iso3166Numeric, v) {
		return lintFail("not_iso3166", 0, len(v))
	}
	return lintOK
}

func lintIso3166999(v string) lintResult {
	if v != "999" && !inSorted(iso3166Numeric, v) {
		return lintFail("not_iso3166_or_999", 0, len(v))
	}
	return lintOK
}

func lintIso3166alpha2(v string) lintResult {
	if !inSorted(iso3166Alpha2, v) {
		return lintFail("not_iso3166_alpha2", 0, len(v))
	}
	return lintOK
}

func lintIso4217(v string) lintResult {
	if !inSorted(iso4217Numeric, v) {
		return lintFail("not_iso4217", 0, len(v))
	}
	return lintOK
}

// lintIban checks an International Bank Account Number: length 5..34,
// country code, check digits, upper-case alphanumeric account part, and the
// ISO 13616 mod-97 checksum.
func lintIban(v string) lintResult {
	if len(v) < 5 {
		return lintFail("iban_too_short", 0, len(v))
	}
	if len(v) > 34 {
		return lintFail("iban_too_long", 0, len(v))
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		ok := c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if i < 2 {
			ok = c >= 'A' && c <= 'Z'
		} else if i < 4 {
			ok = c >= '0' && c <= '9'
		}
		if !ok {
			return lintFail("invalid_iban_character", i, 1)
		}
	}
	if !inSorted(iso3166Alpha2, v[:2]) {
		return lintFail("illegal_iban_country_code", 0, 2)
	}
	rem := 0
	for k := 0; k < len(v); k++ {
		c := v[(k+4)%len(v)]
		if c >= 'A' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	if rem != 1 {
		return lintFail("incorrect_iban_checksum", 2, 2)
	}
	return lintOK
}

func lintPcenc(v string) lintResult {
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			continue
		}
		n := min(3, len(v)-i)
		if n < 3 {
			return lintFail("invalid_percent_sequence", i, n)
		}
		if _, ok := unhex(v[i+1]); !ok {
			return lintFail("invalid_percent_sequence", i, n)
		}
		if _, ok := unhex(v[i+2]); !ok {
			return lintFail("invalid_percent_sequence", i, n)
		}
		i += 2
	}
	return lintOK
}

// allZero reports whether the digits of v are all '0'.
func allZero(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] != '0' {
			return false
		}
	}
	return true
}

// lintPieceoftotal checks a piece number and a total of equal length, both
// non-zero, the piece no larger than the total.
func lintPieceoftotal(v string) lintResult {
	if len(v) < 2 || len(v)%2 != 0 {
		return lintFail("invalid_length_for_piece_of_total", 0, len(v))
	}
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	h := len(v) / 2
	if allZero(v[:h]) {
		return lintFail("zero_piece_number", 0, h)
	}
	if allZero(v[h:]) {
		return lintFail("zero_total_pieces", h, h)
	}
	if v[:h] > v[h:] {
		return lintFail("piece_number_exceeds_total", 0, len(v))
	}
	return lintOK
}

// lintPosinseqslash checks "position/end" with positive numbers without
// leading zeros and position <= end.
func lintPosinseqslash(v string) lintResult {
	slash := -1
	for i := 0; i < len(v); i++ {
		if v[i] == '/' {
			if slash >= 0 {
				return lintFail("position_in_sequence_malformed", 0, len(v))
			}
			slash = i
		}
	}
	if slash <= 0 || slash == len(v)-1 || !isDigits(v[:slash]) || !isDigits(v[slash+1:]) {
		return lintFail("position_in_sequence_malformed", 0, len(v))
	}
	pos, end := v[:slash], v[slash+1:]
	if pos[0] == '0' {
		return lintFail("illegal_zero_prefix", 0, len(pos))
	}
	if end[0] == '0' {
		return lintFail("illegal_zero_prefix", slash+1, len(end))
	}
	if len(pos) > len(end) || len(pos) == len(end) && pos > end {
		return lintFail("position_exceeds_end", 0, len(v))
	}
	return lintOK
}

func lintZero(v string) lintResult {
	if v == "" || !allZero(v) {
		return lintFail("not_zero", 0, len(v))
	}
	return lintOK
}

func lintNonzero(v string) lintResult {
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	if allZero(v) {
		return lintFail("illegal_zero_value", 0, len(v))
	}
	return lintOK
}

func lintNozeroprefix(v string) lintResult {
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	if v != "" && v[0] == '0' {
		return lintFail("illegal_zero_prefix", 0, 1)
	}
	return lintOK
}

func lintHasnondigit(v string) lintResult {
	if firstOutside(v, cset10) < 0 {
		return lintFail("requires_non_digit_character", 0, len(v))
	}
	return lintOK
}

// lintOneOf passes when v is one of the allowed values.
func lintOneOf(v, code string, allowed ...string) lintResult {
	for _, a := range allowed {
		if v == a {
			return lintOK
		}
	}
	return lintFail(code, 0, len(v))
}

func lintWinding(v string) lintResult {
	return lintOneOf(v, "invalid_winding_direction", "0", "1", "9")
}

func lintYesno(v string) lintResult { return lintOneOf(v, "not_zero_or_one", "0", "1") }

func lintIso5218(v string) lintResult {
	return lintOneOf(v, "invalid_biological_sex_code", "0", "1", "2", "9")
}

func lintHyphen(v string) lintResult {
	if v == "" || strings.Trim(v, "-") != "" {
		return lintFail("not_hyphen", 0, len(v))
	}
	return lintOK
}

// importerIdxChars are the characters of an importer index (AI 7040).
var importerIdxChars = newCharSet(digitChars + upperChars + lowerChars + "-_")

func lintImporteridx(v string) lintResult {
	if len(v) != 1 {
		return lintFail("importer_idx_must_be_one_character", 0, len(v))
	}
	if !importerIdxChars[v[0]] {
		return lintFail("invalid_import_idx_character", 0, 1)
	}
	return lintOK
}

// lintMediatype checks an AIDC media type: 01..10 or 80..99.
func lintMediatype(v string) lintResult {
	if len(v) != 2 || !isDigits(v) {
		return lintFail("invalid_media_type", 0, len(v))
	}
	if n := twoDigits(v, 0); n < 1 || n > 10 && n < 80 {
		return lintFail("invalid_media_type", 0, 2)
	}
	return lintOK
}

// lintCoordinate checks a 10-digit latitude or longitude no larger than max.
func lintCoordinate(v string, max int, lengthCode, valueCode string) lintResult {
	if len(v) != 10 {
		return lintFail(lengthCode, 0, len(v))
	}
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	n := 0
	for i := 0; i < len(v); i++ {
		n = n*10 + int(v[i]-'0')
	}
	if n > max {
		return lintFail(valueCode, 0, len(v))
	}
	return lintOK
}

func lintLatitude(v string) lintResult {
	return lintCoordinate(v, 1800000000, "latitude_invalid_length", "invalid_latitude")
}

func lintLongitude(v string) lintResult {
	return lintCoordinate(v, 3600000000, "longitude_invalid_length", "invalid_longitude")
}

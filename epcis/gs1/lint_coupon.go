package gs1

// The North American coupon linters: AI (8110) carries the coupon code of
// the "North American Coupon Application Guideline Using GS1 DataBar
// Expanded Symbols", AI (8112) the positive offer file coupon code. Both are
// digit strings of fields, most of them led by a variable length indicator
// (VLI) digit that gives the length of the field after it. The checks and
// error names follow the GS1 Barcode Syntax Tests; as elsewhere in this
// package, the GS1 Company Prefix fields are not checked against the prefix
// table (gcppos1), which is not shipped.

// couponCursor walks a coupon code field by field. Every read either
// advances the cursor or returns the failed rule; missing and truncated
// fields are reported the way the GS1 Barcode Syntax Tests mark them.
type couponCursor struct {
	data string
	p    int
}

// atEnd reports whether all data has been read.
func (c *couponCursor) atEnd() bool { return c.p == len(c.data) }

// missing reports a field absent at the end of the data: the whole data is
// marked.
func (c *couponCursor) missing(code string) lintResult { return lintFail(code, 0, len(c.data)) }

// short reports a field cut off by the end of the data: the rest is marked,
// or the whole data when nothing is left.
func (c *couponCursor) short(code string) lintResult {
	if c.atEnd() {
		return c.missing(code)
	}
	return lintFail(code, c.p, len(c.data)-c.p)
}

// digit reads one digit that must satisfy ok: missingCode when there is
// none, invalidCode (marking the digit) when it does not.
func (c *couponCursor) digit(missingCode, invalidCode string, ok func(byte) bool) (byte, lintResult) {
	if c.atEnd() {
		return 0, c.missing(missingCode)
	}
	d := c.data[c.p]
	if ok != nil && !ok(d) {
		return 0, lintFail(invalidCode, c.p, 1)
	}
	c.p++
	return d, lintOK
}

// fixed reads a field of n digits.
func (c *couponCursor) fixed(n int, truncatedCode string) (string, lintResult) {
	if len(c.data)-c.p < n {
		return "", c.short(truncatedCode)
	}
	c.p += n
	return c.data[c.p-n : c.p], lintOK
}

// vliField reads a VLI digit (checked by ok) and the field of length(vli)
// digits after it.
func (c *couponCursor) vliField(missingCode, invalidCode, truncatedCode string, ok func(byte) bool, length func(byte) int) lintResult {
	d, r := c.digit(missingCode, invalidCode, ok)
	if !r.ok() {
		return r
	}
	_, r = c.fixed(length(d), truncatedCode)
	return r
}

// option reports whether the optional field led by indicator comes next,
// and consumes the indicator if so.
func (c *couponCursor) option(indicator byte) bool {
	if c.atEnd() || c.data[c.p] != indicator {
		return false
	}
	c.p++
	return true
}

// Digit ranges and VLI lengths of the coupon fields.
func digitIn(lo, hi byte) func(byte) bool { return func(d byte) bool { return d >= lo && d <= hi } }

func requirementCode(d byte) bool { return d <= '4' || d == '9' }
func gcpVLI(d byte) bool          { return d <= '6' || d == '9' }
func plus6(d byte) int            { return int(d-'0') + 6 }
func plus0(d byte) int            { return int(d - '0') }

// gcpLength is the length a purchase GCP VLI gives: 6 plus the digit, or
// none for "9" (no GCP: the primary one applies).
func gcpLength(d byte) int {
	if d == '9' {
		return 0
	}
	return plus6(d)
}

// lintCouponcode checks an AI (8110) coupon code.
func lintCouponcode(v string) lintResult {
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	c := &couponCursor{data: v}
	steps := []func() lintResult{
		func() lintResult {
			return c.vliField("coupon_missing_gcp_vli", "coupon_invalid_gcp_length", "coupon_truncated_gcp", digitIn('0', '6'), plus6)
		},
		func() lintResult { _, r := c.fixed(6, "coupon_truncated_offer_code"); return r },
		func() lintResult {
			return c.vliField("coupon_missing_save_value_vli", "coupon_invalid_save_value_length", "coupon_truncated_save_value", digitIn('1', '5'), plus0)
		},
		func() lintResult { return c.purchase("1st", nil) },
	}
	for _, step := range steps {
		if r := step(); !r.ok() {
			return r
		}
	}
	if c.option('1') {
		rules := func() lintResult {
			_, r := c.digit("coupon_missing_additional_purchase_rules_code", "coupon_invalid_additional_purchase_rules_code", digitIn('0', '3'))
			return r
		}
		if r := c.purchase("2nd", rules); !r.ok() {
			return r
		}
	}
	if c.option('2') {
		if r := c.purchase("3rd", nil); !r.ok() {
			return r
		}
	}
	expiry := ""
	if c.option('3') {
		d, r := c.date("coupon_too_short_for_expiration_date", "coupon_invalid_exipiration_date")
		if !r.ok() {
			return r
		}
		expiry = d
	}
	if c.option('4') {
		start, r := c.date("coupon_too_short_for_start_date", "coupon_invalid_start_date")
		if !r.ok() {
			return r
		}
		if expiry != "" && start > expiry {
			// Mark both date fields with their indicators.
			return lintFail("coupon_expiration_before_start", c.p-14, 14)
		}
	}
	if c.option('5') {
		if r := c.vliField("coupon_missing_serial_number_vli", "", "coupon_truncated_serial_number", nil, plus6); !r.ok() {
			return r
		}
	}
	if c.option('6') {
		if r := c.vliField("coupon_missing_retailer_gcp_or_gln_vli", "coupon_invalid_retailer_gcp_or_gln_length", "coupon_truncated_retailer_gcp_or_gln", digitIn('1', '7'), plus6); !r.ok() {
			return r
		}
	}
	if c.option('9') {
		misc := []struct {
			missing, invalid string
			ok               func(byte) bool
		}{
			{"coupon_missing_save_value_code", "coupon_invalid_save_value_code", func(d byte) bool { return d <= '2' || d == '5' || d == '6' }},
			{"coupon_missing_save_value_applies_to_item", "coupon_invalid_save_value_applies_to_item", digitIn('0', '2')},
			{"coupon_missing_store_coupon_flag", "", nil},
			{"coupon_missing_dont_multiply_flag", "coupon_invalid_dont_multiply_flag", digitIn('0', '1')},
		}
		for _, m := range misc {
			if _, r := c.digit(m.missing, m.invalid, m.ok); !r.ok() {
				return r
			}
		}
	}
	if !c.atEnd() {
		return lintFail("coupon_excess_data", c.p, len(v)-c.p)
	}
	return lintOK
}

// purchase reads a purchase requirement block of an (8110) coupon: for the
// 2nd purchase the additional rules code first (rules), then the
// requirement VLI and value, the requirement code, the family code and, for
// the 2nd and 3rd purchases, the purchase's GCP VLI and GCP.
func (c *couponCursor) purchase(nth string, rules func() lintResult) lintResult {
	if rules != nil {
		if r := rules(); !r.ok() {
			return r
		}
	}
	p := "coupon_missing_" + nth + "_purchase_"
	if r := c.vliField(p+"requirement_vli", "coupon_invalid_"+nth+"_purchase_requirement_length", "coupon_truncated_"+nth+"_purchase_requirement", digitIn('1', '5'), plus0); !r.ok() {
		return r
	}
	if _, r := c.digit(p+"requirement_code", "coupon_invalid_"+nth+"_purchase_requirement_code", requirementCode); !r.ok() {
		return r
	}
	if _, r := c.fixed(3, "coupon_truncated_"+nth+"_purchase_family_code"); !r.ok() {
		return r
	}
	if nth == "1st" {
		return lintOK
	}
	return c.vliField(p+"gcp_vli", "coupon_invalid_"+nth+"_purchase_gcp_length", "coupon_truncated_"+nth+"_purchase_gcp", gcpVLI, gcpLength)
}

// date reads a YYMMDD date field of an (8110) coupon.
func (c *couponCursor) date(shortCode, invalidCode string) (string, lintResult) {
	start := c.p
	d, r := c.fixed(6, shortCode)
	if !r.ok() {
		return "", r
	}
	if !lintYymmdd(d).ok() {
		return "", lintFail(invalidCode, start, 6)
	}
	return d, lintOK
}

// lintCouponposoffer checks an AI (8112) positive offer file coupon code:
// format code, funder ID after its VLI, offer code, serial number after its
// VLI, and nothing more.
func lintCouponposoffer(v string) lintResult {
	if i := firstOutside(v, cset10); i >= 0 {
		return lintFail("non_digit_character", i, 1)
	}
	c := &couponCursor{data: v}
	if _, r := c.digit("coupon_missing_format_code", "coupon_invalid_format_code", digitIn('0', '1')); !r.ok() {
		return r
	}
	if r := c.vliField("coupon_missing_funder_vli", "coupon_invalid_funder_length", "coupon_truncated_funder", digitIn('0', '6'), plus6); !r.ok() {
		return r
	}
	if _, r := c.fixed(6, "coupon_truncated_offer_code"); !r.ok() {
		return r
	}
	if r := c.vliField("coupon_missing_serial_number_vli", "", "coupon_truncated_serial_number", nil, plus6); !r.ok() {
		return r
	}
	if !c.atEnd() {
		return lintFail("coupon_excess_data", c.p, len(v)-c.p)
	}
	return lintOK
}

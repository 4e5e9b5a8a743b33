package records_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
	"rxledger/services/records"
)

// TestRecall: the lot's owner recalls it, after which verification of its
// packages says Recalled; every refusal before that changes nothing.
func TestRecall(t *testing.T) {
	e := newEnv(t)
	r1, r2 := sgtin("R1"), sgtin("R2")
	e.mustCapture(mfr, nil, e.commission("L1", r1, r2), e.ship(whsSGLN, r1), e.commission("L2", sgtin("R3")),
		e.commission("A/1", sgtin("R4")))
	e.mustCapture(whs, nil, e.step("receiving", r1))
	path := "/lots/" + gtin + "/L1/recall"
	lot := func() string { // the lot record as the ledger holds it
		var l chaincode.LotRecord
		if err := e.evaluate(reg, &l, chaincode.FnReadLotRecord, gtin, "L1"); err != nil {
			t.Fatal(err)
		}
		return mustJSON(t, l)
	}
	good := `{"reason":"sterility assurance"}`
	post := http.MethodPost
	tests := []refusal{
		{name: "no key", path: path, body: good, status: 401, code: problem.Unauthorized},
		{name: "a wholesaler key", key: keyWhs, path: path, body: good, status: 403, code: problem.Forbidden,
			detail: "the wholesaler role may not do this (allowed: manufacturer, repackager)"},
		{name: "a regulator key", key: keyReg, path: path, body: good, status: 403, code: problem.Forbidden,
			detail: "the regulator role may not do this"},
		{name: "a key of the regulator organisation without the regulator role", key: keyRegWholesaler, path: path, body: good,
			status: 403, code: problem.Forbidden, detail: "RegulatorMSP is a regulator"},
		{name: "a repackager that does not own the lot", key: keyWhsRepackager, path: path, body: good, status: 403,
			code: problem.Forbidden, rule: "not-gtin-owner", submits: 1, detail: "only ManufacturerMSP recalls GTIN " + gtin},
		{name: "an unknown lot", key: keyMfr, path: "/lots/" + gtin + "/NOSUCHLOT/recall", body: good, status: 404,
			code: problem.NotFound, rule: "unknown-lot", submits: 1, detail: `no lot "NOSUCHLOT"`},
		{name: "a GTIN with a wrong check digit", key: keyMfr, path: "/lots/00312345678907/L1/recall", body: good, status: 400,
			code: problem.Invalid, fields: []string{"gtin"}, detail: "check digit"},
		{name: "a GTIN with a letter", key: keyMfr, path: "/lots/0031234567890A/L1/recall", body: good, status: 400,
			code: problem.Invalid, fields: []string{"gtin"}, detail: "all digits"},
		{name: "a lot of 21 characters", key: keyMfr, path: "/lots/" + gtin + "/" + strings.Repeat("L", 21) + "/recall", body: good,
			status: 400, code: problem.Invalid, fields: []string{"lot"}, detail: "is not a GS1 lot number"},
		{name: "no reason", key: keyMfr, path: path, body: `{}`, status: 400, code: problem.Invalid, fields: []string{"reason"},
			detail: "a recall needs a reason"},
		{name: "a blank reason", key: keyMfr, path: path, body: `{"reason":" \t "}`, status: 400, code: problem.Invalid,
			fields: []string{"reason"}},
		{name: "a reason with a line break", key: keyMfr, path: path, body: `{"reason":"sterility\nassurance"}`, status: 400,
			code: problem.Invalid, fields: []string{"reason"}, detail: "without line breaks"},
		{name: "a reason that is not a string", key: keyMfr, path: path, body: `{"reason":7}`, status: 400, code: problem.Invalid,
			fields: []string{"reason"}},
		{name: "a body that is not JSON", key: keyMfr, path: path, body: `reason=sterility`, status: 400, code: problem.Invalid,
			fields: []string{""}, detail: "malformed JSON"},
		{name: "an empty body", key: keyMfr, path: path, status: 400, code: problem.Invalid, detail: "request body is empty"},
		{name: "an unknown field", key: keyMfr, path: path, body: `{"reason":"sterility","lot":"L2"}`, status: 400,
			code: problem.Invalid, fields: []string{"lot"}, detail: `unknown field "lot"`},
		{name: "a body over the limit", key: keyMfr, path: path, body: `{"reason":"` + strings.Repeat("x", records.MaxBodyBytes) + `"}`,
			status: 413, code: problem.TooLarge},
		{name: "a GET of the recall", method: http.MethodGet, key: keyMfr, path: path, status: 405, code: problem.MethodNotAllowed,
			detail: "allowed: POST"},
		{name: "a POST of the lot", key: keyMfr, path: "/lots/" + gtin + "/L1", body: good, status: 405, code: problem.MethodNotAllowed,
			detail: "allowed: GET"},
		{name: "a lot with a '/' not written %2F", key: keyMfr, path: "/lots/" + gtin + "/A/1/recall", body: good, status: 404,
			code: problem.NotFound, detail: "written %2F"},
	}
	for _, tt := range tests {
		if tt.method == "" {
			tt.method = post
		}
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e, lot) })
	}

	var first records.Recalled
	t.Run("the owner recalls the lot", func(t *testing.T) {
		e.do(post, keyMfr, path, good).Decode(t, http.StatusOK, &first)
		l := first.Lot
		if !l.Recalled || l.RecallReason != "sterility assurance" || l.RecallTime == nil || l.GTIN != gtin || l.Lot != "L1" || l.Owner != mfr {
			t.Fatalf("recalled %+v", l)
		}
		if first.TxID == "" || first.Block != e.height()-1 {
			t.Fatalf("tx %q block %d; the ledger's last block is %d", first.TxID, first.Block, e.height()-1)
		}
		if lot() != mustJSON(t, l) {
			t.Fatalf("answered %+v; the ledger holds %s", l, lot())
		}
	})
	t.Run("verification of a package of the lot says Recalled", func(t *testing.T) {
		var v chaincode.VerifyResult
		req := mustJSON(t, chaincode.VerifyRequest{GTIN: gtin, Serial: "R1", Lot: "L1", Expiry: expiry})
		if err := e.evaluate(whs, &v, chaincode.FnVerify, req); err != nil {
			t.Fatal(err)
		}
		if !v.Verified || v.AdditionalInfo != chaincode.InfoRecalled {
			t.Fatalf("verification %+v; want verified and Recalled", v)
		}
	})
	t.Run("the holder reads the lot as recalled", func(t *testing.T) {
		var st chaincode.LotStatus
		e.get(keyWhs, "/lots/"+gtin+"/L1", &st)
		if !st.Recalled || st.RecallReason != "sterility assurance" || !st.Restricted ||
			!slices.Equal(st.Holders, []chaincode.LotHolding{{Org: whs, Count: 1}}) {
			t.Fatalf("lot %+v", st)
		}
	})
	t.Run("a second recall answers the first", func(t *testing.T) {
		var again records.Recalled
		before := e.height()
		e.do(post, keyMfr, path, `{"reason":"another reason"}`).Decode(t, http.StatusOK, &again)
		if !again.Lot.RecallTime.Equal(*first.Lot.RecallTime) || again.Lot.RecallReason != "sterility assurance" {
			t.Fatalf("recalled again %+v; first %+v", again.Lot, first.Lot)
		}
		if again.TxID != "" || e.height() != before {
			t.Fatalf("a second recall wrote transaction %q (height %d, was %d)", again.TxID, e.height(), before)
		}
	})
	t.Run("a recall that another request wins answers the lot as recalled, with no transaction", func(t *testing.T) {
		// The other request commits between anything the service could
		// read and its own submission: the chaincode refuses the second
		// (already-recalled), writing nothing, and the service answers the
		// lot as the first left it.
		e.mustCapture(mfr, nil, e.commission("LW", sgtin("W1")))
		e.spy.Before = func(ledger.Transaction) {
			e.spy.Before = nil
			e.submit(mfr, chaincode.FnRecallLot, gtin, "LW", "the other request")
		}
		t.Cleanup(func() { e.spy.Before = nil })
		n := e.spy.Submits()
		var out records.Recalled
		r := e.do(post, keyMfr, "/lots/"+gtin+"/LW/recall", good)
		r.Decode(t, http.StatusOK, &out)
		height := e.height()
		if out.TxID != "" || !out.Lot.Recalled || out.Lot.RecallReason != "the other request" || out.Lot.RecallTime == nil {
			t.Fatalf("answer %s", r.Body)
		}
		if e.spy.Submits() != n+1 {
			t.Fatalf("%d submissions, want 1", e.spy.Submits()-n)
		}
		// And a recall of the recalled lot by anyone else is still refused
		// as any recall by another than the owner.
		tt := refusal{method: post, key: keyWhsRepackager, path: "/lots/" + gtin + "/LW/recall", body: good, status: 403,
			code: problem.Forbidden, rule: "not-gtin-owner", submits: 1}
		tt.check(t, e, func() string { return mustJSON(t, out.Lot) })
		if e.height() != height {
			t.Fatal("a refused recall wrote a transaction")
		}
	})
	t.Run("a GTIN-13 names the same lot", func(t *testing.T) {
		var out records.Recalled
		e.do(post, keyMfr, "/lots/"+gtin[1:]+"/L2/recall", good).Decode(t, http.StatusOK, &out)
		if out.Lot.GTIN != gtin || out.Lot.Lot != "L2" || !out.Lot.Recalled {
			t.Fatalf("recalled %+v", out.Lot)
		}
	})
	t.Run("a lot with a '/' written %2F", func(t *testing.T) {
		var out records.Recalled
		e.do(post, keyMfr, "/lots/"+gtin+"/A%2F1/recall", good).Decode(t, http.StatusOK, &out)
		if out.Lot.Lot != "A/1" || !out.Lot.Recalled {
			t.Fatalf("recalled %+v", out.Lot)
		}
		var st chaincode.LotStatus
		e.get(keyMfr, "/lots/"+gtin+"/A%2F1", &st)
		if st.Lot != "A/1" || !st.Recalled || st.Commissioned != 1 {
			t.Fatalf("lot %+v", st)
		}
	})
}

// TestReadLot: the lot's owner and the regulator see every holder and the
// counts; anyone else only its own holding, as ReadLot answers it.
func TestReadLot(t *testing.T) {
	e := newEnv(t)
	a, b, c := sgtin("A"), sgtin("B"), sgtin("C")
	e.mustCapture(mfr, nil, e.commission("L1", a, b, c), e.ship(whsSGLN, a, b))
	e.mustCapture(whs, nil, e.step("receiving", a, b))
	all := []chaincode.LotHolding{{Org: mfr, Count: 1}, {Org: whs, Count: 2}}
	for _, tc := range []struct {
		key        string
		restricted bool
		holders    []chaincode.LotHolding
	}{
		{keyMfr, false, all},
		{keyReg, false, all},
		{keyWhs, true, []chaincode.LotHolding{{Org: whs, Count: 2}}},
		{keyPha, true, []chaincode.LotHolding{}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			var st chaincode.LotStatus
			e.get(tc.key, "/lots/"+gtin+"/L1", &st)
			if st.Owner != mfr || st.Lot != "L1" || st.Expiry != expiry || st.Restricted != tc.restricted ||
				!slices.Equal(st.Holders, tc.holders) {
				t.Fatalf("lot %+v", st)
			}
			if want := map[bool]int{false: 3, true: 0}[tc.restricted]; st.Commissioned != want {
				t.Fatalf("commissioned %d, want %d", st.Commissioned, want)
			}
		})
	}
	none := func() string { return "" }
	for _, tt := range []refusal{
		{name: "an unknown lot", key: keyWhs, path: "/lots/" + gtin + "/L9", status: 404, code: problem.NotFound, rule: "unknown-lot"},
		{name: "a GTIN of 11 digits", key: keyWhs, path: "/lots/03123456789/L1", status: 400, code: problem.Invalid,
			fields: []string{"gtin"}, detail: "must have 8, 12, 13 or 14 digits"},
		{name: "no lot", key: keyWhs, path: "/lots/" + gtin + "/", status: 400, code: problem.Invalid, fields: []string{"lot"}},
		{name: "more than a lot", key: keyWhs, path: "/lots/" + gtin + "/L1/holders", status: 404, code: problem.NotFound},
		{name: "no key", path: "/lots/" + gtin + "/L1", status: 401, code: problem.Unauthorized},
	} {
		tt.method = http.MethodGet
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e, none) })
	}
}

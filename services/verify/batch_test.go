package verify

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
	"rxledger/services/verify/verifytest"
)

// TestVerifyBatch checks POST /verify/batch: one answer per request in
// order, an unknown GTIN answered in place, and the refusals.
func TestVerifyBatch(t *testing.T) {
	for _, impl := range cacheImpls {
		t.Run(impl.name, func(t *testing.T) {
			f := newFixture(t, impl.redis, Options{NoLag: true, MaxBatch: 4})
			w := f.w
			a, b := w.Serial("B1"), w.Serial("B2")
			lot := w.Serial("LB")
			w.Distribute(lot, a, b)
			w.Dispense(verifytest.Pharmacy, b)
			f.caughtUp()

			body := BatchRequest{Requests: []Request{
				{GTIN: verifytest.GTIN, Serial: a, Lot: lot, Expiry: verifytest.Expiry, CorrUUID: "u-1"},
				{GTIN: verifytest.GTIN, Serial: b},
				{GTIN: verifytest.UnknownGTIN, Serial: a},
				{GTIN: verifytest.GTIN, Serial: a, Lot: "OTHER"},
			}}
			status, raw := f.do(http.MethodPost, "/verify/batch", verifytest.Wholesaler, body)
			if status != http.StatusOK {
				t.Fatalf("batch: %d %s", status, raw)
			}
			var out BatchResponse
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Responses) != 4 {
				t.Fatalf("%d responses: %s", len(out.Responses), raw)
			}
			r := out.Responses
			if !r[0].Verified || r[0].CorrUUID != "u-1" || r[0].Source != SourceCache {
				t.Errorf("active package: %+v", r[0])
			}
			if r[1].Verified || r[1].VerificationFailureReason != chaincode.NotForRedistribution {
				t.Errorf("dispensed package: %+v", r[1])
			}
			if r[2].Problem == nil || r[2].Problem.Code != problem.NotFound || r[2].Verified {
				t.Errorf("unknown GTIN: %+v", r[2])
			}
			var entries struct{ Responses []map[string]json.RawMessage }
			if err := json.Unmarshal(raw, &entries); err != nil {
				t.Fatal(err)
			}
			if _, has := entries.Responses[2]["verified"]; has {
				t.Errorf("unknown GTIN answered with a verified field beside its problem: %s", raw)
			}
			if r[3].Verified || r[3].VerificationFailureReason != chaincode.NoMatchGTINSerialLot {
				t.Errorf("wrong lot: %+v", r[3])
			}
		})
	}

	f := newFixture(t, false, Options{NoLag: true, MaxBatch: 2})
	ok := Request{GTIN: verifytest.GTIN, Serial: "X1"}
	refusals := []struct {
		name   string
		org    string
		body   any
		status int
		code   problem.Code
		field  string
	}{
		{"too many requests", verifytest.Wholesaler, BatchRequest{Requests: []Request{ok, ok, ok}}, 413, problem.TooLarge, "requests"},
		{"no requests", verifytest.Wholesaler, BatchRequest{}, 400, problem.Invalid, "requests"},
		{"bad expiry in the second", verifytest.Wholesaler, BatchRequest{Requests: []Request{ok, {GTIN: verifytest.GTIN, Serial: "X2", Expiry: "99"}}}, 400, problem.Invalid, "requests[1].expiry"},
		{"bad GTIN", verifytest.Wholesaler, BatchRequest{Requests: []Request{{GTIN: "00312345678900", Serial: "X"}}}, 400, problem.Invalid, "requests[0].gtin"},
		{"not JSON", verifytest.Wholesaler, "{", 400, problem.Invalid, ""},
		{"a serial given twice in two cases", verifytest.Wholesaler, json.RawMessage(`{"requests":[{"gtin":"` + verifytest.GTIN + `","serial":"X1","Serial":"X2"}]}`), 400, problem.Invalid, "requests[0].Serial"},
		{"requests given twice", verifytest.Wholesaler, json.RawMessage(`{"requests":[{"gtin":"` + verifytest.GTIN + `","serial":"X1"}],"requests":[{"gtin":"` + verifytest.GTIN + `","serial":"X2"}]}`), 400, problem.Invalid, "requests"},
		{"lapsed licence", verifytest.Lapsed, BatchRequest{Requests: []Request{ok}}, 403, problem.Forbidden, ""},
		{"foreign reqGLN", verifytest.Wholesaler, BatchRequest{ReqGLN: verifytest.ManufacturerGLN, Requests: []Request{ok}}, 403, problem.Forbidden, "reqGLN"},
		{"no key", "", BatchRequest{Requests: []Request{ok}}, 401, problem.Unauthorized, ""},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			status, raw := f.do(http.MethodPost, "/verify/batch", tc.org, tc.body)
			wantProblem(t, status, raw, tc.status, tc.code, tc.field)
		})
	}
	t.Run("a body declared as a form", func(t *testing.T) { // curl -d without -H
		req, err := http.NewRequest(http.MethodPost, f.url+"/verify/batch",
			strings.NewReader(`{"requests":[{"gtin":"`+verifytest.GTIN+`","serial":"X1"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+f.w.APIKey[verifytest.Wholesaler])
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		wantProblem(t, resp.StatusCode, raw, 415, problem.UnsupportedMediaType, "Content-Type")
	})
	t.Run("every wrong request is named", func(t *testing.T) {
		status, raw := f.do(http.MethodPost, "/verify/batch", verifytest.Wholesaler,
			BatchRequest{Requests: []Request{{GTIN: "00312345678900", Serial: "X"}, {GTIN: verifytest.GTIN, Serial: "X2", Expiry: "99"}}})
		wantProblem(t, status, raw, 400, problem.Invalid, "requests[1].expiry")
		var p problem.Body
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Errors) != 2 || p.Errors[0].Field != "requests[0].gtin" || *p.Errors[0].Index != 0 || *p.Errors[1].Index != 1 ||
			!strings.Contains(p.Errors[0].Detail, "check digit") || !strings.Contains(p.Errors[1].Detail, "YYMMDD") ||
			!strings.HasPrefix(p.Detail, "2 requests are invalid") {
			t.Errorf("problem %s: want both requests named, each with its index and fault", raw)
		}
	})
}

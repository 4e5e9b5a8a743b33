package verify

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/verify/verifytest"
)

// chainAnswer is the chaincode's own Verify query answer.
func chainAnswer(t *testing.T, f *fixture, org string, req Request) chaincode.VerifyResult {
	t.Helper()
	arg, err := json.Marshal(req.chaincodeRequest())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := f.w.Ledger.Evaluate(context.Background(), org, chaincode.FnVerify, string(arg))
	if err != nil {
		t.Fatalf("chaincode verify: %v", err)
	}
	var r chaincode.VerifyResult
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestVerifyAnswers checks the LMS answers for packages in every state,
// from the cache (after projection) and from the ledger (before), against
// the chaincode's own Verify query.
func TestVerifyAnswers(t *testing.T) {
	for _, impl := range cacheImpls {
		t.Run(impl.name, func(t *testing.T) {
			f := newFixture(t, impl.redis, Options{NoLag: true})
			w := f.w
			ok, disp, rec, sus := w.Serial("OK1"), w.Serial("DSP1"), w.Serial("REC1"), w.Serial("SUS1")
			lot, recLot := w.Serial("L1"), w.Serial("L2")
			w.Distribute(lot, ok, disp, sus)
			w.Distribute(recLot, rec)
			w.Dispense(verifytest.Pharmacy, disp)
			w.Recall(recLot)
			w.Flag(verifytest.Pharmacy, sus, chaincode.InvestigationSuspect)
			f.caughtUp()

			tests := []struct {
				name     string
				org      string
				serial   string
				query    string
				verified bool
				reason   string
				info     string
			}{
				{"active package", verifytest.Wholesaler, ok, "", true, "", ""},
				{"lot and expiry match", verifytest.Wholesaler, ok, "10=" + lot + "&17=" + verifytest.Expiry + "&corrUUID=c-1", true, "", ""},
				{"expiry day 00 means the last of the month", verifytest.Wholesaler, ok, "17=991200", true, "", ""},
				{"wrong lot", verifytest.Wholesaler, ok, "10=OTHER", false, chaincode.NoMatchGTINSerialLot, ""},
				{"wrong expiry", verifytest.Wholesaler, ok, "17=300101", false, chaincode.NoMatchGTINSerialExpiry, ""},
				{"wrong lot and expiry", verifytest.Wholesaler, ok, "10=OTHER&17=300101", false, chaincode.NoMatchGTINSerialLotExpiry, ""},
				{"dispensed", verifytest.Wholesaler, disp, "", false, chaincode.NotForRedistribution, ""},
				{"recalled lot", verifytest.Wholesaler, rec, "", true, "", chaincode.InfoRecalled},
				{"suspect", verifytest.Wholesaler, sus, "", true, "", chaincode.InfoSuspect},
				{"unknown serial of a known GTIN", verifytest.Wholesaler, w.Serial("NEVER"), "", false, chaincode.NoMatchGTINSerial, ""},
				{"regulator", verifytest.Regulator, ok, "", true, "", ""},
				{"own reqGLN", verifytest.Pharmacy, ok, "reqGLN=" + verifytest.PharmacyGLN + "&linkType=gs1:verificationService&context=dscsaSaleableReturn", true, "", ""},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					// The first unknown-serial request goes to the ledger
					// and caches the absence; ask twice, want the cache.
					f.verify(tc.org, path(tc.serial, tc.query))
					status, body := f.do(http.MethodGet, path(tc.serial, tc.query), tc.org, nil)
					if status != http.StatusOK {
						t.Fatalf("status %d: %s", status, body)
					}
					var r Response
					if err := json.Unmarshal(body, &r); err != nil {
						t.Fatal(err)
					}
					if r.Verified != tc.verified || r.VerificationFailureReason != tc.reason || r.AdditionalInfo != tc.info {
						t.Fatalf("answer %+v, want verified=%v reason=%q info=%q", r, tc.verified, tc.reason, tc.info)
					}
					if r.Source != SourceCache {
						t.Errorf("answered from %s, want the cache", r.Source)
					}
					h, _ := f.w.Ledger.Height(context.Background())
					if r.LedgerHeight == 0 || r.LedgerHeight > h {
						t.Errorf("ledgerHeight %d, ledger at %d", r.LedgerHeight, h)
					}
					for _, field := range []string{`"verified"`, `"verificationTimestamp"`, `"ledgerHeight"`} {
						if !strings.Contains(string(body), field) {
							t.Errorf("answer %s lacks %s", body, field)
						}
					}
					if r.ResponderGLN != verifytest.ManufacturerGLN {
						t.Errorf("responderGLN %q, want the manufacturer's %s", r.ResponderGLN, verifytest.ManufacturerGLN)
					}
					if strings.Contains(tc.query, "corrUUID=c-1") && r.CorrUUID != "c-1" {
						t.Errorf("corrUUID %q not echoed", r.CorrUUID)
					}
					req := Request{GTIN: verifytest.GTIN, Serial: tc.serial}
					for _, kv := range strings.Split(tc.query, "&") {
						k, v, _ := strings.Cut(kv, "=")
						switch k {
						case "10":
							req.Lot = v
						case "17":
							req.Expiry = v
						}
					}
					chain := chainAnswer(t, f, tc.org, req)
					got := chaincode.VerifyResult{Verified: r.Verified, VerificationFailureReason: r.VerificationFailureReason,
						AdditionalInfo: r.AdditionalInfo, Conditions: r.Conditions}
					if !sameAnswer(got, chain) {
						t.Errorf("cache answer %+v, chaincode's %+v", got, chain)
					}
				})
			}
		})
	}
}

// TestVerifyRefusals checks every refusal: its status, problem code and the
// field it names.
func TestVerifyRefusals(t *testing.T) {
	f := newFixture(t, false, Options{NoLag: true, MaxBatch: 5})
	w := f.w
	ok := w.Serial("R1")
	w.Distribute(w.Serial("LR"), ok)
	f.caughtUp()
	long := strings.Repeat("9", 21)
	tests := []struct {
		name   string
		org    string
		path   string
		status int
		code   string
		field  string
	}{
		{"no API key", "", path(ok, ""), 401, "unauthorized", ""},
		{"unknown API key", "rxl_0123456789abcdef_" + strings.Repeat("a", 52), path(ok, ""), 401, "unauthorized", ""},
		{"lapsed licence", verifytest.Lapsed, path(ok, ""), 403, "forbidden", ""},
		{"foreign reqGLN", verifytest.Wholesaler, path(ok, "reqGLN="+verifytest.PharmacyGLN), 403, "forbidden", "reqGLN"},
		{"unknown GTIN", verifytest.Wholesaler, "/verify/01/" + verifytest.UnknownGTIN + "/21/X1", 404, "not-found", "gtin"},
		{"GTIN check digit", verifytest.Wholesaler, "/verify/01/00312345678907/21/" + ok, 400, "invalid", "gtin"},
		{"GTIN length", verifytest.Wholesaler, "/verify/01/0312345678906/21/" + ok, 400, "invalid", "gtin"},
		{"serial too long", verifytest.Wholesaler, path(long, ""), 400, "invalid", "serial"},
		{"serial character", verifytest.Wholesaler, path("A~B", ""), 400, "invalid", "serial"},
		{"expiry month 13", verifytest.Wholesaler, path(ok, "17=991301"), 400, "invalid", "17"},
		{"expiry not YYMMDD", verifytest.Wholesaler, path(ok, "17=2099-12-31"), 400, "invalid", "17"},
		{"lot too long", verifytest.Wholesaler, path(ok, "10="+long), 400, "invalid", "10"},
		{"reqGLN check digit", verifytest.Wholesaler, path(ok, "reqGLN=0388888000001"), 400, "invalid", "reqGLN"},
		{"linkType", verifytest.Wholesaler, path(ok, "linkType=pip"), 400, "invalid", "linkType"},
		{"lot after the serial", verifytest.Wholesaler, "/verify/01/" + verifytest.GTIN + "/21/" + ok + "/10/" + w.Serial("LR"), 400, "invalid", "serial"},
		{"lot in the path and another in the query", verifytest.Wholesaler, "/verify/01/" + verifytest.GTIN + "/10/" + w.Serial("LR") + "/21/" + ok + "?10=OTHER", 400, "invalid", "10"},
		{"malformed query", verifytest.Wholesaler, path(ok, "10=WRONG%"), 400, "invalid", "query"},
		{"lot given twice", verifytest.Wholesaler, path(ok, "10="+w.Serial("LR")+"&10=OTHER"), 400, "invalid", "10"},
		{"expiry given twice", verifytest.Wholesaler, path(ok, "17=991231&17=280630"), 400, "invalid", "17"},
		{"reqGLN given twice", verifytest.Wholesaler, path(ok, "reqGLN=0388888000009&reqGLN=0377777000008"), 400, "invalid", "reqGLN"},
		{"corrUUID with a newline", verifytest.Wholesaler, path(ok, "corrUUID=a%0Ab"), 400, "invalid", "corrUUID"},
		{"context with a NUL", verifytest.Wholesaler, path(ok, "context=a%00b"), 400, "invalid", "context"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(http.MethodGet, tc.path, tc.org, nil)
			wantProblem(t, status, body, tc.status, problemCode(tc.code), tc.field)
		})
	}
}

// A GLN an organisation only claims in its own partner record, without a
// regulator's attestation, does not let it verify as that location.
func TestClaimedGLNIsNotOwn(t *testing.T) {
	f := newFixture(t, false, Options{NoLag: true})
	w := f.w
	ok := w.Serial("G1")
	w.Distribute(w.Serial("LG"), ok)
	claim := chaincode.Partner{ID: verifytest.Wholesaler, Name: "Big Wholesale",
		Roles: []chaincode.Role{chaincode.RoleWholesaler},
		GLNs:  []string{verifytest.WholesalerGLN, verifytest.PharmacyGLN}}
	b, err := json.Marshal(claim)
	if err != nil {
		t.Fatal(err)
	}
	w.Submit(verifytest.Wholesaler, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(b)}})
	f.caughtUp()

	status, body := f.do(http.MethodGet, path(ok, "reqGLN="+verifytest.PharmacyGLN), verifytest.Wholesaler, nil)
	wantProblem(t, status, body, 403, problemCode("forbidden"), "reqGLN")
	status, body = f.do(http.MethodGet, path(ok, "reqGLN="+verifytest.WholesalerGLN), verifytest.Wholesaler, nil)
	if status != http.StatusOK {
		t.Fatalf("own attested reqGLN: status %d: %s", status, body)
	}
}

// TestLotInPath: the GS1 Digital Link form with the lot in the path,
// /01/{gtin}/10/{lot}/21/{serial}, verifies like ?10={lot}; a serial with an
// escaped '/' is one serial.
func TestLotInPath(t *testing.T) {
	f := newFixture(t, false, Options{NoLag: true})
	w := f.w
	lot, ok := w.Serial("LP"), w.Serial("P1")
	w.Distribute(lot, ok)
	f.caughtUp()
	base := "/verify/01/" + verifytest.GTIN
	if r := f.verify(verifytest.Wholesaler, base+"/10/"+lot+"/21/"+ok+"?17="+verifytest.Expiry); !r.Verified {
		t.Errorf("lot in the path: %+v", r)
	}
	if r := f.verify(verifytest.Wholesaler, base+"/10/OTHER/21/"+ok); r.Verified || r.VerificationFailureReason != chaincode.NoMatchGTINSerialLot {
		t.Errorf("another lot in the path: %+v", r)
	}
	if r := f.verify(verifytest.Wholesaler, base+"/10/"+lot+"/21/"+ok+"?10="+lot); !r.Verified {
		t.Errorf("the same lot in the path and the query: %+v", r)
	}
	if r := f.verify(verifytest.Wholesaler, base+"/21/"+ok+"%2F10"); r.Verified || r.VerificationFailureReason != chaincode.NoMatchGTINSerial {
		t.Errorf("a serial with an escaped slash is one (unknown) serial: %+v", r)
	}
}

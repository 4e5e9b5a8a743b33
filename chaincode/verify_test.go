package chaincode_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"rxledger/chaincode"
)

func TestVerifyFunction(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	rec := func(f func(*chaincode.SerialRecord)) *chaincode.SerialRecord {
		s := &chaincode.SerialRecord{GTIN: gtin, Serial: "V1", Lot: "L1", Expiry: "2027-03-31",
			Custody: chaincode.Custody{Owner: whs, Status: chaincode.StatusActive}}
		f(s)
		return s
	}
	plain := rec(func(*chaincode.SerialRecord) {})
	req := chaincode.VerifyRequest{GTIN: gtin, Serial: "V1", Lot: "L1", Expiry: "270331"}
	with := func(f func(*chaincode.VerifyRequest)) chaincode.VerifyRequest { r := req; f(&r); return r }
	recalled := &chaincode.LotRecord{Recalled: true}
	tests := []struct {
		name     string
		req      chaincode.VerifyRequest
		rec      *chaincode.SerialRecord
		lot      *chaincode.LotRecord
		verified bool
		reason   string
		info     []string
	}{
		{"match", req, plain, nil, true, "", nil},
		{"match with ISO expiry", with(func(r *chaincode.VerifyRequest) { r.Expiry = "2027-03-31" }), plain, nil, true, "", nil},
		{"day 00 is the month's end", with(func(r *chaincode.VerifyRequest) { r.Expiry = "270300" }), plain, nil, true, "", nil},
		{"lot and expiry optional", with(func(r *chaincode.VerifyRequest) { r.Lot, r.Expiry = "", "" }), plain, nil, true, "", nil},
		{"unknown serial", req, nil, nil, false, chaincode.NoMatchGTINSerial, nil},
		{"lot differs", with(func(r *chaincode.VerifyRequest) { r.Lot = "L2" }), plain, nil, false, chaincode.NoMatchGTINSerialLot, nil},
		{"expiry differs", with(func(r *chaincode.VerifyRequest) { r.Expiry = "270330" }), plain, nil, false, chaincode.NoMatchGTINSerialExpiry, nil},
		{"both differ", with(func(r *chaincode.VerifyRequest) { r.Lot, r.Expiry = "L2", "280101" }), plain, nil, false, chaincode.NoMatchGTINSerialLotExpiry, nil},
		{"dispensed", req, rec(func(s *chaincode.SerialRecord) { s.Status = chaincode.StatusDispensed }), nil, false, chaincode.NotForRedistribution, nil},
		{"recalled still verifies", req, plain, recalled, true, "", []string{chaincode.InfoRecalled}},
		{"expired", req, rec(func(s *chaincode.SerialRecord) { s.Expiry = "2026-10-31" }), nil, false, chaincode.NoMatchGTINSerialExpiry, []string{chaincode.InfoExpired}},
		{"expired, matching", with(func(r *chaincode.VerifyRequest) { r.Expiry = "261031" }), rec(func(s *chaincode.SerialRecord) { s.Expiry = "2026-10-31" }), recalled, true, "", []string{chaincode.InfoRecalled, chaincode.InfoExpired}},
		{"quarantined is suspect", req, rec(func(s *chaincode.SerialRecord) { s.Investigation = chaincode.InvestigationQuarantined }), nil, true, "", []string{chaincode.InfoSuspect}},
		{"illegitimate first", req, rec(func(s *chaincode.SerialRecord) { s.Investigation = chaincode.InvestigationIllegitimate }), recalled, true, "", []string{chaincode.InfoIllegitimate, chaincode.InfoRecalled}},
		{"cleared says nothing", req, rec(func(s *chaincode.SerialRecord) { s.Investigation = chaincode.InvestigationCleared }), nil, true, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := chaincode.Verify(tc.req, tc.rec, tc.lot, now)
			if r.Verified != tc.verified || r.VerificationFailureReason != tc.reason || !slices.Equal(r.Conditions, tc.info) {
				t.Fatalf("got %+v", r)
			}
			want := ""
			if len(tc.info) > 0 {
				want = tc.info[0]
			}
			if r.AdditionalInfo != want {
				t.Fatalf("additionalInfo %q, want %q", r.AdditionalInfo, want)
			}
		})
	}
}

func TestVerifyQuery(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("Q1")))
	req := chaincode.VerifyRequest{GTIN: gtin, Serial: "Q1", Lot: "L1", Expiry: "270331"}
	tests := []struct {
		name       string
		org        string
		req        chaincode.VerifyRequest
		code, rule string
		verified   bool
	}{
		{"trading partner", pharm, req, "", "", true},
		{"regulator", reg, req, "", "", true},
		{"unknown serial of a known GTIN", whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "Q2"}, "", "", false},
		{"requester not ATP", rogue, req, chaincode.CodeForbidden, "requester-not-atp", false},
		{"unregistered requester", "StrangerMSP", req, chaincode.CodeForbidden, "requester-not-atp", false},
		{"unknown GTIN", whs, chaincode.VerifyRequest{GTIN: "00399999123457", Serial: "Q1"}, chaincode.CodeNotFound, "unknown-gtin", false},
		{"malformed", whs, chaincode.VerifyRequest{GTIN: "123", Serial: "Q1"}, chaincode.CodeInvalid, "verify-request", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := verify(t, m, tc.org, tc.req)
			if tc.rule != "" {
				wantRule(t, err, tc.code, tc.rule, -1)
				return
			}
			if err != nil || r.Verified != tc.verified {
				t.Fatalf("got %+v %v", r, err)
			}
		})
	}
}

// TestVerifyQueryResponderGLN: the answer about an unknown serial of a
// known GTIN names the first attested GLN of the GTIN's company prefix
// owner, not one it only claims; none when the owner has no attested GLN
// or nobody owns the prefix any more; a known serial's answer leaves it to
// the caller, who has the lot's owner.
func TestVerifyQueryResponderGLN(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("Q1")))
	unknown := chaincode.VerifyRequest{GTIN: gtin, Serial: "Q2"}
	want := func(name string, req chaincode.VerifyRequest, gln string) {
		t.Helper()
		r, err := verify(t, m, whs, req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.ResponderGLN != gln {
			t.Errorf("%s: responderGLN %q, want %q (answer %+v)", name, r.ResponderGLN, gln, r)
		}
	}
	want("unknown serial", unknown, mfrGLN)
	want("known serial", chaincode.VerifyRequest{GTIN: gtin, Serial: "Q1"}, "")

	p := partners()[0]
	const otherGLN = "0312345000011"
	p.GLNs = []string{otherGLN, mfrGLN} // claimed, not attested
	b, _ := json.Marshal(p)
	if _, err := m.Submit(mfr, chaincode.FnPutPartner, nil, string(b)); err != nil {
		t.Fatal(err)
	}
	want("a claimed GLN first", unknown, mfrGLN)
	a := p.Claims()
	attest(t, m, mfr, a)
	want("both attested", unknown, otherGLN)
	a.GLNs = nil
	attest(t, m, mfr, a)
	want("no attested GLN", unknown, "")
	a.GLNs, a.CompanyPrefixes = []string{mfrGLN}, nil
	attest(t, m, mfr, a)
	want("prefix no longer attested", unknown, "")
}

package chaincode_test

import (
	"encoding/json"
	"testing"
	"time"

	"rxledger/chaincode"
)

func TestPutPartner(t *testing.T) {
	exp := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(f func(*chaincode.Partner)) string {
		p := chaincode.Partner{ID: "NewMSP", Name: "New Co", Roles: []chaincode.Role{chaincode.RoleWholesaler},
			GLNs: []string{"0344444000005"}, Licenses: []chaincode.License{{Authority: "NJ", Number: "1", Expiry: exp}}}
		f(&p)
		b, _ := json.Marshal(p)
		return string(b)
	}
	tests := []struct {
		name string
		org  string
		arg  string
		code string
		rule string
	}{
		{"own record only", whs, rec(func(*chaincode.Partner) {}), chaincode.CodeForbidden, "own-record-only"},
		{"regulator role reserved", "NewMSP", rec(func(p *chaincode.Partner) { p.Roles = []chaincode.Role{chaincode.RoleRegulator} }), chaincode.CodeForbidden, "regulator-role-reserved"},
		{"GLN of another", "NewMSP", rec(func(p *chaincode.Partner) { p.GLNs = []string{whsGLN} }), chaincode.CodeForbidden, "gln-claimed"},
		{"company prefix of another", "NewMSP", rec(func(p *chaincode.Partner) { p.CompanyPrefixes = []string{"0312345"} }), chaincode.CodeForbidden, "company-prefix-claimed"},
		{"company prefix inside another's", "NewMSP", rec(func(p *chaincode.Partner) { p.CompanyPrefixes = []string{"03123456"} }), chaincode.CodeForbidden, "company-prefix-claimed"},
		{"company prefix around another's", "NewMSP", rec(func(p *chaincode.Partner) { p.CompanyPrefixes = []string{"031234"} }), chaincode.CodeForbidden, "company-prefix-claimed"},
		{"bad GLN", "NewMSP", rec(func(p *chaincode.Partner) { p.GLNs = []string{"0344444000006"} }), chaincode.CodeInvalid, "partner-gln-invalid"},
		{"bad prefix", "NewMSP", rec(func(p *chaincode.Partner) { p.CompanyPrefixes = []string{"03x"} }), chaincode.CodeInvalid, "partner-prefix-invalid"},
		{"name required", "NewMSP", rec(func(p *chaincode.Partner) { p.Name = "" }), chaincode.CodeInvalid, "partner-name-required"},
		{"unknown role", "NewMSP", rec(func(p *chaincode.Partner) { p.Roles = []chaincode.Role{"pirate"} }), chaincode.CodeInvalid, "partner-role-unknown"},
		{"licence fields", "NewMSP", rec(func(p *chaincode.Partner) { p.Licenses[0].Number = "" }), chaincode.CodeInvalid, "partner-license-invalid"},
		{"not JSON", "NewMSP", "{", chaincode.CodeInvalid, "partner-decode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			_, err := m.Submit(tc.org, chaincode.FnPutPartner, nil, tc.arg)
			wantRule(t, err, tc.code, tc.rule, -1)
		})
	}

	t.Run("update releases a GLN and ATP follows the licence", func(t *testing.T) {
		m := newLedger(t)
		if _, err := m.Submit("NewMSP", chaincode.FnPutPartner, nil, rec(func(*chaincode.Partner) {})); err != nil {
			t.Fatal(err)
		}
		if ce := lastEvent(t, m); len(ce.Partners) != 1 || ce.Partners[0].ID != "NewMSP" {
			t.Fatalf("partner event: %+v", ce.Partners)
		}
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("N1")))
		mustCapture(t, m, mfr, shipEv("0344444000005", sgtin("N1")))
		// Moving to another GLN frees the old one for another organisation.
		if _, err := m.Submit("NewMSP", chaincode.FnPutPartner, nil, rec(func(p *chaincode.Partner) { p.GLNs = []string{"0344444000012"} })); err != nil {
			t.Fatal(err)
		}
		if m.GetState("gln~0344444000005") != nil {
			t.Fatal("the old GLN still points to NewMSP")
		}
		// Past the licence expiry the organisation is no ATP any more.
		m.SetTime(exp.Add(time.Hour))
		_, err := capture(t, m, "NewMSP", stepEv("receiving", sgtin("N1")))
		wantRule(t, err, chaincode.CodeForbidden, "caller-not-atp", -1)
	})
	t.Run("read", func(t *testing.T) {
		m := newLedger(t)
		out, err := m.Evaluate(pharm, chaincode.FnReadPartner, mfr)
		var p chaincode.Partner
		if err != nil || json.Unmarshal(out, &p) != nil || p.Name != "Acme Pharma" || p.CompanyPrefixes[0] != "0312345" {
			t.Fatalf("read partner: %s %v", out, err)
		}
		_, err = m.Evaluate(pharm, chaincode.FnReadPartner, "NoneMSP")
		wantRule(t, err, chaincode.CodeNotFound, "unknown-partner", -1)
	})
}

func TestDispatch(t *testing.T) {
	m := newLedger(t)
	_, err := m.Evaluate(mfr, "Nope")
	wantRule(t, err, chaincode.CodeInvalid, "unknown-function", -1)
	_, err = m.Evaluate(mfr, chaincode.FnReadLot, gtin)
	wantRule(t, err, chaincode.CodeInvalid, "wrong-arguments", -1)
	_, err = m.Submit(mfr, chaincode.FnCapture, map[string][]byte{"events": []byte("[]")})
	wantRule(t, err, chaincode.CodeInvalid, "events-required", -1)
	_, err = m.Submit(mfr, chaincode.FnCapture, map[string][]byte{"events": []byte(`[{"Type":7}]`)})
	wantRule(t, err, chaincode.CodeInvalid, "event-decode", 0)
}

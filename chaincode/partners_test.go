package chaincode_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
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
		{"bad GLN", "NewMSP", rec(func(p *chaincode.Partner) { p.GLNs = []string{"0344444000006"} }), chaincode.CodeInvalid, "partner-gln-invalid"},
		{"bad prefix", "NewMSP", rec(func(p *chaincode.Partner) { p.CompanyPrefixes = []string{"03x"} }), chaincode.CodeInvalid, "partner-prefix-invalid"},
		{"name required", "NewMSP", rec(func(p *chaincode.Partner) { p.Name = "" }), chaincode.CodeInvalid, "partner-name-required"},
		{"unknown role", "NewMSP", rec(func(p *chaincode.Partner) { p.Roles = []chaincode.Role{"pirate"} }), chaincode.CodeInvalid, "partner-role-unknown"},
		{"licence fields", "NewMSP", rec(func(p *chaincode.Partner) { p.Licenses[0].Number = "" }), chaincode.CodeInvalid, "partner-license-invalid"},
		{"name with control characters", "NewMSP", rec(func(p *chaincode.Partner) { p.Name = "Acme\u0000\u0007" }), chaincode.CodeInvalid, "partner-name-invalid"},
		{"name reordered by a bidi override", "NewMSP", rec(func(p *chaincode.Partner) { p.Name = "Acme \u202eamrahP" }), chaincode.CodeInvalid, "partner-name-invalid"},
		{"name too long", "NewMSP", rec(func(p *chaincode.Partner) { p.Name = strings.Repeat("é", 201) }), chaincode.CodeInvalid, "partner-name-invalid"},
		{"licence number with a newline", "NewMSP", rec(func(p *chaincode.Partner) { p.Licenses[0].Number = "L-1\nL-2" }), chaincode.CodeInvalid, "partner-license-invalid"},
		{"not JSON", "NewMSP", "{", chaincode.CodeInvalid, "partner-decode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			_, err := m.Submit(tc.org, chaincode.FnPutPartner, nil, tc.arg)
			wantRule(t, err, tc.code, tc.rule, -1)
		})
	}

	t.Run("a record keeps its attestation and a sent one is ignored", func(t *testing.T) {
		m := newLedger(t)
		p := partners()[1]
		p.Name = "Bigger Wholesale"
		p.Attested = &chaincode.Attestation{GLNs: []string{"0344444000005"}}
		b, _ := json.Marshal(p)
		if _, err := m.Submit(whs, chaincode.FnPutPartner, nil, string(b)); err != nil {
			t.Fatal(err)
		}
		got := readPartner(t, m, whs)
		if got.Name != "Bigger Wholesale" || got.Attested == nil || got.Attested.By != reg ||
			len(got.Attested.GLNs) != 1 || got.Attested.GLNs[0] != whsGLN {
			t.Fatalf("record after renewal: %+v attested %+v", got, got.Attested)
		}
		if m.GetState("gln~0344444000005") != nil {
			t.Fatal("a GLN in a self-written attestation was indexed")
		}
	})
	t.Run("read shows claims and attestation", func(t *testing.T) {
		m := newLedger(t)
		p := readPartner(t, m, mfr)
		if p.Name != "Acme Pharma" || p.CompanyPrefixes[0] != "0312345" || p.Attested == nil || p.Attested.CompanyPrefixes[0] != "0312345" {
			t.Fatalf("read partner: %+v", p)
		}
		_, err := m.Evaluate(pharm, chaincode.FnReadPartner, "NoneMSP")
		wantRule(t, err, chaincode.CodeNotFound, "unknown-partner", -1)
	})
}

// TestClaimsGrantNothing: GLNs and company prefixes an organisation only
// claims in its own record are not indexed, so squatting a manufacturer's
// prefix or a pharmacy's GLN gives the squatter nothing.
func TestClaimsGrantNothing(t *testing.T) {
	squatter := chaincode.Partner{ID: "SquatMSP", Name: "Squat Co", Roles: []chaincode.Role{chaincode.RoleManufacturer},
		GLNs: []string{"0344444000005"}, CompanyPrefixes: []string{"0355555"}, Licenses: partners()[0].Licenses}
	t.Run("prefix", func(t *testing.T) {
		m := newLedger(t)
		p := squatter
		p.CompanyPrefixes = []string{"0312345"} // the manufacturer's
		register(t, m, chaincode.Partner{ID: p.ID, Name: p.Name, Roles: p.Roles, Licenses: p.Licenses})
		b, _ := json.Marshal(p)
		if _, err := m.Submit(p.ID, chaincode.FnPutPartner, nil, string(b)); err != nil {
			t.Fatalf("a claim is recorded: %v", err)
		}
		_, err := capture(t, m, p.ID, commissionEv("L1", "2027-03-31", sgtin("FAKE1")))
		wantRule(t, err, chaincode.CodeForbidden, "not-prefix-owner", 0)
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("REAL1")))
	})
	t.Run("unattested prefix", func(t *testing.T) {
		m := newLedger(t)
		p := squatter
		register(t, m, chaincode.Partner{ID: p.ID, Name: p.Name, Roles: p.Roles, Licenses: p.Licenses})
		b, _ := json.Marshal(p)
		if _, err := m.Submit(p.ID, chaincode.FnPutPartner, nil, string(b)); err != nil {
			t.Fatal(err)
		}
		_, err := capture(t, m, p.ID, commissionEv("L1", "2027-03-31", "urn:epc:id:sgtin:0355555.012345.1"))
		wantRule(t, err, chaincode.CodeForbidden, "not-prefix-owner", 0)
	})
	t.Run("GLN", func(t *testing.T) {
		m := newLedger(t)
		p := squatter
		p.GLNs = []string{pharmGLN, "0344444000005"}
		b, _ := json.Marshal(p)
		if _, err := m.Submit(p.ID, chaincode.FnPutPartner, nil, string(b)); err != nil {
			t.Fatalf("a claim is recorded: %v", err)
		}
		if got := string(m.GetState("gln~" + pharmGLN)); got != pharm {
			t.Fatalf("the pharmacy's GLN points to %q", got)
		}
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("G1"), sgtin("G2")))
		_, err := capture(t, m, mfr, shipEv("0344444000005", sgtin("G1")))
		wantRule(t, err, chaincode.CodeInvalid, "unknown-destination", 0)
		mustCapture(t, m, mfr, shipEv(pharmGLN, sgtin("G2")))
		if got := serialOf(t, m, sgtin("G2")).ShipTo; got != pharm {
			t.Fatalf("shipped to %q, want the pharmacy", got)
		}
	})
}

func TestAttestPartner(t *testing.T) {
	exp := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	att := func(f func(*chaincode.Attestation)) string {
		a := chaincode.Attestation{Roles: []chaincode.Role{chaincode.RoleWholesaler}, GLNs: []string{"0344444000005"}, Licenses: []chaincode.License{{Authority: "NJ", Number: "1", Expiry: exp}}}
		f(&a)
		b, _ := json.Marshal(a)
		return string(b)
	}
	newCo := chaincode.Partner{ID: "NewMSP", Name: "New Co", Roles: []chaincode.Role{chaincode.RoleWholesaler}}
	setup := func(t *testing.T) *chaincodetest.Memory {
		t.Helper()
		m := newLedger(t)
		b, _ := json.Marshal(newCo)
		if _, err := m.Submit(newCo.ID, chaincode.FnPutPartner, nil, string(b)); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name   string
		caller string
		msp    string
		arg    string
		code   string
		rule   string
	}{
		{"non-regulator", mfr, "NewMSP", att(func(*chaincode.Attestation) {}), chaincode.CodeForbidden, "regulator-only"},
		{"self-attestation", "NewMSP", "NewMSP", att(func(*chaincode.Attestation) {}), chaincode.CodeForbidden, "regulator-only"},
		{"unknown partner", reg, "NoneMSP", att(func(*chaincode.Attestation) {}), chaincode.CodeNotFound, "unknown-partner"},
		{"GLN of another", reg, "NewMSP", att(func(a *chaincode.Attestation) { a.GLNs = []string{whsGLN} }), chaincode.CodeConflict, "gln-attested"},
		{"company prefix of another", reg, "NewMSP", att(func(a *chaincode.Attestation) { a.CompanyPrefixes = []string{"0312345"} }), chaincode.CodeConflict, "company-prefix-attested"},
		{"company prefix inside another's", reg, "NewMSP", att(func(a *chaincode.Attestation) { a.CompanyPrefixes = []string{"03123456"} }), chaincode.CodeConflict, "company-prefix-attested"},
		{"company prefix around another's", reg, "NewMSP", att(func(a *chaincode.Attestation) { a.CompanyPrefixes = []string{"031234"} }), chaincode.CodeConflict, "company-prefix-attested"},
		{"bad GLN", reg, "NewMSP", att(func(a *chaincode.Attestation) { a.GLNs = []string{"0344444000006"} }), chaincode.CodeInvalid, "partner-gln-invalid"},
		{"licence fields", reg, "NewMSP", att(func(a *chaincode.Attestation) { a.Licenses[0].Number = "" }), chaincode.CodeInvalid, "partner-license-invalid"},
		{"not JSON", reg, "NewMSP", "{", chaincode.CodeInvalid, "attestation-decode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := setup(t)
			_, err := m.Submit(tc.caller, chaincode.FnAttestPartner, nil, tc.msp, tc.arg)
			wantRule(t, err, tc.code, tc.rule, -1)
			if p := readPartner(t, m, "NewMSP"); p.Attested != nil {
				t.Fatalf("refused attestation recorded: %+v", p.Attested)
			}
		})
	}

	t.Run("replacing releases a GLN", func(t *testing.T) {
		m := setup(t)
		if _, err := m.Submit(reg, chaincode.FnAttestPartner, nil, "NewMSP", att(func(*chaincode.Attestation) {})); err != nil {
			t.Fatal(err)
		}
		if ce := lastEvent(t, m); len(ce.Partners) != 1 || ce.Partners[0].ID != "NewMSP" || ce.Partners[0].Attested == nil {
			t.Fatalf("partner event: %+v", ce.Partners)
		}
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("N1"), sgtin("N2")))
		mustCapture(t, m, mfr, shipEv("0344444000005", sgtin("N1")))
		if _, err := m.Submit(reg, chaincode.FnAttestPartner, nil, "NewMSP", att(func(a *chaincode.Attestation) { a.GLNs = []string{"0344444000012"} })); err != nil {
			t.Fatal(err)
		}
		if m.GetState("gln~0344444000005") != nil {
			t.Fatal("the old GLN still points to NewMSP")
		}
		_, err := capture(t, m, mfr, shipEv("0344444000005", sgtin("N2")))
		wantRule(t, err, chaincode.CodeInvalid, "unknown-destination", 0)
		// Past the attested licence's expiry the organisation is no ATP any more.
		m.SetTime(exp.Add(time.Hour))
		_, err = capture(t, m, "NewMSP", stepEv("receiving", sgtin("N1")))
		wantRule(t, err, chaincode.CodeForbidden, "caller-not-atp", -1)
	})
	t.Run("revocation takes effect", func(t *testing.T) {
		m := newLedger(t)
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("R1"), sgtin("R2")))
		mustCapture(t, m, mfr, shipEv(whsGLN, sgtin("R1")))
		p := partners()[1]
		attest(t, m, whs, chaincode.Attestation{Roles: p.Roles, GLNs: p.GLNs, CompanyPrefixes: p.CompanyPrefixes})
		if got := readPartner(t, m, whs); got.ATP(start) || len(got.Licenses) != 1 {
			t.Fatalf("revoked record %+v: ATP %v, claims must stay", got, got.ATP(start))
		}
		_, err := capture(t, m, whs, stepEv("receiving", sgtin("R1")))
		wantRule(t, err, chaincode.CodeForbidden, "caller-not-atp", -1)
		_, err = capture(t, m, mfr, shipEv(whsGLN, sgtin("R2")))
		wantRule(t, err, chaincode.CodeForbidden, "destination-not-atp", 0)
		_, err = verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "R1"})
		wantRule(t, err, chaincode.CodeForbidden, "requester-not-atp", -1)
	})
}

// readPartner reads msp's record through ReadPartner.
func readPartner(t *testing.T, m *chaincodetest.Memory, msp string) chaincode.Partner {
	t.Helper()
	out, err := m.Evaluate(pharm, chaincode.FnReadPartner, msp)
	if err != nil {
		t.Fatalf("read partner %s: %v", msp, err)
	}
	var p chaincode.Partner
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("decode partner %s: %v", msp, err)
	}
	return p
}

func TestDispatch(t *testing.T) {
	m := newLedger(t)
	_, err := m.Evaluate(mfr, "Nope")
	wantRule(t, err, chaincode.CodeInvalid, "unknown-function", -1)
	_, err = m.Evaluate(mfr, chaincode.FnReadLot, gtin)
	wantRule(t, err, chaincode.CodeInvalid, "wrong-arguments", -1)
	_, err = m.Submit(mfr, chaincode.FnCapture, map[string][]byte{"events": []byte("[]"), chaincode.TransientSalt: chaincode.NewSalt()})
	wantRule(t, err, chaincode.CodeInvalid, "events-required", -1)
	_, err = m.Submit(mfr, chaincode.FnCapture, map[string][]byte{"events": []byte(`[{"Type":7}]`), chaincode.TransientSalt: chaincode.NewSalt()})
	wantRule(t, err, chaincode.CodeInvalid, "event-decode", 0)
}

// TestEffectiveRoles: attested roles decide, a legacy attestation without
// roles leaves the claim in force, and an unattested partner has none.
func TestEffectiveRoles(t *testing.T) {
	claimed := []chaincode.Role{chaincode.RoleDispenser, chaincode.RoleWholesaler}
	attested := []chaincode.Role{chaincode.RoleDispenser}
	var legacy chaincode.Attestation
	if err := json.Unmarshal([]byte(`{"licenses":[],"companyPrefixes":[],"glns":[],"updated":"2026-01-01T00:00:00Z"}`), &legacy); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		p    chaincode.Partner
		want []chaincode.Role
	}{
		{"attested", chaincode.Partner{Roles: claimed, Attested: &chaincode.Attestation{Roles: attested}}, attested},
		{"attested before roles were", chaincode.Partner{Roles: claimed, Attested: &legacy}, claimed},
		{"never attested", chaincode.Partner{Roles: claimed}, nil},
	} {
		if got := c.p.EffectiveRoles(); !slices.Equal(got, c.want) {
			t.Errorf("%s: roles %v, want %v", c.name, got, c.want)
		}
	}
}

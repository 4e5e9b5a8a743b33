package partners_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/partners"
	"rxledger/services/platform/httpx/httpxtest"
	"rxledger/services/platform/problem"
)

// TestOnboarding walks the successes: each organisation writes its record
// (201 the first time, 200 after), the regulator attests it, a rewrite
// keeps the attestation, and anyone reads the result.
func TestOnboarding(t *testing.T) {
	e := newEnv(t)

	t.Run("an organisation writes its record", func(t *testing.T) {
		r := e.do(http.MethodPut, keyMfr, "/partners/"+mfr, recordOf("Acme Pharmaceuticals", "manufacturer", mfrGLN, mfrPrefix))
		w := written(t, r, http.StatusCreated)
		if loc := r.Header.Get("Location"); loc != "/partners/"+mfr {
			t.Errorf("Location %q", loc)
		}
		p := w.Partner
		if p.ID != mfr || p.Name != "Acme Pharmaceuticals" || !slices.Equal(p.Roles, []chaincode.Role{chaincode.RoleManufacturer}) ||
			!slices.Equal(p.GLNs, []string{mfrGLN}) || !slices.Equal(p.CompanyPrefixes, []string{mfrPrefix}) ||
			len(p.Licenses) != 1 || !p.Licenses[0].Expiry.Equal(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)) || p.Attested != nil {
			t.Errorf("stored %+v", p)
		}
		if h := e.height(); w.Block != h-1 {
			t.Errorf("block %d; the ledger's last is %d", w.Block, h-1)
		}
	})
	t.Run("the regulator attests it", func(t *testing.T) {
		w := e.attest(mfr, `{"roles":["manufacturer"],"licenses":[`+licence+`],"companyPrefixes":["`+mfrPrefix+`"],"glns":["`+mfrGLN+`"]}`)
		a := w.Partner.Attested
		if a == nil || a.By != reg || !slices.Equal(a.Roles, []chaincode.Role{chaincode.RoleManufacturer}) ||
			!slices.Equal(a.CompanyPrefixes, []string{mfrPrefix}) || !slices.Equal(a.GLNs, []string{mfrGLN}) || len(a.Licenses) != 1 {
			t.Fatalf("attested %+v", a)
		}
		if !w.Partner.ATP(time.Now()) {
			t.Error("an attested licence does not make the manufacturer an authorized trading partner")
		}
	})
	t.Run("a rewrite answers 200 and keeps the attestation", func(t *testing.T) {
		w := e.put(keyMfr, mfr, recordOf("Acme Pharma Inc.", "manufacturer", mfrGLN, mfrPrefix), http.StatusOK)
		if w.Partner.Name != "Acme Pharma Inc." || w.Partner.Attested == nil || w.Partner.Attested.By != reg {
			t.Fatalf("stored %+v", w.Partner)
		}
	})
	t.Run("any role of the organisation writes its record", func(t *testing.T) {
		e.put(keyWhsRegulator, whs, recordOf("Northwind", "wholesaler", whsGLN, whsPrefix), http.StatusCreated)
	})
	t.Run("a regulator writes its own record and attests itself", func(t *testing.T) {
		e.put(keyRegWholesaler, reg, recordOf("Regulator", "regulator", regGLN, ""), http.StatusCreated)
		w := e.attest(reg, `{"roles":["regulator"],"glns":["`+regGLN+`"]}`)
		if a := w.Partner.Attested; a == nil || !slices.Equal(a.GLNs, []string{regGLN}) || len(a.Licenses) != 0 {
			t.Fatalf("attested %+v", a)
		}
	})
	t.Run("any caller reads a record as ReadPartner answers it", func(t *testing.T) {
		r := e.do(http.MethodGet, keyPharm, "/partners/"+mfr, "")
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var got, want chaincode.Partner
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(e.record(mfr)), &want); err != nil {
			t.Fatal(err)
		}
		if mustJSON(t, got) != mustJSON(t, want) || got.Attested == nil || got.Name != "Acme Pharma Inc." {
			t.Fatalf("read %s, the ledger holds %s", r.Body, e.record(mfr))
		}
	})
	t.Run("an attestation without licences revokes", func(t *testing.T) {
		w := e.attest(mfr, `{"roles":["manufacturer"],"companyPrefixes":["`+mfrPrefix+`"],"glns":["`+mfrGLN+`"]}`)
		if w.Partner.ATP(time.Now()) || w.Partner.Attested.Licenses == nil {
			t.Fatalf("attested %+v", w.Partner.Attested)
		}
	})
}

// refusal is a request that must be refused, and how.
type refusal struct {
	name   string
	key    string // "" for none
	path   string
	body   string
	status int
	code   problem.Code
	// fields are where the problem says it is; line, when the JSON
	// does not parse.
	fields []string
	line   int
	// submits is 0 when the service refuses before submitting, 1 when the
	// chaincode refuses.
	submits int64
	// detail is part of the problem's detail.
	detail string
	// partner is the record the refusal must leave as it was.
	partner string
}

func (tt refusal) check(t *testing.T, e *env) {
	t.Helper()
	r := e.refused(t, tt.partner, tt.submits, func() response { return e.do(http.MethodPut, tt.key, tt.path, tt.body) })
	b := r.Problem(t, tt.status)
	if b.Code != tt.code {
		t.Errorf("code %q, want %q", b.Code, tt.code)
	}
	if got := httpxtest.Fields(b); !slices.Equal(got, tt.fields) && tt.line == 0 {
		t.Errorf("errors at %q, want %q: %s", got, tt.fields, r.Body)
	}
	if tt.line != 0 && (len(b.Errors) != 1 || b.Errors[0].Line != tt.line) {
		t.Errorf("errors %+v, want line %d", b.Errors, tt.line)
	}
	if !strings.Contains(b.Detail, tt.detail) {
		t.Errorf("detail %q lacks %q", b.Detail, tt.detail)
	}
	// The chaincode's refusals name their rule; the service's own none.
	if (b.Rule != "") != (tt.submits == 1) {
		t.Errorf("rule %q (submitted %d times): want one exactly when the chaincode refused", b.Rule, tt.submits)
	}
}

// TestPutRefusals: every way a record write is refused, each changing
// nothing on the ledger.
func TestPutRefusals(t *testing.T) {
	e := newEnv(t)
	// The wholesaler's GLN and prefix are attested to it: the manufacturer
	// may claim them (claims grant nothing) but never have them attested.
	e.put(keyWhs, whs, recordOf("Northwind", "wholesaler", whsGLN, whsPrefix), http.StatusCreated)
	e.attest(whs, `{"roles":["wholesaler"],"licenses":[`+licence+`],"companyPrefixes":["`+whsPrefix+`"],"glns":["`+whsGLN+`"]}`)
	good := recordOf("Acme", "manufacturer", mfrGLN, mfrPrefix)
	own := "/partners/" + mfr
	tests := []refusal{
		{name: "no key", path: own, body: good, status: 401, code: problem.Unauthorized, detail: "API key is required"},
		{name: "a key the store never issued", key: "rxl_0000000000000000_AAAA", path: own, body: good, status: 401, code: problem.Unauthorized},
		{name: "another organisation's record", key: keyMfr, path: "/partners/" + whs, body: good, status: 403, code: problem.Forbidden,
			detail: "ManufacturerMSP may write only its own partner record, not WholesalerMSP's", partner: whs},
		{name: "a regulator writing another organisation's record", key: keyReg, path: own, body: good, status: 403, code: problem.Forbidden,
			detail: "PUT /partners/ManufacturerMSP/attestation"},
		{name: "malformed JSON", key: keyMfr, path: own, body: "{\n\"name\": \"Acme\",\n\"roles\": [\"manufacturer\"\n}", status: 400,
			code: problem.Invalid, line: 4, detail: "malformed JSON"},
		{name: "an empty body", key: keyMfr, path: own, status: 400, code: problem.Invalid, detail: "request body is empty"},
		{name: "a body over the limit", key: keyMfr, path: own, body: `{"name":"Acme","glns":["` + strings.Repeat("0", partners.MaxBodyBytes) + `"]}`,
			status: 413, code: problem.TooLarge, detail: "exceeds the limit of 1048576 bytes"},
		{name: "an attested set", key: keyMfr, path: own, body: `{"name":"Acme","roles":["manufacturer"],"attested":{}}`, status: 400,
			code: problem.Invalid, fields: []string{"attested"}, detail: `unknown field "attested"`},
		{name: "roles that are not a list", key: keyMfr, path: own, body: `{"name":"Acme","roles":"manufacturer"}`, status: 400,
			code: problem.Invalid, fields: []string{"roles"}},
		{name: "a licence expiry that is not a time", key: keyMfr, path: own,
			body:   `{"name":"Acme","roles":["manufacturer"],"licenses":[` + licence + `,{"authority":"NJ","number":"7","expiry":"2030-01-01"}]}`,
			status: 400, code: problem.Invalid, fields: []string{"licenses[1].expiry"}, detail: `"2030-01-01" is not an RFC 3339 time`},
		// Refused by the chaincode's validation.
		{name: "no name", key: keyMfr, path: own, body: `{"roles":["manufacturer"]}`, status: 400, code: problem.Invalid,
			fields: []string{"name"}, submits: 1, detail: "needs a name"},
		{name: "no role", key: keyMfr, path: own, body: `{"name":"Acme","roles":[]}`, status: 400, code: problem.Invalid,
			fields: []string{"roles"}, submits: 1, detail: "at least one role"},
		{name: "an unknown role", key: keyMfr, path: own, body: `{"name":"Acme","roles":["distributor"]}`, status: 400, code: problem.Invalid,
			fields: []string{"roles"}, submits: 1, detail: `unknown role "distributor"`},
		{name: "a role listed twice", key: keyMfr, path: own, body: `{"name":"Acme","roles":["manufacturer","manufacturer"]}`, status: 400,
			code: problem.Invalid, fields: []string{"roles"}, submits: 1},
		{name: "the regulator role, claimed by a trading partner", key: keyMfr, path: own, body: `{"name":"Acme","roles":["regulator"]}`,
			status: 403, code: problem.Forbidden, fields: []string{"roles"}, submits: 1, detail: "not a configured regulator"},
		{name: "a GLN with a wrong check digit", key: keyMfr, path: own, body: `{"name":"Acme","roles":["manufacturer"],"glns":["0312345000012"]}`,
			status: 400, code: problem.Invalid, fields: []string{"glns"}, submits: 1, detail: "13-digit GLN"},
		{name: "a GLN listed twice", key: keyMfr, path: own,
			body:   `{"name":"Acme","roles":["manufacturer"],"glns":["` + mfrGLN + `","` + mfrGLN + `"]}`,
			status: 400, code: problem.Invalid, fields: []string{"glns"}, submits: 1},
		{name: "a company prefix of letters", key: keyMfr, path: own, body: `{"name":"Acme","roles":["manufacturer"],"companyPrefixes":["03123AB"]}`,
			status: 400, code: problem.Invalid, fields: []string{"companyPrefixes"}, submits: 1, detail: "GS1 company prefix"},
		{name: "a licence without a number", key: keyMfr, path: own,
			body:   `{"name":"Acme","roles":["manufacturer"],"licenses":[{"authority":"FDA","expiry":"2099-01-01T00:00:00Z"}]}`,
			status: 400, code: problem.Invalid, fields: []string{"licenses"}, submits: 1, detail: "authority, number and expiry"},
	}
	for _, tt := range tests {
		if tt.partner == "" {
			tt.partner = mfr
		}
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e) })
	}
	t.Run("the record is written once the body is right", func(t *testing.T) {
		// Claiming the wholesaler's prefix is allowed: a claim grants nothing.
		e.put(keyMfr, mfr, recordOf("Acme", "manufacturer", mfrGLN, whsPrefix), http.StatusCreated)
	})
}

// TestAttestRefusals: every way an attestation is refused, each changing
// nothing on the ledger.
func TestAttestRefusals(t *testing.T) {
	e := newEnv(t)
	e.put(keyWhs, whs, recordOf("Northwind", "wholesaler", whsGLN, whsPrefix), http.StatusCreated)
	e.attest(whs, `{"roles":["wholesaler"],"licenses":[`+licence+`],"companyPrefixes":["`+whsPrefix+`"],"glns":["`+whsGLN+`"]}`)
	e.put(keyMfr, mfr, recordOf("Acme", "manufacturer", mfrGLN, mfrPrefix), http.StatusCreated)
	good := `{"roles":["manufacturer"],"licenses":[` + licence + `],"companyPrefixes":["` + mfrPrefix + `"],"glns":["` + mfrGLN + `"]}`
	path := "/partners/" + mfr + "/attestation"
	tests := []refusal{
		{name: "no key", path: path, body: good, status: 401, code: problem.Unauthorized},
		{name: "a manufacturer key", key: keyMfr, path: path, body: good, status: 403, code: problem.Forbidden,
			detail: "the manufacturer role may not do this (allowed: regulator)"},
		{name: "a key of the regulator organisation without the regulator role", key: keyRegWholesaler, path: path, body: good,
			status: 403, code: problem.Forbidden, detail: "the wholesaler role may not do this"},
		{name: "a regulator key of an organisation that is not a configured regulator", key: keyWhsRegulator, path: path, body: good,
			status: 403, code: problem.Forbidden, detail: "WholesalerMSP is not a configured regulator and may not attest partners"},
		{name: "malformed JSON", key: keyReg, path: path, body: `{"roles":["manufacturer"],}`, status: 400, code: problem.Invalid,
			line: 1, detail: "malformed JSON"},
		{name: "a field the attestation sets itself", key: keyReg, path: path, body: `{"roles":["manufacturer"],"by":"FDA"}`, status: 400,
			code: problem.Invalid, fields: []string{"by"}},
		{name: "a licence expiry that is not a time", key: keyReg, path: path,
			body:   `{"roles":["manufacturer"],"licenses":[{"authority":"FDA","number":"1","expiry":"next year"}]}`,
			status: 400, code: problem.Invalid, fields: []string{"licenses[0].expiry"}},
		// Refused by the chaincode.
		{name: "an unknown partner", key: keyReg, path: "/partners/" + pharm + "/attestation", body: good, status: 404,
			code: problem.NotFound, submits: 1, partner: pharm, detail: "no partner record for PharmacyMSP: the organisation writes it first with PUT /partners/PharmacyMSP"},
		{name: "no roles", key: keyReg, path: path, body: `{"licenses":[` + licence + `]}`, status: 400, code: problem.Invalid,
			fields: []string{"roles"}, submits: 1, detail: "an attestation needs at least one role"},
		{name: "an unknown role", key: keyReg, path: path, body: `{"roles":["3pl"]}`, status: 400, code: problem.Invalid,
			fields: []string{"roles"}, submits: 1, detail: `unknown role "3pl"`},
		{name: "the regulator role for a trading partner", key: keyReg, path: path, body: `{"roles":["regulator"]}`, status: 403,
			code: problem.Forbidden, fields: []string{"roles"}, submits: 1},
		{name: "a GLN of twelve digits", key: keyReg, path: path, body: `{"roles":["manufacturer"],"glns":["031234500001"]}`, status: 400,
			code: problem.Invalid, fields: []string{"glns"}, submits: 1},
		{name: "a prefix listed twice", key: keyReg, path: path,
			body: `{"roles":["manufacturer"],"companyPrefixes":["` + mfrPrefix + `","` + mfrPrefix + `"]}`, status: 400,
			code: problem.Invalid, fields: []string{"companyPrefixes"}, submits: 1},
		{name: "a licence without an expiry", key: keyReg, path: path, body: `{"roles":["manufacturer"],"licenses":[{"authority":"FDA","number":"1"}]}`,
			status: 400, code: problem.Invalid, fields: []string{"licenses"}, submits: 1},
		{name: "a company prefix attested to another organisation", key: keyReg, path: path,
			body: `{"roles":["manufacturer"],"companyPrefixes":["` + mfrPrefix + `","` + whsPrefix + `"]}`, status: 409,
			code: problem.Conflict, fields: []string{"companyPrefixes[1]"}, submits: 1, detail: "overlaps 0614141 of WholesalerMSP"},
		{name: "a company prefix inside another organisation's", key: keyReg, path: path,
			body: `{"roles":["manufacturer"],"companyPrefixes":["06141412"]}`, status: 409,
			code: problem.Conflict, fields: []string{"companyPrefixes[0]"}, submits: 1},
		{name: "a GLN attested to another organisation", key: keyReg, path: path,
			body: `{"roles":["manufacturer"],"glns":["` + mfrGLN + `","` + whsGLN + `"]}`, status: 409,
			code: problem.Conflict, fields: []string{"glns[1]"}, submits: 1, detail: "is attested to WholesalerMSP"},
	}
	for _, tt := range tests {
		if tt.partner == "" {
			tt.partner = mfr
		}
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e) })
	}
	t.Run("the attestation is written once it is right", func(t *testing.T) {
		if w := e.attest(mfr, good); w.Partner.Attested == nil {
			t.Fatalf("attested %+v", w.Partner)
		}
	})
}

// TestReadRefusals: reading needs a key and a record.
func TestReadRefusals(t *testing.T) {
	e := newEnv(t)
	e.put(keyMfr, mfr, recordOf("Acme", "manufacturer", mfrGLN, mfrPrefix), http.StatusCreated)
	t.Run("no key", func(t *testing.T) {
		if b := e.do(http.MethodGet, "", "/partners/"+mfr, "").Problem(t, 401); b.Code != problem.Unauthorized {
			t.Fatalf("%+v", b)
		}
	})
	t.Run("no record", func(t *testing.T) {
		b := e.do(http.MethodGet, keyMfr, "/partners/"+pharm, "").Problem(t, 404)
		if b.Code != problem.NotFound || !strings.Contains(b.Detail, "no partner record for PharmacyMSP") {
			t.Fatalf("%+v", b)
		}
	})
	t.Run("another method on the attestation", func(t *testing.T) {
		if b := e.do(http.MethodGet, keyReg, "/partners/"+mfr+"/attestation", "").Problem(t, 405); b.Code != problem.MethodNotAllowed {
			t.Fatalf("%+v", b)
		}
	})
}

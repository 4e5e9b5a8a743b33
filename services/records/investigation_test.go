package records_test

import (
	"net/http"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
	"rxledger/services/records"
)

// TestInvestigation: the GTIN's owner flags a package the wholesaler holds
// suspect, which stops its shipping, and clears it, after which it ships;
// the holder may flag its own package but not clear it, the regulator may;
// every refusal changes nothing.
func TestInvestigation(t *testing.T) {
	e := newEnv(t)
	s1, s2, s3, s4, s5 := sgtin("S1"), sgtin("S2"), sgtin("S3"), sgtin("S4"), sgtin("S5")
	e.mustCapture(mfr, nil, e.commission("L1", s1, s2, s3, s4, s5), e.ship(whsSGLN, s1, s2), e.step("destroying", s4))
	e.mustCapture(whs, nil, e.step("receiving", s1, s2))
	serial := func(epc string) func() string { // the record as the ledger holds it
		return func() string {
			var s chaincode.SerialRecord
			if err := e.evaluate(reg, &s, chaincode.FnReadSerial, epc); err != nil {
				t.Fatal(err)
			}
			return mustJSON(t, s)
		}
	}
	put := func(key, epc, body string) response {
		return e.do(http.MethodPut, key, itemPath(epc, "/investigation"), body)
	}
	suspect := `{"state":"suspect"}`

	for _, tt := range []refusal{
		{name: "no key", path: itemPath(s1, "/investigation"), body: suspect, status: 401, code: problem.Unauthorized},
		{name: "an organisation that neither holds the package nor owns its GTIN", key: keyPha, path: itemPath(s1, "/investigation"),
			body: suspect, status: 403, code: problem.Forbidden, rule: "investigation-not-allowed", submits: 1,
			detail: "PharmacyMSP may not set suspect on " + s1},
		{name: "a regulator key of an organisation that is not a regulator", key: keyWhsRegulator, path: itemPath(s1, "/investigation"),
			body: suspect, status: 403, code: problem.Forbidden, detail: "WholesalerMSP is not a configured regulator"},
		{name: "a key of the regulator organisation without the regulator role", key: keyRegWholesaler,
			path: itemPath(s1, "/investigation"), body: suspect, status: 403, code: problem.Forbidden, detail: "RegulatorMSP is a regulator"},
		{name: "an unknown state", key: keyWhs, path: itemPath(s1, "/investigation"), body: `{"state":"recalled"}`, status: 400,
			code: problem.Invalid, fields: []string{"state"}, detail: `state "recalled" is not suspect, quarantined, illegitimate or cleared`},
		{name: "no state", key: keyWhs, path: itemPath(s1, "/investigation"), body: `{}`, status: 400, code: problem.Invalid,
			fields: []string{"state"}, detail: "state is required"},
		{name: "an unknown field", key: keyWhs, path: itemPath(s1, "/investigation"), body: `{"state":"suspect","by":"FDA"}`,
			status: 400, code: problem.Invalid, fields: []string{"by"}, detail: `unknown field "by"`},
		{name: "a body that is not JSON", key: keyWhs, path: itemPath(s1, "/investigation"), body: `suspect`, status: 400,
			code: problem.Invalid, fields: []string{""}, detail: "malformed JSON"},
		{name: "a malformed EPC", key: keyWhs, path: itemPath("urn:epc:id:sgtin:0312345.067890", "/investigation"), body: suspect,
			status: 400, code: problem.Invalid, fields: []string{"epc"}, detail: "is not an SGTIN or SSCC"},
		{name: "a class, not an item", key: keyWhs, path: itemPath("urn:epc:class:lgtin:0312345.067890.L1", "/investigation"),
			body: suspect, status: 400, code: problem.Invalid, fields: []string{"epc"}},
		{name: "a Digital Link not written as one segment", key: keyWhs,
			path: "/items/" + link(t, s1) + "/investigation", body: suspect, status: 400, code: problem.Invalid,
			fields: []string{"epc"}, detail: "write the EPC as one path segment"},
		{name: "an EPC never commissioned", key: keyWhs, path: itemPath(sgtin("NOSUCH"), "/investigation"), body: suspect,
			status: 404, code: problem.NotFound, rule: "unknown-epc", submits: 1},
		{name: "clearing a package nobody suspects", key: keyMfr, path: itemPath(s1, "/investigation"), body: `{"state":"cleared"}`,
			status: 400, code: problem.Invalid, rule: "investigation-transition", fields: []string{"state"}, submits: 1,
			detail: `no move from "none" to "cleared"`},
		{name: "a GET of the investigation", method: http.MethodGet, key: keyWhs, path: itemPath(s1, "/investigation"), status: 405,
			code: problem.MethodNotAllowed, detail: "allowed: PUT"},
		{name: "a PUT of the item", key: keyWhs, path: itemPath(s1, ""), body: suspect, status: 405, code: problem.MethodNotAllowed,
			detail: "allowed: GET"},
	} {
		if tt.method == "" {
			tt.method = http.MethodPut
		}
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e, serial(s1)) })
	}

	t.Run("the GTIN owner flags a package the wholesaler holds suspect", func(t *testing.T) {
		var out records.Investigated
		put(keyMfr, s1, suspect).Decode(t, http.StatusOK, &out)
		inv := out.Investigation
		if inv.State != chaincode.InvestigationSuspect || len(inv.Serials) != 1 || len(inv.Containers) != 0 ||
			inv.Serials[0].Serial != "S1" || inv.Serials[0].Investigation != chaincode.InvestigationSuspect ||
			inv.Serials[0].InvestigationBy != mfr || inv.Serials[0].Owner != whs {
			t.Fatalf("investigation %+v", inv)
		}
		if out.TxID == "" || out.Block != e.height()-1 {
			t.Fatalf("tx %q block %d; the ledger's last block is %d", out.TxID, out.Block, e.height()-1)
		}
	})
	t.Run("a suspect package does not ship", func(t *testing.T) {
		_, err := e.capture(whs, nil, e.ship(pharmSGLN, s1))
		if problem.RuleOf(err) != "under-investigation" {
			t.Fatalf("shipping a suspect package: %v", err)
		}
	})
	t.Run("the GTIN owner clears it, named by its Digital Link", func(t *testing.T) {
		var out records.Investigated
		put(keyMfr, link(t, s1), `{"state":"cleared"}`).Decode(t, http.StatusOK, &out)
		if s := out.Investigation.Serials; len(s) != 1 || s[0].Investigation != chaincode.InvestigationCleared || s[0].InvestigationBy != "" {
			t.Fatalf("investigation %+v", out.Investigation)
		}
	})
	t.Run("the cleared package ships", func(t *testing.T) {
		e.mustCapture(whs, nil, e.ship(pharmSGLN, s1))
	})

	t.Run("the holder flags its own package suspect", func(t *testing.T) {
		var out records.Investigated
		put(keyWhs, s2, suspect).Decode(t, http.StatusOK, &out)
		if s := out.Investigation.Serials; len(s) != 1 || s[0].InvestigationBy != whs {
			t.Fatalf("investigation %+v", out.Investigation)
		}
	})
	t.Run("a move repeated is answered done, with no transaction", func(t *testing.T) {
		h, before, n := e.height(), serial(s2)(), e.spy.Submits()
		var out records.Investigated
		r := put(keyWhs, s2, suspect)
		r.Decode(t, http.StatusOK, &out)
		if strings.Contains(string(r.Body), `"txId"`) || strings.Contains(string(r.Body), `"block"`) {
			t.Errorf("answer %s names a transaction, though none was written", r.Body)
		}
		if out.TxID != "" || out.Block != 0 || out.Investigation.State != chaincode.InvestigationSuspect ||
			out.Investigation.Serials == nil || len(out.Investigation.Serials) != 0 || len(out.Investigation.Containers) != 0 {
			t.Fatalf("answer %s", r.Body)
		}
		if e.height() != h || serial(s2)() != before || e.spy.Submits() != n+1 {
			t.Fatalf("height %d (was %d), %d submissions: the repeat changed the ledger", e.height(), h, e.spy.Submits()-n)
		}
		// Someone who may make no move at all learns nothing of the state.
		tt := refusal{method: http.MethodPut, key: keyPha, path: itemPath(s2, "/investigation"), body: suspect,
			status: 403, code: problem.Forbidden, rule: "investigation-not-allowed", submits: 1, detail: "PharmacyMSP may not set suspect"}
		tt.check(t, e, serial(s2))
	})
	t.Run("the holder may not clear its own suspicion", func(t *testing.T) {
		tt := refusal{method: http.MethodPut, key: keyWhs, path: itemPath(s2, "/investigation"), body: `{"state":"cleared"}`,
			status: 403, code: problem.Forbidden, rule: "investigation-not-allowed", submits: 1, detail: "WholesalerMSP may not set cleared on " + s2 + ": the GTIN's owner (the manufacturer) or a regulator clears a package, not its holder"}
		tt.check(t, e, serial(s2))
	})
	t.Run("the regulator quarantines and clears it", func(t *testing.T) {
		var out records.Investigated
		put(keyReg, s2, `{"state":"quarantined"}`).Decode(t, http.StatusOK, &out)
		if s := out.Investigation.Serials; len(s) != 1 || s[0].Investigation != chaincode.InvestigationQuarantined || s[0].InvestigationBy != reg {
			t.Fatalf("investigation %+v", out.Investigation)
		}
		put(keyReg, s2, `{"state":"cleared"}`).Decode(t, http.StatusOK, &out)
		if s := out.Investigation.Serials; len(s) != 1 || s[0].Investigation != chaincode.InvestigationCleared {
			t.Fatalf("investigation %+v", out.Investigation)
		}
	})
	t.Run("a package the manufacturer holds is the manufacturer's to find illegitimate, for good", func(t *testing.T) {
		var out records.Investigated
		put(keyMfr, s3, suspect).Decode(t, http.StatusOK, &out)
		put(keyMfr, s3, `{"state":"illegitimate"}`).Decode(t, http.StatusOK, &out)
		if out.Investigation.State != chaincode.InvestigationIllegitimate {
			t.Fatalf("investigation %+v", out.Investigation)
		}
		tt := refusal{method: http.MethodPut, key: keyReg, path: itemPath(s3, "/investigation"), body: `{"state":"cleared"}`,
			status: 400, code: problem.Invalid, rule: "investigation-transition", fields: []string{"state"}, submits: 1,
			detail: `no move from "illegitimate" to "cleared"`}
		tt.check(t, e, serial(s3))
	})
	t.Run("a destroyed package moves no more", func(t *testing.T) {
		tt := refusal{method: http.MethodPut, key: keyMfr, path: itemPath(s4, "/investigation"), body: suspect,
			status: 400, code: problem.Invalid, rule: "terminal", fields: []string{"epc"}, submits: 1, detail: "is destroyed"}
		tt.check(t, e, serial(s4))
	})
	t.Run("a GTIN owner without a current licence does not clear", func(t *testing.T) {
		var out records.Investigated
		put(keyMfr, s5, suspect).Decode(t, http.StatusOK, &out)
		// The regulator revokes the manufacturer's licence.
		e.submit(reg, chaincode.FnAttestPartner, mfr, mustJSON(t, chaincode.Attestation{Roles: []chaincode.Role{chaincode.RoleManufacturer},
			CompanyPrefixes: []string{"0312345"}, GLNs: []string{e.gln(mfrSGLN)}, Licenses: []chaincode.License{}}))
		tt := refusal{method: http.MethodPut, key: keyMfr, path: itemPath(s5, "/investigation"), body: `{"state":"cleared"}`,
			status: 403, code: problem.Forbidden, rule: "caller-not-atp", submits: 1, detail: "it is not an authorized trading partner"}
		tt.check(t, e, serial(s5))
	})
}

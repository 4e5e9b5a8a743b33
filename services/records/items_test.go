package records_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
	"rxledger/services/records"
)

// TestReadItem: a package, a serialised case with its contents and a
// pallet (SSCC) with everything in it, read by their holder, the GTIN's
// owner and the regulator, by EPC URN and by Digital Link; refused to
// organisations that have nothing to do with them.
func TestReadItem(t *testing.T) {
	e := newEnv(t)
	u1, u2, cs := sgtin("U1"), sgtin("U2"), caseSGTIN("C1")
	u3 := sgtin("U3") // the manufacturer keeps it
	e.mustCapture(mfr, nil, e.commission("L1", u1, u2, u3), e.commission("LC", cs), e.pack(cs, u1, u2), e.pack(ssccURN1, cs),
		e.ship(whsSGLN, ssccURN1))
	e.mustCapture(whs, nil, e.step("receiving", ssccURN1))

	t.Run("a package, by its holder", func(t *testing.T) {
		var it records.Item
		e.get(keyWhs, itemPath(u1, ""), &it)
		if it.ID != link(t, u1) || it.Serial == nil || it.Container != nil || len(it.Contents) != 0 || it.Contents == nil {
			t.Fatalf("item %+v", it)
		}
		s := it.Serial
		if s.GTIN != gtin || s.Serial != "U1" || s.Lot != "L1" || s.Owner != whs || s.Seller != mfr || s.Parent != link(t, cs) {
			t.Fatalf("serial %+v", s)
		}
	})
	t.Run("the same package by its Digital Link", func(t *testing.T) {
		a := e.do(http.MethodGet, keyWhs, itemPath(u1, ""), "")
		b := e.do(http.MethodGet, keyWhs, itemPath(link(t, u1), ""), "")
		if a.Status != http.StatusOK || string(a.Body) != string(b.Body) {
			t.Fatalf("by URN %d %s\nby Digital Link %d %s", a.Status, a.Body, b.Status, b.Body)
		}
	})
	t.Run("a case with its contents", func(t *testing.T) {
		var it records.Item
		e.get(keyWhs, itemPath(link(t, cs), ""), &it)
		if it.Serial == nil || it.Serial.Serial != "C1" || it.Container != nil || !slices.Equal(it.Serial.Children, []string{link(t, u1), link(t, u2)}) {
			t.Fatalf("item %+v", it)
		}
		want := []chaincode.ContainedItem{
			{ID: link(t, u1), Parent: link(t, cs), Lot: "L1", Expiry: expiry},
			{ID: link(t, u2), Parent: link(t, cs), Lot: "L1", Expiry: expiry},
		}
		if !slices.Equal(it.Contents, want) {
			t.Fatalf("contents %+v, want %+v", it.Contents, want)
		}
	})
	t.Run("a pallet with everything in it", func(t *testing.T) {
		var it records.Item
		e.get(keyWhs, itemPath(ssccURN1, ""), &it)
		if it.Container == nil || it.Serial != nil || it.Container.Owner != whs || it.ID != link(t, ssccURN1) {
			t.Fatalf("item %+v", it)
		}
		want := []chaincode.ContainedItem{
			{ID: link(t, cs), Parent: it.ID, Lot: "LC", Expiry: expiry, Packs: true},
			{ID: link(t, u1), Parent: link(t, cs), Lot: "L1", Expiry: expiry},
			{ID: link(t, u2), Parent: link(t, cs), Lot: "L1", Expiry: expiry},
		}
		if !slices.Equal(it.Contents, want) {
			t.Fatalf("contents %+v, want %+v", it.Contents, want)
		}
	})
	t.Run("the GTIN owner and the regulator read the package", func(t *testing.T) {
		for _, key := range []string{keyMfr, keyReg} {
			var it records.Item
			e.get(key, itemPath(u1, ""), &it)
			if it.Serial == nil || it.Serial.Owner != whs {
				t.Fatalf("%s: item %+v", key, it)
			}
		}
	})
	none := func() string { return "" }
	for _, tt := range []refusal{
		{name: "a package another organisation holds", key: keyPha, path: itemPath(u1, ""), status: 403, code: problem.Forbidden,
			detail: "PharmacyMSP neither holds " + u1},
		{name: "a regulator key of a trading partner has no regulator's view", key: keyWhsRegulator, path: itemPath(u3, ""),
			status: 403, code: problem.Forbidden, detail: "WholesalerMSP neither holds"},
		// A pallet's existence is its owners' business: one the caller may
		// not see is answered as an unknown one.
		{name: "the pallet, by its former owner", key: keyMfr, path: itemPath(ssccURN1, ""), status: 404, code: problem.NotFound,
			rule: "unknown-epc", detail: ssccURN1 + " is unknown"},
		{name: "an unknown package", key: keyWhs, path: itemPath(sgtin("U9"), ""), status: 404, code: problem.NotFound,
			rule: "unknown-epc", detail: "was never commissioned"},
		{name: "an unknown pallet", key: keyWhs, path: itemPath("urn:epc:id:sscc:0312345.1000000099", ""), status: 404,
			code: problem.NotFound, rule: "unknown-epc", detail: "urn:epc:id:sscc:0312345.1000000099 is unknown"},
		{name: "an EPC that is not one", key: keyWhs, path: itemPath("S1", ""), status: 400, code: problem.Invalid, fields: []string{"epc"}},
		{name: "no EPC", key: keyWhs, path: "/items/", status: 400, code: problem.Invalid, fields: []string{"epc"}},
		{name: "an unknown sub-resource", key: keyWhs, path: itemPath(u1, "/events"), status: 404, code: problem.NotFound},
		{name: "no key", path: itemPath(u1, ""), status: 401, code: problem.Unauthorized},
	} {
		tt.method = http.MethodGet
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e, none) })
	}
	// A regulator key of a trading partner reads as that partner: what it
	// holds, not the pharmacy's.
	t.Run("a regulator key of a trading partner reads as the partner", func(t *testing.T) {
		var it records.Item
		e.get(keyWhsRegulator, itemPath(u1, ""), &it)
		if it.Serial == nil || it.Serial.Owner != whs {
			t.Fatalf("item %+v", it)
		}
	})
}

// TestHistory: a package's custody chain, whole for its GTIN's owner and
// the regulator, and the part each other organisation took part in.
func TestHistory(t *testing.T) {
	e := newEnv(t)
	s1, s2 := sgtin("H1"), sgtin("H/2")
	// Commissioned, shipped to the wholesaler, received, shipped to the
	// pharmacy, received, dispensed: one transaction each, so one history
	// entry each.
	e.mustCapture(mfr, nil, e.commission("L1", s1, s2))
	e.mustCapture(mfr, nil, e.ship(whsSGLN, s1, s2))
	e.mustCapture(whs, nil, e.step("receiving", s1, s2))
	e.mustCapture(whs, nil, e.ship(pharmSGLN, s1))
	e.mustCapture(pharm, nil, e.step("receiving", s1))
	e.mustCapture(pharm, nil, e.step("dispensing", s1))
	type step struct {
		owner  string
		status chaincode.Status
	}
	chain := []step{{mfr, chaincode.StatusActive}, {mfr, chaincode.StatusInTransit}, {whs, chaincode.StatusActive},
		{whs, chaincode.StatusInTransit}, {pharm, chaincode.StatusActive}, {pharm, chaincode.StatusDispensed}}
	check := func(t *testing.T, h records.History, restricted bool, want []step) {
		t.Helper()
		if h.ID != link(t, s1) || h.Restricted != restricted || len(h.Entries) != len(want) {
			t.Fatalf("history %s; want %d entries, restricted %v", mustJSON(t, h), len(want), restricted)
		}
		for i, en := range h.Entries {
			if en.Serial == nil || en.Serial.Owner != want[i].owner || en.Serial.Status != want[i].status ||
				en.TxID == "" || en.Block == 0 || en.Time.IsZero() {
				t.Fatalf("entry %d: %s; want %+v", i, mustJSON(t, en), want[i])
			}
		}
	}
	for _, key := range []string{keyMfr, keyReg} {
		t.Run("all of it for "+key, func(t *testing.T) {
			var h records.History
			e.get(key, itemPath(s1, "/history"), &h)
			check(t, h, false, chain)
			// The chaincode's own answer, entry for entry.
			var all []chaincode.CustodyEntry
			if err := e.evaluate(reg, &all, chaincode.FnHistory, s1); err != nil {
				t.Fatal(err)
			}
			if mustJSON(t, all) != mustJSON(t, h.Entries) {
				t.Fatalf("answered %s\nthe chaincode %s", mustJSON(t, h.Entries), mustJSON(t, all))
			}
		})
	}
	t.Run("the wholesaler's part", func(t *testing.T) {
		var h records.History
		e.get(keyWhs, itemPath(s1, "/history"), &h)
		// From its shipment to the pharmacy's receipt, which shows who
		// took it and not its state (handedOver).
		want := slices.Clone(chain[1:5])
		want[3].status = ""
		check(t, h, true, want)
	})
	t.Run("the pharmacy's part, by Digital Link", func(t *testing.T) {
		var h records.History
		e.get(keyPha, itemPath(link(t, s1), "/history"), &h)
		check(t, h, true, chain[3:])
	})
	t.Run("a serial with a '/' by Digital Link", func(t *testing.T) {
		var h records.History
		e.get(keyWhs, itemPath(link(t, s2), "/history"), &h)
		if h.ID != "https://id.gs1.org/01/"+gtin+"/21/H%2F2" || len(h.Entries) != 2 || h.Entries[1].Serial.Serial != "H/2" {
			t.Fatalf("history %s", mustJSON(t, h))
		}
	})
	none := func() string { return "" }
	for _, tt := range []refusal{
		{name: "an organisation that took no part", key: keyPha, path: itemPath(s2, "/history"), status: 403, code: problem.Forbidden,
			detail: "PharmacyMSP took no part in the custody of " + s2},
		{name: "an unknown package", key: keyReg, path: itemPath(sgtin("H9"), "/history"), status: 404, code: problem.NotFound,
			rule: "unknown-epc"},
		{name: "a malformed EPC", key: keyReg, path: itemPath("urn:epc:id:sscc:0312345.1", "/history"), status: 400,
			code: problem.Invalid, fields: []string{"epc"}},
		{name: "a PUT of the history", method: http.MethodPut, key: keyReg, path: itemPath(s1, "/history"), body: `{}`, status: 405,
			code: problem.MethodNotAllowed, detail: "allowed: GET"},
	} {
		if tt.method == "" {
			tt.method = http.MethodGet
		}
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e, none) })
	}
}

// TestT3: transaction information is read by its seller, its buyer and the
// regulator; the history of a package leads to it through its
// transaction.
func TestT3(t *testing.T) {
	e := newEnv(t)
	s1 := sgtin("T1")
	e.mustCapture(mfr, nil, e.commission("L1", s1))
	t3 := chaincode.T3{Seller: mfr, Buyer: whs, TransactionDate: "2026-11-01", PONumber: "PO-7",
		Products: []chaincode.T3Product{{GTIN: gtin, Name: "Examplamab 10 mg", Quantity: 1, Lot: "L1"}}}
	res := e.mustCapture(mfr, []chaincode.T3{t3}, e.ship(whsSGLN, s1))
	if len(res.T3) != 1 {
		t.Fatalf("capture result %+v", res)
	}
	id := res.T3[0]
	for _, key := range []string{keyMfr, keyWhs, keyReg} {
		t.Run("read by "+key, func(t *testing.T) {
			var got chaincode.T3
			e.get(key, "/t3/"+id, &got)
			if got.ID != id || got.Seller != mfr || got.Buyer != whs || got.PONumber != "PO-7" || got.TxID != res.TxID ||
				len(got.Products) != 1 || len(got.EventHashIDs) != 1 {
				t.Fatalf("T3 %+v", got)
			}
		})
	}
	t.Run("the buyer finds it from the package's history", func(t *testing.T) {
		var h records.History
		e.get(keyWhs, itemPath(s1, "/history"), &h)
		if len(h.Entries) != 1 || h.Entries[0].TxID != res.TxID {
			t.Fatalf("history %s", mustJSON(t, h))
		}
		var tx chaincode.TxRecord
		e.get(keyWhs, "/tx/"+h.Entries[0].TxID, &tx)
		if tx.TxID != res.TxID || !slices.Equal(tx.T3, []string{id}) || len(tx.Events) != 1 {
			t.Fatalf("transaction %+v", tx)
		}
	})
	none := func() string { return "" }
	for _, tt := range []refusal{
		{name: "another partner", key: keyPha, path: "/t3/" + id, status: 403, code: problem.Forbidden, rule: "not-a-party",
			detail: "PharmacyMSP is neither seller, buyer nor regulator of " + id},
		{name: "an unknown T3", key: keyReg, path: "/t3/t3-00000000000000000000000000000000", status: 404, code: problem.NotFound,
			rule: "unknown-t3"},
		{name: "a key of the regulator organisation without the regulator role", key: keyRegWholesaler, path: "/t3/" + id,
			status: 403, code: problem.Forbidden, detail: "RegulatorMSP is a regulator"},
		{name: "an unknown transaction", key: keyWhs, path: "/tx/nosuchtx", status: 404, code: problem.NotFound, rule: "unknown-tx"},
	} {
		tt.method = http.MethodGet
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e, none) })
	}
}

// TestReadHidesOthersTrade: an organisation shown a package in part learns
// who it deals with, not its counterpart's own trade: the pharmacy a
// package is on its way to sees the wholesaler shipping it, not the
// manufacturer the wholesaler bought it from.
func TestReadHidesOthersTrade(t *testing.T) {
	e := newEnv(t)
	u := sgtin("T1")
	e.mustCapture(mfr, nil, e.commission("LT", u), e.ship(whsSGLN, u))
	e.mustCapture(whs, nil, e.step("receiving", u), e.ship(pharmSGLN, u))

	var it records.Item
	e.get(keyPha, itemPath(u, ""), &it)
	if s := it.Serial; s == nil || s.Owner != whs || s.ShipTo != pharm || s.Seller != "" {
		t.Fatalf("the addressee reads %+v: want the owner and itself, not the owner's supplier", it.Serial)
	}
	var h records.History
	e.get(keyPha, itemPath(u, "/history"), &h)
	if !h.Restricted || len(h.Entries) == 0 {
		t.Fatalf("history %+v", h)
	}
	for _, en := range h.Entries {
		if en.Serial != nil && en.Serial.Seller != "" && en.Serial.Seller != pharm {
			t.Fatalf("the pharmacy's history names %s, the wholesaler's supplier: %+v", en.Serial.Seller, en.Serial)
		}
	}
	e.get(keyWhs, itemPath(u, ""), &it) // its own package: whole
	if s := it.Serial; s.Seller != mfr || s.ShipTo != pharm {
		t.Fatalf("the owner reads %+v", s)
	}

	// The pharmacy receives and dispenses in one transaction: the
	// wholesaler sees who took the package, not what it did with it.
	e.mustCapture(pharm, nil, e.step("receiving", u), e.step("dispensing", u))
	e.get(keyWhs, itemPath(u, "/history"), &h)
	last := h.Entries[len(h.Entries)-1].Serial
	if last == nil || last.Owner != pharm || last.Seller != whs || last.Status != "" {
		t.Fatalf("the seller's view of its buyer's receipt: %+v", last)
	}
}

// TestHiddenSSCCIsUnknown: on every route, an SSCC the caller has nothing
// to do with is answered as one never commissioned, word for word but for
// the identifier, so its existence does not leak.
func TestHiddenSSCCIsUnknown(t *testing.T) {
	e := newEnv(t)
	u := sgtin("HS1")
	e.mustCapture(mfr, nil, e.commission("LH", u), e.pack(ssccURN1, u))
	const ghost = "urn:epc:id:sscc:0312345.1000000099"
	for _, tt := range []struct{ name, method, sub, body string }{
		{"item", http.MethodGet, "", ""},
		{"history", http.MethodGet, "/history", ""},
		{"investigation", http.MethodPut, "/investigation", `{"state":"suspect"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hidden := e.do(tt.method, keyPha, itemPath(ssccURN1, tt.sub), tt.body).Problem(t, http.StatusNotFound)
			unknown := e.do(tt.method, keyPha, itemPath(ghost, tt.sub), tt.body).Problem(t, http.StatusNotFound)
			if hidden.Rule != unknown.Rule || strings.ReplaceAll(hidden.Detail, ssccURN1, ghost) != unknown.Detail ||
				len(hidden.Errors) != len(unknown.Errors) {
				t.Fatalf("the manufacturer's pallet: %+v\nan unknown one: %+v", hidden, unknown)
			}
		})
	}
	// Its holder still reads it.
	var it records.Item
	e.get(keyMfr, itemPath(ssccURN1, ""), &it)
	if it.Container == nil {
		t.Fatalf("the holder reads %+v", it)
	}
}

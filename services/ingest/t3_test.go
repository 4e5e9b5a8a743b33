package ingest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ingest"
)

// TestTransactionInformationPerBuyer captures one document shipping to two
// buyers: each gets its own transaction information, readable by it and
// not by the other.
func TestTransactionInformationPerBuyer(t *testing.T) {
	e := newEnv(t, true, nil)
	a, b := []string{sgtin("TA1"), sgtin("TA2")}, []string{sgtin("TB1")}
	doc := document(commission(0, "TA", a...), commission(1, "TB", b...),
		ship(2, mfrSGLN, whsSGLN, a...), ship(3, mfrSGLN, pharmSGLN, b...))
	j := e.mustCapture(mfr, ctJSON, encode(t, doc, "json"))
	if len(j.T3) != 2 {
		t.Fatalf("job %+v: want a T3 per buyer", j)
	}
	tests := []struct {
		buyer  string
		serial []string
	}{
		{whs, a},
		{pharm, b},
	}
	for i, tt := range tests {
		t.Run(tt.buyer, func(t *testing.T) {
			raw, err := e.l.Evaluate(t.Context(), tt.buyer, chaincode.FnReadT3, j.T3[i])
			if err != nil {
				t.Fatalf("the buyer reads its T3: %v", err)
			}
			var t3 chaincode.T3
			if err := json.Unmarshal(raw, &t3); err != nil {
				t.Fatal(err)
			}
			var want []string // serials as canonical Digital Links
			for _, s := range tt.serial {
				id, err := chaincode.ParseItemID(s)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, id.DigitalLink())
			}
			if t3.Seller != mfr || t3.Buyer != tt.buyer || len(t3.Products) != 1 || t3.Products[0].Quantity != len(tt.serial) ||
				!slices.Equal(t3.Products[0].Serials, want) || t3.Products[0].Lot == "" || t3.TransactionDate != "2026-11-01" {
				t.Fatalf("T3 %+v", t3)
			}
			other := map[string]string{whs: pharm, pharm: whs}[tt.buyer]
			if _, err := e.l.Evaluate(t.Context(), other, chaincode.FnReadT3, j.T3[i]); err == nil {
				t.Fatalf("%s read the T3 of a sale to %s", other, tt.buyer)
			}
		})
	}
}

// TestOneSaleOneT3WhateverThePartyForm captures one document whose shipping
// events name the same seller and buyer in different forms (an SGLN URN, a
// PGLN URN, GS1 Digital Links on another host and with the short name): it
// is one sale, so one T3 with every package shipped.
func TestOneSaleOneT3WhateverThePartyForm(t *testing.T) {
	e := newEnv(t, true, nil)
	a, b, c := []string{sgtin("PF1"), sgtin("PF2")}, []string{sgtin("PF3")}, []string{sgtin("PF4")}
	asPGLN := ship(4, "urn:epc:id:pgln:0312345.00000", "urn:epc:id:pgln:0388888.00000", b...)
	asDL := ship(5, "https://id.gs1.org/417/0312345000004", "https://example.com/gln/0388888000009", c...)
	doc := document(commission(0, "PF", a...), commission(1, "PF", b...), commission(2, "PF", c...),
		ship(3, mfrSGLN, whsSGLN, a...), asPGLN, asDL)
	j := e.mustCapture(mfr, ctJSON, encode(t, doc, "json"))
	if len(j.T3) != 1 || len(j.Warnings) != 0 {
		t.Fatalf("job %+v: want one T3 for the one sale, no warnings", j)
	}
	raw, err := e.l.Evaluate(t.Context(), whs, chaincode.FnReadT3, j.T3[0])
	if err != nil {
		t.Fatalf("the buyer reads its T3: %v", err)
	}
	var t3 chaincode.T3
	if err := json.Unmarshal(raw, &t3); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range slices.Concat(a, b, c) {
		id, err := chaincode.ParseItemID(s)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id.DigitalLink())
	}
	if t3.Seller != mfr || t3.Buyer != whs || len(t3.Products) != 1 || t3.Products[0].Quantity != len(want) ||
		!slices.Equal(t3.Products[0].Serials, want) {
		t.Fatalf("T3 %+v, want the sale of %v", t3, want)
	}
}

// TestShipmentWithoutT3IsReported: a shipping event from which no
// transaction information can be derived (here it names no source
// owning_party) is still captured, as the chaincode accepts it, and the job
// says that it was recorded without T3 and why; a shipment with T3 says
// nothing.
func TestShipmentWithoutT3IsReported(t *testing.T) {
	e := newEnv(t, true, nil)
	a, b := []string{sgtin("NT1")}, []string{sgtin("NT2")}
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "NT", a...), commission(1, "NT", b...)), "json"))
	noSource := ship(2, mfrSGLN, whsSGLN, a...)
	noSource.SourceList = nil
	j := e.mustCapture(mfr, ctJSON, encode(t, document(noSource), "json"))
	if len(j.T3) != 0 || len(j.Warnings) != 1 || !strings.Contains(j.Warnings[0], "recorded without transaction information (T3)") ||
		!strings.Contains(j.Warnings[0], "owning_party") {
		t.Fatalf("a shipment without a source owning_party: job %+v", j)
	}
	if j := e.mustCapture(mfr, ctJSON, encode(t, document(ship(3, mfrSGLN, whsSGLN, b...)), "json")); len(j.T3) != 1 || len(j.Warnings) != 0 {
		t.Fatalf("a shipment with T3: job %+v", j)
	}
	// Without the seller's transaction statement the T3 is recorded, and
	// the job says it lacks the statement.
	noTS := ship(4, mfrSGLN, whsSGLN, sgtin("NT5"))
	noTS.Extensions = nil
	j = e.mustCapture(mfr, ctJSON, encode(t, document(commission(3, "NT", sgtin("NT5")), noTS), "json"))
	if len(j.T3) != 1 || len(j.Warnings) != 1 || !strings.Contains(j.Warnings[0], "without a transaction statement") {
		t.Fatalf("a shipment without a transaction statement: job %+v", j)
	}
	// In one document, a shipment to a buyer without a source owning_party
	// leaves the T3 of the shipment to another buyer.
	c, d := []string{sgtin("NT3")}, []string{sgtin("NT4")}
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(4, "NT", c...), commission(5, "NT", d...)), "json"))
	bad := ship(6, mfrSGLN, pharmSGLN, d...)
	bad.SourceList = nil
	j = e.mustCapture(mfr, ctJSON, encode(t, document(ship(6, mfrSGLN, whsSGLN, c...), bad), "json"))
	if len(j.T3) != 1 || len(j.Warnings) != 1 || !strings.Contains(j.Warnings[0], pharmSGLN) {
		t.Fatalf("two buyers, one shipment without T3: job %+v", j)
	}
}

// TestCaptureIsSalted: the service sends a salt with every capture, so the
// hashes the ledger shows of the private records are not those of the
// records read back, which are still exactly the events captured.
func TestCaptureIsSalted(t *testing.T) {
	e := newEnv(t, true, nil)
	a := []string{sgtin("SA1")}
	doc := document(commission(0, "SA", a...), ship(1, mfrSGLN, whsSGLN, a...))
	j := e.mustCapture(mfr, ctJSON, encode(t, doc, "json"))
	if len(j.T3) != 1 {
		t.Fatalf("job %+v", j)
	}
	for i, id := range hashIDs(t, doc.Events...) {
		raw, err := e.l.Evaluate(t.Context(), mfr, chaincode.FnReadEvent, id)
		if err != nil {
			t.Fatal(err)
		}
		var rec chaincode.EventRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(rec.Body); hex.EncodeToString(sum[:]) == rec.Anchor.BodyHash {
			t.Fatalf("event %d: the body hash on the ledger is the hash of the body", i)
		}
		want, err := json.Marshal(doc.Events[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Body, want) {
			t.Fatalf("event %d reads\n%s\nnot\n%s", i, rec.Body, want)
		}
	}
	raw, err := e.l.Evaluate(t.Context(), whs, chaincode.FnReadT3, j.T3[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec chaincode.T3
	if err := json.Unmarshal(raw, &rec); err != nil || bytes.Contains(raw, []byte("salt")) {
		t.Fatalf("T3 %s %v", raw, err)
	}
	rec.ID, rec.TxID = "", ""
	body, _ := json.Marshal(&rec)
	if sum := sha256.Sum256(body); j.T3[0] == "t3-"+hex.EncodeToString(sum[:16]) {
		t.Fatal("the T3 ID is the hash of the unsalted record")
	}
}

// TestT3ProductsFollowThePacking: the products of a sale are the packages
// the shipment moves, as the ledger and the document's own events before
// the shipment leave them, with lot and expiry wherever they were
// commissioned, and a case or pallet is not a product of its own.
func TestT3ProductsFollowThePacking(t *testing.T) {
	e := newEnv(t, true, nil)
	readT3 := func(t *testing.T, buyer string, j ingest.Job) chaincode.T3 {
		t.Helper()
		if len(j.T3) != 1 || len(j.Warnings) != 0 {
			t.Fatalf("job %+v: want one T3 and no warning", j)
		}
		raw, err := e.l.Evaluate(t.Context(), buyer, chaincode.FnReadT3, j.T3[0])
		if err != nil {
			t.Fatal(err)
		}
		var rec chaincode.T3
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	dl := func(serial string) string { return "https://id.gs1.org/01/00312345678906/21/" + serial }
	caseEPC := "urn:epc:id:sgtin:0312345.167890.K1" // a serialised case (indicator digit 1)
	items := []string{sgtin("P1"), sgtin("P2"), sgtin("P3"), sgtin("P4")}
	// The manufacturer packs two items into a case, the case and two more
	// items onto a pallet, and ships the pallet in a later document.
	e.mustCapture(mfr, ctJSON, encode(t, document(
		commission(0, "PL", items...), commission(1, "PK", caseEPC), commissionContainers(2, sscc("7")),
		pack(3, caseEPC, items[0], items[1]), pack(4, sscc("7"), caseEPC, items[2], items[3])), "json"))

	t.Run("a pallet shipped later: units only, lot and expiry from the ledger", func(t *testing.T) {
		// The shipping document's master data names the product (its
		// class as an SGTIN pattern), though no unit of it is in the
		// document: they come from the ledger.
		doc := document(ship(5, mfrSGLN, whsSGLN, sscc("7")))
		const mda = "urn:epcglobal:cbv:mda#"
		doc.MasterData = []epcis.Vocabulary{{Type: "urn:epcglobal:epcis:vtype:EPCClass", Elements: []epcis.VocabularyElement{{
			ID: "urn:epc:idpat:sgtin:0312345.067890.*",
			Attributes: []epcis.VocabularyAttribute{{ID: mda + "regulatedProductName", Value: "Examplamab injection"},
				{ID: mda + "additionalTradeItemIdentification", Value: "12345-678-90"},
				{ID: mda + "additionalTradeItemIdentificationTypeCode", Value: "FDA_NDC_11"}},
		}}}}
		rec := readT3(t, whs, e.mustCapture(mfr, ctJSON, encode(t, doc, "json")))
		if len(rec.Products) != 1 {
			t.Fatalf("products %+v: want one line, the case not among them", rec.Products)
		}
		p := rec.Products[0]
		if p.Name != "Examplamab injection" || p.NDC != "12345-678-90" {
			t.Fatalf("product %+v: want the name and NDC of the master data", p)
		}
		want := []string{dl("P1"), dl("P2"), dl("P3"), dl("P4")}
		if p.GTIN != "00312345678906" || p.Lot != "PL" || p.Expiry != "2099-12-31" || p.Quantity != 4 || !slices.Equal(p.Serials, want) {
			t.Fatalf("product %+v, want 4 of lot PL, serials %v", p, want)
		}
	})
	e.mustCapture(whs, ctJSON, encode(t, document(receive(6, whsSGLN, sscc("7"))), "json"))

	t.Run("unpacked or destroyed before shipping in the same document", func(t *testing.T) {
		// The wholesaler takes P1 out of the case (read before the
		// pallet it is on), P3 off the pallet, destroys P4 (which leaves
		// the pallet), then ships the pallet: only P2, in the case, goes.
		unpackP1 := pack(7, caseEPC, items[0])
		unpackP1.Action, unpackP1.BizStep = epcis.ActionDelete, "unpacking"
		unpackP3 := pack(7, sscc("7"), items[2])
		unpackP3.Action, unpackP3.BizStep = epcis.ActionDelete, "unpacking"
		destroyP4 := receive(7, whsSGLN, items[3])
		destroyP4.BizStep, destroyP4.Disposition = "destroying", "destroyed"
		rec := readT3(t, pharm, e.mustCapture(whs, ctJSON, encode(t, document(unpackP1, unpackP3, destroyP4, ship(8, whsSGLN, pharmSGLN, sscc("7"))), "json")))
		if len(rec.Products) != 1 || rec.Products[0].Quantity != 1 || !slices.Equal(rec.Products[0].Serials, []string{dl("P2")}) ||
			rec.Products[0].Lot != "PL" || rec.Seller != whs || rec.Buyer != pharm {
			t.Fatalf("T3 %+v", rec)
		}
	})

	t.Run("a case emptied before it ships is no product", func(t *testing.T) {
		emptied, in := "urn:epc:id:sgtin:0312345.167890.K2", []string{sgtin("E1"), sgtin("E2")}
		unpackAll := pack(22, emptied)
		unpackAll.Action, unpackAll.BizStep = epcis.ActionDelete, "unpacking"
		rec := readT3(t, whs, e.mustCapture(mfr, ctJSON, encode(t, document(commission(20, "PE", in...), commission(20, "PK", emptied),
			pack(21, emptied, in...), unpackAll, ship(23, mfrSGLN, whsSGLN, append([]string{emptied}, in...)...)), "json")))
		if len(rec.Products) != 1 || rec.Products[0].GTIN != "00312345678906" || rec.Products[0].Quantity != 2 {
			t.Fatalf("products %+v: want the two units alone", rec.Products)
		}
	})

	t.Run("packed before shipping in the same document", func(t *testing.T) {
		// P3, loose at the wholesaler, goes onto a new pallet with P1
		// (written as a Digital Link) and both are shipped on it.
		rec := readT3(t, pharm, e.mustCapture(whs, ctJSON, encode(t, document(
			commissionContainers(9, "urn:epc:id:sscc:0388888.1000000001"),
			pack(10, "urn:epc:id:sscc:0388888.1000000001", items[2], dl("P1")),
			ship(11, whsSGLN, pharmSGLN, "urn:epc:id:sscc:0388888.1000000001")), "json")))
		if len(rec.Products) != 1 || rec.Products[0].Quantity != 2 || !slices.Equal(rec.Products[0].Serials, []string{dl("P3"), dl("P1")}) ||
			rec.Products[0].Expiry != "2099-12-31" {
			t.Fatalf("T3 %+v", rec)
		}
	})
}

package chaincode_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// TestDistributionFlow follows packages from commissioning to dispensing:
// commission and pack in one transaction, ship a pallet with T3, receive,
// break the pallet down, ship a case on, receive, dispense.
func TestDistributionFlow(t *testing.T) {
	m := newLedger(t)
	items := serials("F", 4)
	mustCapture(t, m, mfr,
		commissionEv("L1", "2027-03-31", items...),
		commissionEv("", "", sscc1, sscc2, sscc3),
		packEv(sscc1, items[0], items[1]),
		packEv(sscc2, items[2], items[3]),
		packEv(sscc3, sscc1, sscc2),
	)
	ce := lastEvent(t, m)
	if len(ce.AllSerials()) != 4 || len(ce.Containers) != 3 || len(ce.Lots) != 1 || len(ce.Events) != 5 {
		t.Fatalf("commission event: %d serials, %d containers, %d lots, %d events", len(ce.AllSerials()), len(ce.Containers), len(ce.Lots), len(ce.Events))
	}
	if s := serialOf(t, m, items[0]); s.Parent != "https://id.gs1.org/00/103123450000000018" || s.Owner != mfr || s.Lot != "L1" {
		t.Fatalf("after packing: %+v", s)
	}

	t3 := []chaincode.T3{{Seller: mfr, Buyer: whs, TransactionDate: "2026-11-01", PONumber: "PO-1",
		Products: []chaincode.T3Product{{GTIN: gtin, Quantity: 4, Lot: "L1"}}}}
	res, err := captureT3(t, m, mfr, t3, shipEv(mfrGLN[:0]+"urn:epc:id:pgln:0388888.00000", sscc3))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.T3) != 1 {
		t.Fatalf("t3 ids: %v", res.T3)
	}
	for _, epc := range items {
		if s := serialOf(t, m, epc); s.Status != chaincode.StatusInTransit || s.ShipTo != whs || s.Owner != mfr {
			t.Fatalf("after shipping %s: %+v", epc, s)
		}
	}
	if ce := lastEvent(t, m); len(ce.Events) != 1 || !slices.Equal(ce.Events[0].Parties, []string{mfr, whs}) || len(ce.T3) != 1 {
		t.Fatalf("shipping event payload: %+v", ce)
	}

	// The wholesaler receives the pallet by listing it and one case: the
	// case follows the pallet once. The source owning party is a party.
	recv := stepEv("receiving", sscc1, sscc3)
	recv.SourceList = []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/" + mfrGLN}}
	mustCapture(t, m, whs, recv)
	if ce := lastEvent(t, m); !slices.Equal(ce.Events[0].Parties, []string{mfr, whs}) {
		t.Fatalf("receiving parties %v", ce.Events[0].Parties)
	}
	if m.PrivateData(chaincode.ImplicitCollection(mfr), "evt~"+lastEvent(t, m).Events[0].HashID) == nil {
		t.Fatal("the seller has no copy of the receiving event")
	}
	for _, epc := range items {
		s := serialOf(t, m, epc)
		if s.Owner != whs || s.Seller != mfr || s.Status != chaincode.StatusActive || s.ShipTo != "" {
			t.Fatalf("after receiving %s: %+v", epc, s)
		}
	}
	if l := lotOf(t, m, "L1"); !slices.Equal(l.Holders, []chaincode.LotHolding{{Org: whs, Count: 4}}) || l.Commissioned != 4 {
		t.Fatalf("lot after receiving: %+v", l)
	}

	// Break the pallet down and ship one case to the pharmacy, with a
	// Digital Link destination and EPCs.
	ship := shipEv("https://id.gs1.org/414/"+pharmGLN, "https://id.gs1.org/00/103123450000000018")
	mustCapture(t, m, whs, unpackEv(sscc3), ship)
	mustCapture(t, m, pharm, stepEv("receiving", sscc1))
	mustCapture(t, m, pharm, stepEv("dispensing", sgtinDL("F0")))

	s := serialOf(t, m, items[0])
	if s.Status != chaincode.StatusDispensed || s.Owner != pharm || s.Parent != "" {
		t.Fatalf("dispensed: %+v", s)
	}
	out, err := m.Evaluate(pharm, chaincode.FnReadContainer, sscc1)
	if err != nil {
		t.Fatal(err)
	}
	var cc chaincode.ContainerContents
	if err := json.Unmarshal(out, &cc); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cc.Contents, []string{sgtinDL("F1")}) || cc.Container == nil || cc.Container.Owner != pharm {
		t.Fatalf("case after dispensing one item: %+v", cc)
	}
	if l := lotOf(t, m, "L1"); !slices.Equal(l.Holders, []chaincode.LotHolding{{Org: pharm, Count: 1}, {Org: whs, Count: 2}}) {
		t.Fatalf("lot holders at the end: %+v", l.Holders)
	}

	out, err = m.Evaluate(reg, chaincode.FnHistory, items[0])
	if err != nil {
		t.Fatal(err)
	}
	var hist []chaincode.CustodyEntry
	if err := json.Unmarshal(out, &hist); err != nil {
		t.Fatal(err)
	}
	var owners []string
	for _, h := range hist {
		if h.TxID == "" || h.Block == 0 || h.Serial == nil {
			t.Fatalf("history entry %+v", h)
		}
		owners = append(owners, h.Serial.Owner+"/"+string(h.Serial.Status))
	}
	want := []string{mfr + "/active", mfr + "/in_transit", whs + "/active", whs + "/in_transit", pharm + "/active", pharm + "/dispensed"}
	if !slices.Equal(owners, want) {
		t.Fatalf("custody chain\n got %v\nwant %v", owners, want)
	}

	r, err := verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "F0", Lot: "L1", Expiry: "270331"})
	if err != nil || r.Verified || r.VerificationFailureReason != chaincode.NotForRedistribution {
		t.Fatalf("verify dispensed: %+v %v", r, err)
	}
	r, err = verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "F1", Lot: "L1", Expiry: "270331"})
	if err != nil || !r.Verified {
		t.Fatalf("verify on shelf: %+v %v", r, err)
	}
}

// TestIdempotentCapture captures the same batch twice: the second time every
// event is reported as a duplicate and nothing changes.
func TestIdempotentCapture(t *testing.T) {
	m := newLedger(t)
	batch := []epcis.Event{commissionEv("L1", "2027-03-31", sgtin("I1")), at(shipEv(whsGLN, sgtin("I1")), 1)}
	first := mustCapture(t, m, mfr, batch...)
	hist := len(m.Keys("serial~")) + len(m.Keys("sblk~"))
	before := m.Serials()["serial~"+gtin+"~I1"]
	second := mustCapture(t, m, mfr, batch...)
	for i := range second.Events {
		if !second.Events[i].Duplicate || second.Events[i].HashID != first.Events[i].HashID || first.Events[i].Duplicate {
			t.Fatalf("event %d: first %+v second %+v", i, first.Events[i], second.Events[i])
		}
	}
	if after := m.Serials()["serial~"+gtin+"~I1"]; before == "" || after != before || len(m.Keys("serial~"))+len(m.Keys("sblk~")) != hist {
		t.Fatalf("state changed on duplicate capture:\n%s\n%s", before, after)
	}
	if ce := lastEvent(t, m); len(ce.AllSerials()) != 0 || len(ce.Events) != 0 {
		t.Fatalf("duplicate capture event carries changes: %+v", ce)
	}
	// A duplicate within one batch is skipped too.
	res := mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("I2")), commissionEv("L1", "2027-03-31", sgtin("I2")))
	if res.Events[0].Duplicate || !res.Events[1].Duplicate {
		t.Fatalf("in-batch duplicate: %+v", res.Events)
	}
}

// TestBatchAtomicity: a batch whose last event breaks a rule changes nothing.
func TestBatchAtomicity(t *testing.T) {
	m := newLedger(t)
	height := m.Height()
	_, err := capture(t, m, mfr,
		commissionEv("L1", "2027-03-31", sgtin("A1"), sgtin("A2")),
		packEv(sscc1, sgtin("A1")),
		shipEv(whsGLN, sgtin("A2")),
		commissionEv("L1", "2027-03-31", foreignEPC),
	)
	re := wantRule(t, err, chaincode.CodeForbidden, "not-prefix-owner", 3)
	if re.EPC != foreignEPC {
		t.Fatalf("error EPC %q", re.EPC)
	}
	if m.Height() != height || len(m.Keys("serial~")) != 0 || len(m.Keys("sblk~")) != 0 || len(m.Keys("lotsb~")) != 0 ||
		len(m.Keys("evt~")) != 0 || len(m.Keys("lot~")) != 0 {
		t.Fatalf("a refused batch left state behind: %v %v %v", m.Keys("serial~"), m.Keys("sblk~"), m.Keys("evt~"))
	}
	parsed, ok := chaincode.ParseRuleError("chaincode response 500, " + err.Error())
	if !ok || parsed.Rule != "not-prefix-owner" || *parsed.EventIndex != 3 {
		t.Fatalf("ParseRuleError: %+v %v", parsed, ok)
	}
}

// TestReturns: a saleable return from a wholesaler to its manufacturer and
// from a pharmacy (a dispenser) to its wholesaler.
func TestReturns(t *testing.T) {
	m := newLedger(t)
	a, b := sgtin("R1"), sgtin("R2")
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a, b), shipEv(whsGLN, a, b))
	mustCapture(t, m, whs, stepEv("receiving", a, b), shipEv(pharmGLN, b))
	mustCapture(t, m, pharm, stepEv("receiving", b))

	mustCapture(t, m, whs, at(shipEv(mfrGLN, a), 5))
	mustCapture(t, m, mfr, at(stepEv("receiving", a), 6))
	if s := serialOf(t, m, a); s.Owner != mfr || s.Seller != whs || s.Status != chaincode.StatusActive {
		t.Fatalf("returned to manufacturer: %+v", s)
	}

	_, err := capture(t, m, pharm, at(shipEv(mfrGLN, b), 7))
	wantRule(t, err, chaincode.CodeForbidden, "dispenser-returns-only", 0)
	mustCapture(t, m, pharm, at(shipEv(whsGLN, b), 8))
	mustCapture(t, m, whs, at(stepEv("receiving", b), 9))
	if s := serialOf(t, m, b); s.Owner != whs || s.Seller != pharm {
		t.Fatalf("returned to wholesaler: %+v", s)
	}
}

// TestRecall: only the GTIN owner recalls; a recalled lot verifies with
// Recalled, is not dispensed and moves only back towards its source.
func TestRecall(t *testing.T) {
	m := newLedger(t)
	a, b := sgtin("C1"), sgtin("C2")
	mustCapture(t, m, mfr, commissionEv("L9", "2027-03-31", a, b), shipEv(whsGLN, a, b))
	mustCapture(t, m, whs, stepEv("receiving", a, b))

	_, err := m.Submit(whs, chaincode.FnRecallLot, nil, gtin, "L9", "contamination")
	wantRule(t, err, chaincode.CodeForbidden, "not-gtin-owner", -1)
	_, err = m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "NOPE", "x")
	wantRule(t, err, chaincode.CodeNotFound, "unknown-lot", -1)
	if _, err := m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "L9", "contamination"); err != nil {
		t.Fatal(err)
	}
	if ce := lastEvent(t, m); len(ce.Lots) != 1 || !ce.Lots[0].Recalled {
		t.Fatalf("recall event: %+v", ce)
	}
	if l := lotOf(t, m, "L9"); !l.Recalled || l.RecallReason != "contamination" || l.RecallTime == nil {
		t.Fatalf("lot: %+v", l)
	}
	r, err := verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "C1", Lot: "L9", Expiry: "270331"})
	if err != nil || !r.Verified || r.AdditionalInfo != chaincode.InfoRecalled {
		t.Fatalf("verify recalled: %+v %v", r, err)
	}
	_, err = capture(t, m, whs, shipEv(pharmGLN, a))
	wantRule(t, err, chaincode.CodeInvalid, "recalled-lot", 0)
	_, err = capture(t, m, whs, stepEv("dispensing", a))
	wantRule(t, err, chaincode.CodeInvalid, "recalled-lot", 0)
	mustCapture(t, m, whs, at(shipEv(mfrGLN, a), 3))
	mustCapture(t, m, whs, stepEv("destroying", b))
	if s := serialOf(t, m, b); s.Status != chaincode.StatusDestroyed {
		t.Fatalf("destroyed: %+v", s)
	}
	_, err = capture(t, m, mfr, commissionEv("L9", "2027-03-31", sgtin("C3")))
	wantRule(t, err, chaincode.CodeInvalid, "lot-recalled", 0)
}

// TestDispenserReturnsRecallToOwner: a pharmacy (a dispenser only) sends a
// recalled lot's package straight back to the manufacturer, though it
// bought it from a wholesaler; a package of a lot not recalled still goes
// only to its seller.
func TestDispenserReturnsRecallToOwner(t *testing.T) {
	m := newLedger(t)
	a, c := sgtin("DR1"), sgtin("DR3")
	mustCapture(t, m, mfr, commissionEv("LR", "2027-03-31", a), commissionEv("LK", "2027-03-31", c), shipEv(whsGLN, a, c))
	mustCapture(t, m, whs, stepEv("receiving", a, c), shipEv(pharmGLN, a, c))
	mustCapture(t, m, pharm, at(stepEv("receiving", a, c), 1))
	if _, err := m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "LR", "contamination"); err != nil {
		t.Fatal(err)
	}
	_, err := capture(t, m, pharm, at(shipEv(mfrGLN, a, c), 2))
	wantRule(t, err, chaincode.CodeForbidden, "dispenser-returns-only", 0) // c's lot is not recalled
	mustCapture(t, m, pharm, at(shipEv(mfrGLN, a), 3))
	mustCapture(t, m, mfr, at(stepEv("receiving", a), 4))
	if s := serialOf(t, m, a); s.Owner != mfr || s.Seller != pharm {
		t.Fatalf("recalled package back at the manufacturer: %+v", s)
	}
}

// TestObservationAgreeingWithTheLedger: an observation whose disposition
// says what the ledger already shows (a holding event of a recalled lot, a
// package already under investigation called stolen, an inspection of a
// destroyed one) is anchored; the same disposition on a package the ledger
// shows otherwise is refused.
func TestObservationAgreeingWithTheLedger(t *testing.T) {
	m := newLedger(t)
	a, b, c := sgtin("OA1"), sgtin("OA2"), sgtin("OA3")
	mustCapture(t, m, mfr, commissionEv("LA", "2027-03-31", a, b), commissionEv("LB", "2027-03-31", c))
	if _, err := m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "LA", "contamination"); err != nil {
		t.Fatal(err)
	}
	with := func(e epcis.Event, disp string, minute int) epcis.Event {
		e = at(e, minute)
		e.Disposition = disp
		return e
	}
	mustCapture(t, m, mfr, with(stepEv("holding", a, b), "recalled", 1))
	lotClass := epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "holding", EventTimeZoneOffset: "+00:00",
		QuantityList: []epcis.QuantityElement{epcisQuantity("urn:epc:class:lgtin:0312345.067890.LA")}}
	mustCapture(t, m, mfr, with(lotClass, "recalled", 2))
	_, err := capture(t, m, mfr, with(stepEv("holding", a, c), "recalled", 3))
	wantRule(t, err, chaincode.CodeInvalid, "disposition-not-applied", 0) // c's lot is not recalled

	if _, err := m.Submit(mfr, chaincode.FnSetInvestigation, nil, c, string(chaincode.InvestigationSuspect)); err != nil {
		t.Fatal(err)
	}
	mustCapture(t, m, mfr, with(stepEv("inspecting", c), "stolen", 4))
	mustCapture(t, m, mfr, stepEv("destroying", b))
	mustCapture(t, m, mfr, with(stepEv("inspecting", b), "destroyed", 5))
	_, err = capture(t, m, mfr, with(stepEv("inspecting", a), "destroyed", 6))
	wantRule(t, err, chaincode.CodeInvalid, "disposition-not-applied", 0)
}

// TestT3Privacy: transaction information is readable by seller, buyer and
// regulators only; the shared state keeps its hash.
func TestT3Privacy(t *testing.T) {
	m := newLedger(t)
	a := sgtin("P1")
	t3 := []chaincode.T3{{Seller: mfr, Buyer: whs, TransactionDate: "2026-11-01", InvoiceNumber: "INV-7",
		Products: []chaincode.T3Product{{GTIN: gtin, Quantity: 1, Lot: "L1"}}}}
	tr := transient(t, []epcis.Event{commissionEv("L1", "2027-03-31", a), shipEv(whsGLN, a)}, t3)
	res, err := captureWith(t, m, mfr, tr)
	if err != nil {
		t.Fatal(err)
	}
	id := res.T3[0]
	for _, org := range []string{mfr, whs, reg} {
		out, err := m.Evaluate(org, chaincode.FnReadT3, id)
		if err != nil {
			t.Fatalf("%s reads T3: %v", org, err)
		}
		var got chaincode.T3
		if err := json.Unmarshal(out, &got); err != nil || got.InvoiceNumber != "INV-7" || len(got.EventHashIDs) != 1 || got.EventHashIDs[0] != res.Events[1].HashID {
			t.Fatalf("%s T3: %+v %v", org, got, err)
		}
	}
	_, err = m.Evaluate(pharm, chaincode.FnReadT3, id)
	wantRule(t, err, chaincode.CodeForbidden, "not-a-party", -1)

	// The custody history links to the transaction, the transaction to its
	// events and T3.
	out, err := m.Evaluate(reg, chaincode.FnHistory, a)
	var hist []chaincode.CustodyEntry
	if err != nil || json.Unmarshal(out, &hist) != nil || len(hist) != 1 {
		t.Fatalf("history: %s %v", out, err)
	}
	out, err = m.Evaluate(reg, chaincode.FnReadTx, hist[0].TxID)
	var txr chaincode.TxRecord
	if err != nil || json.Unmarshal(out, &txr) != nil {
		t.Fatalf("read tx: %s %v", out, err)
	}
	wantEvents := []string{res.Events[0].HashID, res.Events[1].HashID}
	slices.Sort(wantEvents)
	if !slices.Equal(txr.Events, wantEvents) || !slices.Equal(txr.T3, []string{id}) {
		t.Fatalf("tx record %+v", txr)
	}
	// A party reads what it is party to (the buyer, the shipment and its
	// T3, not the seller's commissioning); the pharmacy, party to none of
	// it, is told what it would be told of a transaction that never was.
	for org, want := range map[string][]string{mfr: wantEvents, whs: {res.Events[1].HashID}} {
		out, err = m.Evaluate(org, chaincode.FnReadTx, hist[0].TxID)
		var seen chaincode.TxRecord
		if err != nil || json.Unmarshal(out, &seen) != nil || !slices.Equal(seen.Events, want) || !slices.Equal(seen.T3, []string{id}) {
			t.Fatalf("read tx as %s: %s %v, want events %v", org, out, err, want)
		}
	}
	_, err = m.Evaluate(pharm, chaincode.FnReadTx, hist[0].TxID)
	wantRule(t, err, chaincode.CodeNotFound, "unknown-tx", -1)
	_, err = m.Evaluate(reg, chaincode.FnReadTx, "nope")
	wantRule(t, err, chaincode.CodeNotFound, "unknown-tx", -1)
	_, err = m.Evaluate(pharm, chaincode.FnReadT3, "t3-nope")
	wantRule(t, err, chaincode.CodeNotFound, "unknown-t3", -1)
	if m.PrivateData(chaincode.ImplicitCollection(pharm), "t3~"+id) != nil {
		t.Fatal("the pharmacy holds a copy of a sale it is not part of")
	}
	if shared := string(m.GetState("t3~" + id)); shared == "" || (strings.Contains(shared, "INV-7") || strings.Contains(shared, whs)) {
		t.Fatalf("shared T3 anchor leaks content: %s", shared)
	}
	// Event bodies follow the same rule.
	if _, err := m.Evaluate(whs, chaincode.FnReadEvent, res.Events[1].HashID); err != nil {
		t.Fatalf("addressee reads the shipping event: %v", err)
	}
	_, err = m.Evaluate(pharm, chaincode.FnReadEvent, res.Events[1].HashID)
	wantRule(t, err, chaincode.CodeForbidden, "not-a-party", -1)
	_, err = m.Evaluate(whs, chaincode.FnReadEvent, res.Events[0].HashID)
	wantRule(t, err, chaincode.CodeForbidden, "not-a-party", -1)

	// A retried capture with the same T3 (and the same salt) writes
	// nothing new.
	again, err := captureWith(t, m, mfr, tr)
	if err != nil || again.T3[0] != id {
		t.Fatalf("retry: %+v %v", again, err)
	}
	if ce := lastEvent(t, m); len(ce.T3) != 0 {
		t.Fatalf("retry wrote T3 again: %+v", ce.T3)
	}
}

// TestT3Twice: the same transaction information twice in one capture is
// stored, listed and announced once.
func TestT3Twice(t *testing.T) {
	m := newLedger(t)
	a := sgtin("P2")
	one := chaincode.T3{Seller: mfr, Buyer: whs, TransactionDate: "2026-11-01", InvoiceNumber: "INV-8",
		Products: []chaincode.T3Product{{GTIN: gtin, Quantity: 1, Lot: "L1"}}}
	res, err := captureWith(t, m, mfr, transient(t, []epcis.Event{commissionEv("L1", "2027-03-31", a), shipEv(whsGLN, a)}, []chaincode.T3{one, one}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.T3) != 1 {
		t.Fatalf("T3 IDs %v, want one", res.T3)
	}
	if ev := lastEvent(t, m); len(ev.T3) != 1 {
		t.Fatalf("the chaincode event announces %d T3 anchors, want 1", len(ev.T3))
	}
	if keys := m.PrivateKeys(chaincode.ImplicitCollection(whs)); len(keys) != 2 { // the shipping event's body and the T3
		t.Fatalf("the buyer's private keys %v, want the event and one T3", keys)
	}
}

// TestRecallReason: a recall's reason, which every partner reads with the
// lot, is required plain text; a refused recall leaves the lot as it was.
func TestRecallReason(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("LZ", "2027-03-31", sgtin("RZ1")))
	for _, reason := range []string{"", "  ", "line\nbreak", "bidi \u202e override", strings.Repeat("x", chaincode.MaxRecallReason+1)} {
		_, err := m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "LZ", reason)
		wantRule(t, err, chaincode.CodeInvalid, "recall-reason-invalid", -1)
	}
	if l := lotOf(t, m, "LZ"); l.Recalled {
		t.Fatalf("a refused recall recalled the lot: %+v", l)
	}
	if _, err := m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "LZ", strings.Repeat("x", chaincode.MaxRecallReason)); err != nil {
		t.Fatal(err)
	}
}

package ledgertest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Options says what an implementation guarantees beyond the port.
type Options struct {
	// HistoryBlocks: every custody history entry carries the number of the
	// block that holds its transaction (both ledgers do: the embedded one
	// itself, the Fabric adapter by resolving the chaincode's 0, see
	// chaincode.CustodyEntry). Without it the suite checks only that a
	// non-zero block is the right one.
	HistoryBlocks bool
}

// Run runs every scenario, each on a fresh ledger from newLedger, with no
// optional guarantees.
func Run(t *testing.T, newLedger func(t *testing.T) ledger.Ledger) {
	RunWith(t, Options{}, newLedger)
}

// RunWith runs every scenario, each on a fresh ledger from newLedger, and
// checks the guarantees opts claims.
func RunWith(t *testing.T, opts Options, newLedger func(t *testing.T) ledger.Ledger) {
	scenarios := []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"distribution from manufacturer to dispensing", distribution},
		{"idempotent capture", idempotent},
		{"saleable return", saleableReturn},
		{"quarantined return", quarantinedReturn},
		{"lot recall", lotRecall},
		{"suspect package", suspectPackage},
		{"suspicion not cleared through a case", suspicionInCase},
		{"refusals", refusals},
		{"calls that would change nothing", nothingToChange},
		{"transaction information privacy", t3Privacy},
		{"verification errors", verificationErrors},
		{"observation and repackaging events", observationsAndRepackaging},
		{"named parties and hidden SSCCs", namedPartiesAndHiddenSSCCs},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			h := newHarness(t, newLedger)
			h.opts = opts
			s.run(t, h)
		})
	}
}

// distribution: the manufacturer commissions and packs, ships a case to the
// wholesaler with T3, who receives it, unpacks and ships one package to the
// pharmacy, which receives and dispenses it.
func distribution(t *testing.T, h *harness) {
	items := []string{h.sgtin("D1"), h.sgtin("D2"), h.sgtin("D3")}
	caseID := h.sscc("011")
	_, r1 := h.mustCapture(Manufacturer, nil,
		commission(0, h.id("LD"), items...),
		commissionContainers(1, caseID),
		pack(2, caseID, items...),
	)
	ev := eventOf(t, h.l, r1)
	if len(ev.AllSerials()) != 3 || len(ev.Containers) != 1 || len(ev.Lots) != 1 || len(ev.Events) != 3 || ev.Creator != Manufacturer {
		t.Fatalf("commissioning event: %d serials %d containers %d lots %d events", len(ev.AllSerials()), len(ev.Containers), len(ev.Lots), len(ev.Events))
	}
	h.wantSerial(items[0], Manufacturer, chaincode.StatusActive, "")

	res, r2 := h.mustCapture(Manufacturer, []chaincode.T3{t3(Manufacturer, Wholesaler, "PO-D", 3)},
		ship(3, "urn:epc:id:pgln:0388888.00000", caseID))
	if len(res.T3) != 1 {
		t.Fatalf("t3 ids %v", res.T3)
	}
	ev = eventOf(t, h.l, r2)
	if len(ev.AllSerials()) != 3 || len(ev.Containers) != 1 || len(ev.Events) != 1 || len(ev.T3) != 1 {
		t.Fatalf("shipping event: %+v", ev)
	}
	if got := ev.Events[0].Parties; !slices.Equal(got, []string{Manufacturer, Wholesaler}) {
		t.Fatalf("shipping parties %v", got)
	}
	for _, s := range ev.AllSerials() {
		if s.Status != chaincode.StatusInTransit || s.ShipTo != Wholesaler {
			t.Fatalf("serial in shipping event: %+v", s)
		}
	}

	_, r3 := h.mustCapture(Wholesaler, nil, step(4, "receiving", caseID))
	for _, epc := range items {
		if s := h.wantSerial(epc, Wholesaler, chaincode.StatusActive, ""); s.Seller != Manufacturer {
			t.Fatalf("seller %q", s.Seller)
		}
	}
	if l := h.lot(h.id("LD")); l.Commissioned != 3 || fmtHolders(l.Holders) != Wholesaler+"=3 " {
		t.Fatalf("lot after receipt: %+v", l)
	}

	_, r4 := h.mustCapture(Wholesaler, []chaincode.T3{t3(Wholesaler, Pharmacy, "PO-P", 1)},
		unpack(5, caseID), ship(6, "https://id.gs1.org/414/"+pharmGLN, h.sgtinDL("D1")))
	_, r5 := h.mustCapture(Pharmacy, nil, step(7, "receiving", items[0]))
	_, r6 := h.mustCapture(Pharmacy, nil, step(8, "dispensing", items[0]))
	h.wantSerial(items[0], Pharmacy, chaincode.StatusDispensed, "")
	if l := h.lot(h.id("LD")); fmtHolders(l.Holders) != Wholesaler+"=2 " {
		t.Fatalf("lot holders after dispensing: %s", fmtHolders(l.Holders))
	}

	var contents chaincode.ContainerContents
	if err := h.query(Wholesaler, &contents, chaincode.FnReadContainer, caseID); err != nil {
		t.Fatal(err)
	}
	if len(contents.Contents) != 0 || contents.Container == nil || contents.Container.Owner != Wholesaler {
		t.Fatalf("unpacked case: %+v", contents)
	}

	// The custody chain of the dispensed package: one entry per transaction
	// that changed it, with that transaction's ID (and block, where the
	// ledger knows it).
	var hist []chaincode.CustodyEntry
	if err := h.query(Regulator, &hist, chaincode.FnHistory, items[0]); err != nil {
		t.Fatal(err)
	}
	receipts := []ledger.Receipt{r1, r2, r3, r4, r5, r6}
	wantOwners := []string{"ManufacturerMSP/active", "ManufacturerMSP/in_transit", "WholesalerMSP/active", "WholesalerMSP/in_transit", "PharmacyMSP/active", "PharmacyMSP/dispensed"}
	if len(hist) != len(receipts) {
		t.Fatalf("history has %d entries, want %d", len(hist), len(receipts))
	}
	for i, e := range hist {
		if e.TxID != receipts[i].TxID || e.Serial == nil || e.Serial.Owner+"/"+string(e.Serial.Status) != wantOwners[i] {
			t.Fatalf("history[%d] = %s %+v, want tx %s %s", i, e.TxID, e.Serial, receipts[i].TxID, wantOwners[i])
		}
		if (h.opts.HistoryBlocks || e.Block != 0) && e.Block != receipts[i].Block {
			t.Fatalf("history[%d] block %d, receipt block %d", i, e.Block, receipts[i].Block)
		}
		if e.Time.IsZero() {
			t.Fatalf("history[%d] has no time", i)
		}
	}

	r, err := h.verify(Wholesaler, h.id("D1"), h.id("LD"), "991231")
	if err != nil || r.Verified || r.VerificationFailureReason != chaincode.NotForRedistribution {
		t.Fatalf("verify dispensed: %+v %v", r, err)
	}
	r, err = h.verify(Pharmacy, h.id("D2"), h.id("LD"), "991231")
	if err != nil || !r.Verified || r.AdditionalInfo != "" {
		t.Fatalf("verify on shelf: %+v %v", r, err)
	}
	r, err = h.verify(Pharmacy, h.id("D2"), h.id("LX"), "991231")
	if err != nil || r.Verified || r.VerificationFailureReason != chaincode.NoMatchGTINSerialLot {
		t.Fatalf("verify wrong lot: %+v %v", r, err)
	}
	r, err = h.verify(Pharmacy, h.id("D9"), "", "")
	if err != nil || r.Verified || r.VerificationFailureReason != chaincode.NoMatchGTINSerial {
		t.Fatalf("verify unknown serial: %+v %v", r, err)
	}
}

// idempotent: capturing the same events again succeeds and changes nothing.
func idempotent(t *testing.T, h *harness) {
	e1, e2 := commission(0, h.id("LI"), h.sgtin("I1")), ship(1, whsGLN, h.sgtin("I1"))
	first, _ := h.mustCapture(Manufacturer, nil, e1, e2)
	before := h.serial(h.sgtin("I1"))
	second, r := h.mustCapture(Manufacturer, nil, e1, e2)
	for i := range second.Events {
		if first.Events[i].Duplicate || !second.Events[i].Duplicate || first.Events[i].HashID != second.Events[i].HashID {
			t.Fatalf("event %d: first %+v, second %+v", i, first.Events[i], second.Events[i])
		}
	}
	if after := h.serial(h.sgtin("I1")); !reflect.DeepEqual(after, before) {
		t.Fatalf("duplicate changed the serial:\n%+v\n%+v", before, after)
	}
	if ev := eventOf(t, h.l, r); len(ev.AllSerials()) != 0 || len(ev.Events) != 0 {
		t.Fatalf("duplicate capture's event carries changes: %+v", ev)
	}
	var hist []chaincode.CustodyEntry
	if err := h.query(Manufacturer, &hist, chaincode.FnHistory, h.sgtin("I1")); err != nil || len(hist) != 1 {
		t.Fatalf("history after duplicate: %d entries, %v", len(hist), err)
	}
}

// saleableReturn: the pharmacy returns a package to the wholesaler that sold
// it, after the wholesaler verifies it.
func saleableReturn(t *testing.T, h *harness) {
	a := h.sgtin("R1")
	h.mustCapture(Manufacturer, nil, commission(0, h.id("LR"), a), ship(1, whsGLN, a))
	h.mustCapture(Wholesaler, nil, step(2, "receiving", a), ship(3, pharmGLN, a))
	h.mustCapture(Pharmacy, nil, step(4, "receiving", a))

	r, err := h.verify(Wholesaler, h.id("R1"), h.id("LR"), "991231")
	if err != nil || !r.Verified {
		t.Fatalf("saleable return verification: %+v %v", r, err)
	}
	_, _, err = h.capture(Pharmacy, nil, ship(5, mfrGLN, a))
	wantRefusal(t, err, problem.Forbidden, "dispenser-returns-only")
	// A role the pharmacy claims for itself grants nothing: the regulator
	// attested it as a dispenser.
	h.claimRoles(Pharmacy, chaincode.RoleDispenser, chaincode.RoleWholesaler)
	_, _, err = h.capture(Pharmacy, nil, ship(5, mfrGLN, a))
	wantRefusal(t, err, problem.Forbidden, "dispenser-returns-only")
	h.claimRoles(Pharmacy, chaincode.RoleDispenser)
	h.mustCapture(Pharmacy, nil, ship(6, whsGLN, a))
	h.mustCapture(Wholesaler, nil, step(7, "receiving", a))
	if s := h.wantSerial(a, Wholesaler, chaincode.StatusActive, ""); s.Seller != Pharmacy {
		t.Fatalf("after return: %+v", s)
	}
	// Resaleable: the wholesaler can sell it again.
	h.mustCapture(Wholesaler, nil, ship(8, pharmGLN, a))
}

// quarantinedReturn: the wholesaler receives a returned package and flags
// it suspect in the same transaction; a flag it may not set refuses the
// receipt with it.
func quarantinedReturn(t *testing.T, h *harness) {
	a, b := h.sgtin("Q1"), h.sgtin("Q2")
	h.mustCapture(Manufacturer, nil, commission(0, h.id("LQ"), a, b), ship(1, whsGLN, a))
	h.mustCapture(Wholesaler, nil, step(2, "receiving", a), ship(3, pharmGLN, a))
	h.mustCapture(Pharmacy, nil, step(4, "receiving", a), ship(5, whsGLN, a))

	// b is the manufacturer's: the wholesaler may not flag it, and the
	// receipt of a is refused with the flag.
	_, _, err := h.captureFlagging(Wholesaler, nil, []string{a, b}, step(6, "receiving", a))
	wantRefusal(t, err, problem.Forbidden, "investigation-not-allowed")
	h.wantSerial(a, Pharmacy, chaincode.StatusInTransit, Wholesaler)

	res, r, err := h.captureFlagging(Wholesaler, nil, []string{a}, step(6, "receiving", a))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Suspect, []string{a}) {
		t.Fatalf("flagged %v, want [%s]", res.Suspect, a)
	}
	if ev := eventOf(t, h.l, r); len(ev.AllSerials()) != 1 || ev.AllSerials()[0].Investigation != chaincode.InvestigationSuspect || ev.AllSerials()[0].Owner != Wholesaler {
		t.Fatalf("receiving event: %+v", ev.AllSerials())
	}
	if s := h.wantSerial(a, Wholesaler, chaincode.StatusActive, ""); s.Investigation != chaincode.InvestigationSuspect || s.InvestigationBy != Wholesaler {
		t.Fatalf("after the quarantined return: %+v", s)
	}
	_, _, err = h.capture(Wholesaler, nil, ship(7, pharmGLN, a))
	wantRefusal(t, err, problem.Invalid, "under-investigation")
	// The same capture again changes nothing and flags nothing.
	res, _, err = h.captureFlagging(Wholesaler, nil, []string{a}, step(6, "receiving", a))
	if err != nil || len(res.Suspect) != 0 || !res.Events[0].Duplicate {
		t.Fatalf("the capture again: %+v %v", res, err)
	}
}

// lotRecall: the GTIN's owner recalls a lot; verification says Recalled,
// dispensing is refused, the way back to the manufacturer stays open.
func lotRecall(t *testing.T, h *harness) {
	a, b := h.sgtin("C1"), h.sgtin("C2")
	h.mustCapture(Manufacturer, nil, commission(0, h.id("LC"), a, b), ship(1, whsGLN, a, b))
	h.mustCapture(Wholesaler, nil, step(2, "receiving", a, b), ship(3, pharmGLN, b))
	h.mustCapture(Pharmacy, nil, step(4, "receiving", b))

	_, err := h.submit(Wholesaler, chaincode.FnRecallLot, gtin, h.id("LC"), "not yours")
	wantRefusal(t, err, problem.Forbidden, "not-gtin-owner")
	r, err := h.submit(Manufacturer, chaincode.FnRecallLot, gtin, h.id("LC"), "sterility")
	if err != nil {
		t.Fatal(err)
	}
	if ev := eventOf(t, h.l, r); len(ev.Lots) != 1 || !ev.Lots[0].Recalled {
		t.Fatalf("recall event: %+v", ev)
	}
	if l := h.lot(h.id("LC")); !l.Recalled || l.RecallReason != "sterility" {
		t.Fatalf("lot: %+v", l)
	}
	v, err := h.verify(Pharmacy, h.id("C2"), h.id("LC"), "991231")
	if err != nil || !v.Verified || v.AdditionalInfo != chaincode.InfoRecalled {
		t.Fatalf("verify recalled: %+v %v", v, err)
	}
	_, _, err = h.capture(Pharmacy, nil, step(5, "dispensing", b))
	wantRefusal(t, err, problem.Invalid, "recalled-lot")
	_, _, err = h.capture(Wholesaler, nil, ship(6, pharmGLN, a))
	wantRefusal(t, err, problem.Invalid, "recalled-lot")
	h.mustCapture(Wholesaler, nil, ship(7, mfrGLN, a))
	h.mustCapture(Manufacturer, nil, step(8, "receiving", a))
	h.mustCapture(Manufacturer, nil, step(9, "destroying", a))
	h.wantSerial(a, Manufacturer, chaincode.StatusDestroyed, "")
}

// suspectPackage: the holder flags a package suspect and quarantines it;
// trade stops until the manufacturer clears it.
func suspectPackage(t *testing.T, h *harness) {
	a := h.sgtin("S1")
	h.mustCapture(Manufacturer, nil, commission(0, h.id("LS"), a), ship(1, whsGLN, a))
	h.mustCapture(Wholesaler, nil, step(2, "receiving", a))

	_, err := h.submit(Pharmacy, chaincode.FnSetInvestigation, a, "suspect")
	wantRefusal(t, err, problem.Forbidden, "investigation-not-allowed")
	r, err := h.submit(Wholesaler, chaincode.FnSetInvestigation, a, "suspect")
	if err != nil {
		t.Fatal(err)
	}
	if ev := eventOf(t, h.l, r); len(ev.AllSerials()) != 1 || ev.AllSerials()[0].Investigation != chaincode.InvestigationSuspect {
		t.Fatalf("investigation event: %+v", ev)
	}
	v, err := h.verify(Pharmacy, h.id("S1"), h.id("LS"), "991231")
	if err != nil || v.AdditionalInfo != chaincode.InfoSuspect {
		t.Fatalf("verify suspect: %+v %v", v, err)
	}
	_, _, err = h.capture(Wholesaler, nil, ship(3, pharmGLN, a))
	wantRefusal(t, err, problem.Invalid, "under-investigation")
	if _, err := h.submit(Wholesaler, chaincode.FnSetInvestigation, a, "quarantined"); err != nil {
		t.Fatal(err)
	}
	_, err = h.submit(Wholesaler, chaincode.FnSetInvestigation, a, "cleared")
	wantRefusal(t, err, problem.Forbidden, "investigation-not-allowed")
	if _, err := h.submit(Manufacturer, chaincode.FnSetInvestigation, a, "cleared"); err != nil {
		t.Fatal(err)
	}
	h.mustCapture(Wholesaler, nil, ship(4, pharmGLN, a))
	h.wantSerial(a, Wholesaler, chaincode.StatusInTransit, Pharmacy)
}

// suspicionInCase: a holder cannot clear its own suspicion by packing the
// suspect package into a serialised case of its own GTIN and clearing the
// case as that GTIN's owner: every package a move reaches must pass the
// who-may rule for that package, not only the case.
func suspicionInCase(t *testing.T, h *harness) {
	a := h.sgtin("C1")
	box := "urn:epc:id:sgtin:0388888.012345." + h.id("BOX") // the wholesaler's own GTIN
	h.mustCapture(Manufacturer, nil, commission(0, h.id("LC"), a), ship(1, whsGLN, a))
	h.mustCapture(Wholesaler, nil, step(2, "receiving", a))
	if _, err := h.submit(Wholesaler, chaincode.FnSetInvestigation, a, "suspect"); err != nil {
		t.Fatal(err)
	}
	h.mustCapture(Wholesaler, nil, commission(3, h.id("LB"), box), pack(4, box, a))
	if _, err := h.submit(Wholesaler, chaincode.FnSetInvestigation, box, "suspect"); err != nil {
		t.Fatal(err)
	}

	_, err := h.submit(Wholesaler, chaincode.FnSetInvestigation, box, "cleared")
	re := ruleOf(t, err, problem.Forbidden, "investigation-not-allowed")
	if re.EPC != box {
		t.Fatalf("refusal names %q, want the case %s: %v", re.EPC, box, err)
	}
	if s := h.serial(a); s.Investigation != chaincode.InvestigationSuspect || s.InvestigationBy != Wholesaler {
		t.Fatalf("package inside: investigation %q by %q, want suspect by %s", s.Investigation, s.InvestigationBy, Wholesaler)
	}
	// The package's GTIN owner still clears it, inside the case.
	if _, err := h.submit(Manufacturer, chaincode.FnSetInvestigation, a, "cleared"); err != nil {
		t.Fatalf("the GTIN owner clears its package inside the case: %v", err)
	}
}

// nothingToChange: a recall of a recalled lot, a move to the investigation
// state an item is in and a flag of packages all under investigation
// would change nothing: each is refused with a rule of its own, naming
// what it concerns, and no transaction reaches the ledger.
func nothingToChange(t *testing.T, h *harness) {
	a := h.sgtin("U1")
	h.mustCapture(Manufacturer, nil, commission(0, h.id("LU"), a), ship(1, whsGLN, a))
	h.mustCapture(Wholesaler, nil, step(2, "receiving", a))
	if _, err := h.submit(Manufacturer, chaincode.FnRecallLot, gtin, h.id("LU"), "sterility"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.submit(Wholesaler, chaincode.FnSetInvestigation, a, "suspect"); err != nil {
		t.Fatal(err)
	}
	height, err := h.l.Height(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.submit(Manufacturer, chaincode.FnRecallLot, gtin, h.id("LU"), "sterility")
	wantRefusalAt(t, err, problem.Invalid, "already-recalled", -1, gtin)
	_, err = h.submit(Wholesaler, chaincode.FnSetInvestigation, a, "suspect")
	wantRefusalAt(t, err, problem.Invalid, "investigation-unchanged", -1, a)
	_, err = h.submit(Wholesaler, chaincode.FnFlagSuspect, `["`+a+`"]`)
	wantRefusalAt(t, err, problem.Invalid, "already-under-investigation", -1, a)
	_, err = h.submit(Wholesaler, chaincode.FnFlagSuspect, `[]`)
	wantRefusalAt(t, err, problem.Invalid, "suspect-required", -1, "")
	if now, err := h.l.Height(h.ctx); err != nil || now != height {
		t.Fatalf("height %d after calls that change nothing, was %d (%v)", now, height, err)
	}
	if l := h.lot(h.id("LU")); !l.Recalled || l.RecallReason != "sterility" {
		t.Fatalf("lot: %+v", l)
	}
}

// refusals: each rule refuses, with its code, and the refused transaction
// changes nothing.
func refusals(t *testing.T, h *harness) {
	a, b := h.sgtin("X1"), h.sgtin("X2")
	h.mustCapture(Manufacturer, nil, commission(0, h.id("LX"), a, b), ship(1, whsGLN, b))

	height, err := h.l.Height(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Each case names the event index (-1: none) and the EPC the refusal
	// must carry.
	bad := "urn:epc:id:sgtin:0312345.0678." + h.id("X8") // a 4-digit item reference
	cases := []struct {
		name  string
		run   func() error
		code  problem.Code
		rule  string
		index int
		epc   string
	}{
		{"wrong company prefix", func() error {
			_, _, err := h.capture(Wholesaler, nil, commission(10, h.id("LX"), h.sgtin("X3")))
			return err
		}, problem.Forbidden, "not-prefix-owner", 0, h.sgtin("X3")},
		{"unowned company prefix", func() error {
			_, _, err := h.capture(Manufacturer, nil, commission(11, h.id("LX"), "urn:epc:id:sgtin:0399999.012345.X4"))
			return err
		}, problem.Forbidden, "not-prefix-owner", 0, "urn:epc:id:sgtin:0399999.012345.X4"},
		{"shipping what you do not own", func() error {
			_, _, err := h.capture(Wholesaler, nil, ship(12, pharmGLN, a))
			return err
		}, problem.Forbidden, "not-owner", 0, a},
		{"receiving what was not addressed to you", func() error {
			_, _, err := h.capture(Pharmacy, nil, step(13, "receiving", b))
			return err
		}, problem.Forbidden, "not-addressee", 0, b},
		{"double commissioning", func() error {
			_, _, err := h.capture(Manufacturer, nil, commission(14, h.id("LX"), h.sgtin("X5")), commission(15, h.id("LX"), a))
			return err
		}, problem.Invalid, "already-commissioned", 1, a},
		{"shipping an unknown serial", func() error {
			_, _, err := h.capture(Manufacturer, nil, ship(16, whsGLN, h.sgtin("NONE")))
			return err
		}, problem.NotFound, "unknown-epc", 0, h.sgtin("NONE")},
		{"an event that is not valid EPCIS", func() error {
			_, _, err := h.capture(Manufacturer, nil, commission(18, h.id("LX"), h.sgtin("X7")), commission(19, h.id("LX"), bad))
			return err
		}, problem.Invalid, "event-invalid", 1, bad},
		{"a regulator does not capture", func() error {
			_, _, err := h.capture(Regulator, nil, commission(17, h.id("LX"), h.sgtin("X6")))
			return err
		}, problem.Forbidden, "regulator-read-only", -1, ""},
		{"writing another's partner record", func() error {
			p := partner(Manufacturer, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
			b, _ := json.Marshal(p)
			_, err := h.submit(Wholesaler, chaincode.FnPutPartner, string(b))
			return err
		}, problem.Forbidden, "own-record-only", -1, ""},
		{"attesting no role", func() error {
			a := partner(Wholesaler, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)).Claims()
			a.Roles = nil
			b, _ := json.Marshal(a)
			_, err := h.submit(Regulator, chaincode.FnAttestPartner, Wholesaler, string(b))
			return err
		}, problem.Invalid, "partner-role-required", -1, ""},
		{"attesting the regulator role to a trading partner", func() error {
			a := partner(Wholesaler, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)).Claims()
			a.Roles = append(a.Roles, chaincode.RoleRegulator)
			b, _ := json.Marshal(a)
			_, err := h.submit(Regulator, chaincode.FnAttestPartner, Wholesaler, string(b))
			return err
		}, problem.Forbidden, "regulator-role-reserved", -1, ""},
		{"attesting without being a regulator", func() error {
			b, _ := json.Marshal(partner(Wholesaler, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)).Claims())
			_, err := h.submit(Wholesaler, chaincode.FnAttestPartner, Wholesaler, string(b))
			return err
		}, problem.Forbidden, "regulator-only", -1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantRefusalAt(t, c.run(), c.code, c.rule, c.index, c.epc)
		})
	}
	// Nothing of the refused transactions reached the ledger: no block, and
	// the batch's first, valid event left no serial behind.
	if now, err := h.l.Height(h.ctx); err != nil || now != height {
		t.Fatalf("height %d after refusals, was %d (%v)", now, height, err)
	}
	for _, serial := range []string{"X5", "X7"} {
		err = h.query(Regulator, nil, chaincode.FnReadSerial, h.sgtin(serial))
		wantRefusal(t, err, problem.NotFound, "unknown-epc")
	}
	h.wantSerial(a, Manufacturer, chaincode.StatusActive, "")
}

// t3Privacy: transaction information is readable by seller, buyer and
// regulator only.
func t3Privacy(t *testing.T, h *harness) {
	a := h.sgtin("P1")
	shipment := ship(1, whsGLN, a)
	res, r := h.mustCapture(Manufacturer, []chaincode.T3{t3(Manufacturer, Wholesaler, "PO-SECRET", 1)},
		commission(0, h.id("LP"), a), shipment)
	id := res.T3[0]
	var txr chaincode.TxRecord
	if err := h.query(Regulator, &txr, chaincode.FnReadTx, r.TxID); err != nil || len(txr.Events) != 2 || !slices.Equal(txr.T3, []string{id}) {
		t.Fatalf("transaction record %+v: %v", txr, err)
	}
	for _, org := range []string{Manufacturer, Wholesaler, Regulator} {
		var got chaincode.T3
		if err := h.query(org, &got, chaincode.FnReadT3, id); err != nil {
			t.Fatalf("%s reads its T3: %v", org, err)
		}
		if got.PONumber != "PO-SECRET" || got.Buyer != Wholesaler || len(got.EventHashIDs) != 1 || got.EventHashIDs[0] != res.Events[1].HashID {
			t.Fatalf("%s T3: %+v", org, got)
		}
	}
	err := h.query(Pharmacy, nil, chaincode.FnReadT3, id)
	wantRefusal(t, err, problem.Forbidden, "not-a-party")

	var rec chaincode.EventRecord
	if err := h.query(Wholesaler, &rec, chaincode.FnReadEvent, res.Events[1].HashID); err != nil || len(rec.Body) == 0 {
		t.Fatalf("addressee reads the shipping event: %v", err)
	}
	// The captures are salted: what the ledger shows is not the hash of
	// the body, and the body read back is exactly the event captured.
	if want, err := json.Marshal(shipment); err != nil || !bytes.Equal(rec.Body, want) {
		t.Fatalf("the shipping event reads\n%s\nnot what was captured\n%s", rec.Body, want)
	}
	if sum := sha256.Sum256(rec.Body); hex.EncodeToString(sum[:]) == rec.Anchor.BodyHash {
		t.Fatal("the body hash on the ledger is the hash of the unsalted body")
	}
	err = h.query(Pharmacy, nil, chaincode.FnReadEvent, res.Events[1].HashID)
	wantRefusal(t, err, problem.Forbidden, "not-a-party")
}

// verificationErrors: an unknown GTIN and a requester that is not an
// authorized trading partner are told apart from a failed match; a failed
// match on an unknown serial names the GTIN owner's GLN as the responder.
func verificationErrors(t *testing.T, h *harness) {
	h.mustCapture(Manufacturer, nil, commission(0, h.id("LV"), h.sgtin("V1")))
	req := func(org, gtin string) error {
		b, _ := json.Marshal(chaincode.VerifyRequest{GTIN: gtin, Serial: h.id("V1")})
		return h.query(org, nil, chaincode.FnVerify, string(b))
	}
	wantRefusal(t, req(Wholesaler, "00399999123457"), problem.NotFound, "unknown-gtin")
	if err := req(Regulator, gtin); err != nil {
		t.Fatalf("regulator verifies: %v", err)
	}
	b, _ := json.Marshal(chaincode.VerifyRequest{GTIN: gtin, Serial: h.id("V2")})
	var r chaincode.VerifyResult
	if err := h.query(Wholesaler, &r, chaincode.FnVerify, string(b)); err != nil || r.Verified ||
		r.VerificationFailureReason != chaincode.NoMatchGTINSerial || r.ResponderGLN != mfrGLN {
		t.Fatalf("unknown serial of a known GTIN: %+v %v, want %s with the manufacturer's GLN %s", r, err, chaincode.NoMatchGTINSerial, mfrGLN)
	}
	// The pharmacy's attested licence lapses: it is no longer an authorized
	// trading partner and gets no answer.
	h.putPartner(partner(Pharmacy, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)))
	wantRefusal(t, req(Pharmacy, gtin), problem.Forbidden, "requester-not-atp")
}

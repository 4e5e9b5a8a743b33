package returns

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
	"rxledger/services/verify"
	"rxledger/services/verify/verifytest"
)

// fixture is the returns service (with the verify service it uses) over
// HTTP on a real embedded ledger.
type fixture struct {
	t   *testing.T
	w   *verifytest.World
	url string
	l   *racingLedger
}

// racingLedger is the world's ledger as the returns service sees it: a test
// may set before to run something just before a submission reaches the
// ledger, another request that wins a race.
type racingLedger struct {
	ledger.Ledger
	before func(tx ledger.Transaction)
}

func (l *racingLedger) Submit(ctx context.Context, org string, tx ledger.Transaction) (ledger.Receipt, error) {
	if l.before != nil {
		l.before(tx)
	}
	return l.Ledger.Submit(ctx, org, tx)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	w := verifytest.New(t)
	v := verify.New(w.Ledger, verify.NewMemoryCache(), verify.Options{NoLag: true})
	rl := &racingLedger{Ledger: w.Ledger}
	svc := New(rl, v, Options{MaxItems: 3})
	engine := httpx.NewEngine(httpx.EngineConfig{})
	mw := auth.Middleware(w.Keys)
	v.Mount(engine, mw)
	svc.Mount(engine, mw)
	hs := httptest.NewServer(engine)
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := v.RunProjector(ctx); err != nil {
			t.Errorf("projector: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &fixture{t: t, w: w, url: hs.URL, l: rl}
}

func (f *fixture) post(path, org string, body any) (int, []byte) {
	f.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		f.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, f.url+path, bytes.NewReader(b))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if org != "" {
		req.Header.Set("Authorization", "Bearer "+f.w.APIKey[org])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// check posts one item as org and decodes the decision.
func (f *fixture) check(org string, it Item) Decision {
	f.t.Helper()
	status, body := f.post("/returns/check", org, it)
	if status != http.StatusOK {
		f.t.Fatalf("check %+v: %d %s", it, status, body)
	}
	var d Decision
	if err := json.Unmarshal(body, &d); err != nil {
		f.t.Fatal(err)
	}
	return d
}

func codes(d Decision) []string {
	out := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		out[i] = r.Code
	}
	return out
}

func item(serial, lot, returnedBy string) Item {
	return Item{GTIN: verifytest.GTIN, Serial: serial, Lot: lot, Expiry: verifytest.Expiry, ReturnedBy: returnedBy}
}

// TestCheckDecisions checks a saleable return and each quarantine reason.
func TestCheckDecisions(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot, recLot, oldLot := w.Serial("L"), w.Serial("LR"), w.Serial("LO")
	held, back, wrong, sus, disp, far := w.Serial("H"), w.Serial("B"), w.Serial("W"), w.Serial("S"), w.Serial("D"), w.Serial("F")
	rec, old := w.Serial("R"), w.Serial("O")
	w.Distribute(lot, held, back, wrong, sus, disp, far)
	w.Distribute(recLot, rec)
	w.CommissionExpiring(oldLot, "2021-06-30", old)
	w.Deliver(old)
	w.Recall(recLot)
	w.Flag(verifytest.Pharmacy, sus, chaincode.InvestigationSuspect)
	w.Dispense(verifytest.Pharmacy, disp)
	w.Ship(verifytest.Pharmacy, verifytest.WholesalerGLN, back)

	tests := []struct {
		name     string
		org      string
		item     Item
		decision string
		reasons  []string
	}{
		{"held by the pharmacy", verifytest.Wholesaler, item(held, lot, verifytest.PharmacyGLN), Saleable, nil},
		{"shipped back", verifytest.Wholesaler, item(back, lot, verifytest.PharmacyGLN), Saleable, nil},
		{"wrong lot", verifytest.Wholesaler, item(wrong, "OTHER", verifytest.PharmacyGLN), Quarantine, []string{ReasonNotVerified}},
		{"unknown GTIN", verifytest.Wholesaler, Item{GTIN: verifytest.UnknownGTIN, Serial: held, Lot: lot, Expiry: verifytest.Expiry, ReturnedBy: verifytest.PharmacyGLN}, Quarantine, []string{ReasonUnknownGTIN}},
		{"recalled", verifytest.Wholesaler, item(rec, recLot, verifytest.PharmacyGLN), Quarantine, []string{ReasonRecalled}},
		{"suspect", verifytest.Wholesaler, item(sus, lot, verifytest.PharmacyGLN), Quarantine, []string{ReasonSuspect}},
		{"expired", verifytest.Wholesaler, Item{GTIN: verifytest.GTIN, Serial: old, Lot: oldLot, Expiry: "210630", ReturnedBy: verifytest.PharmacyGLN}, Quarantine, []string{ReasonExpired}},
		{"dispensed", verifytest.Wholesaler, item(disp, lot, verifytest.PharmacyGLN), Quarantine, []string{ReasonNotVerified, ReasonLeftSupplyChain}},
		{"never sold to the returner", verifytest.Wholesaler, item(held, lot, verifytest.ManufacturerGLN), Quarantine, []string{ReasonNotSoldToReturner}},
		{"returner sold it on", verifytest.Manufacturer, item(far, lot, verifytest.WholesalerGLN), Quarantine, []string{ReasonNotHeldByReturner}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := f.check(tc.org, tc.item)
			if d.Decision != tc.decision || !slices.Equal(codes(d), tc.reasons) && !(len(tc.reasons) == 0 && len(d.Reasons) == 0) {
				t.Fatalf("decision %s %v (%+v), want %s %v", d.Decision, codes(d), d.Reasons, tc.decision, tc.reasons)
			}
			for _, r := range d.Reasons {
				if r.Detail == "" {
					t.Errorf("reason %s without detail", r.Code)
				}
			}
		})
	}

	t.Run("batch", func(t *testing.T) {
		status, body := f.post("/returns/check", verifytest.Wholesaler, Body{Items: []Item{
			item(held, lot, verifytest.PharmacyGLN), item(disp, lot, verifytest.PharmacyGLN)}})
		if status != http.StatusOK {
			t.Fatalf("%d %s", status, body)
		}
		var out CheckResult
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 2 || out.Items[0].Decision != Saleable || out.Items[1].Decision != Quarantine {
			t.Fatalf("batch %s", body)
		}
	})
}

// TestCheckRefusals checks authentication, roles and validation.
func TestCheckRefusals(t *testing.T) {
	f := newFixture(t)
	ok := item("X1", "L", verifytest.PharmacyGLN)
	tests := []struct {
		name   string
		org    string
		body   any
		status int
		code   problem.Code
		field  string
	}{
		{"no key", "", ok, 401, problem.Unauthorized, ""},
		{"dispenser may not take returns", verifytest.Pharmacy, ok, 403, problem.Forbidden, ""},
		{"lapsed licence", verifytest.Lapsed, ok, 403, problem.Forbidden, ""},
		{"bad returnedBy", verifytest.Wholesaler, item("X1", "L", "0377777000001"), 400, problem.Invalid, "returnedBy"},
		{"bad expiry in a batch", verifytest.Wholesaler, Body{Items: []Item{ok, {GTIN: verifytest.GTIN, Serial: "X", Lot: "L1", Expiry: "991399", ReturnedBy: verifytest.PharmacyGLN}}}, 400, problem.Invalid, "items[1].expiry"},
		{"no lot", verifytest.Wholesaler, Body{Item: Item{GTIN: verifytest.GTIN, Serial: "X", Expiry: verifytest.Expiry, ReturnedBy: verifytest.PharmacyGLN}}, 400, problem.Invalid, "lot"},
		{"no expiry in a batch", verifytest.Wholesaler, Body{Items: []Item{ok, {GTIN: verifytest.GTIN, Serial: "X", Lot: "L1", ReturnedBy: verifytest.PharmacyGLN}}}, 400, problem.Invalid, "items[1].expiry"},
		{"item and items", verifytest.Wholesaler, Body{Item: ok, Items: []Item{ok}}, 400, problem.Invalid, "items"},
		{"nothing", verifytest.Wholesaler, Body{}, 400, problem.Invalid, "items"},
		{"too many", verifytest.Wholesaler, Body{Items: []Item{ok, ok, ok, ok}}, 413, problem.TooLarge, "items"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.post("/returns/check", tc.org, tc.body)
			wantProblem(t, status, body, tc.status, tc.code, tc.field)
		})
	}
	t.Run("every wrong item is named", func(t *testing.T) {
		noLot := Item{GTIN: verifytest.GTIN, Serial: "X", Expiry: verifytest.Expiry, ReturnedBy: verifytest.PharmacyGLN}
		badGLN := item("X2", "L", "0377777000001")
		for _, path := range []string{"/returns/check", "/returns/receive"} {
			status, body := f.post(path, verifytest.Wholesaler, Body{Items: []Item{noLot, ok, badGLN}})
			wantProblem(t, status, body, 400, problem.Invalid, "items[2].returnedBy")
			var p problem.Body
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Errors) != 2 || p.Errors[0].Field != "items[0].lot" || *p.Errors[0].Index != 0 || *p.Errors[1].Index != 2 ||
				!strings.HasPrefix(p.Detail, "2 items are invalid; the first: lot is required") {
				t.Errorf("%s: problem %s, want items 0 and 2 named", path, body)
			}
		}
	})
}

func wantProblem(t *testing.T, status int, body []byte, wantStatus int, code problem.Code, field string) problem.Body {
	t.Helper()
	var p problem.Body
	if err := json.Unmarshal(body, &p); err != nil || status != wantStatus || p.Code != code || p.Detail == "" {
		t.Fatalf("got %d %s, want %d %s", status, body, wantStatus, code)
	}
	if field == "" {
		return p
	}
	for _, l := range p.Errors {
		if l.Field == field {
			return p
		}
	}
	t.Fatalf("problem %s names no field %q", body, field)
	return p
}

// receive posts items to /returns/receive as the wholesaler.
func (f *fixture) receive(items ...Item) ReceiveResult {
	f.t.Helper()
	status, body := f.post("/returns/receive", verifytest.Wholesaler, Body{Items: items})
	if status != http.StatusOK {
		f.t.Fatalf("receive: %d %s", status, body)
	}
	var r ReceiveResult
	if err := json.Unmarshal(body, &r); err != nil {
		f.t.Fatal(err)
	}
	return r
}

// TestReceive records a saleable and a quarantined return on the ledger,
// twice (idempotent), and refuses a package not shipped back.
func TestReceive(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot := w.Serial("L")
	good, bad, stay := w.Serial("G"), w.Serial("Q"), w.Serial("N")
	w.Distribute(lot, good, bad, stay)
	w.Ship(verifytest.Pharmacy, verifytest.WholesalerGLN, good, bad)

	items := []Item{item(good, lot, verifytest.PharmacyGLN), item(bad, "OTHER", verifytest.PharmacyGLN)}
	r := f.receive(items...)
	if r.CaptureTxID == "" || len(r.Items) != 2 {
		t.Fatalf("receive: %+v", r)
	}
	// The receiving events are captured with a salt: the ledger does not
	// show the hash of their bodies.
	ctx := context.Background()
	raw, err := w.Ledger.Evaluate(ctx, verifytest.Wholesaler, chaincode.FnReadTx, r.CaptureTxID)
	var txr chaincode.TxRecord
	if err != nil || json.Unmarshal(raw, &txr) != nil || len(txr.Events) == 0 {
		t.Fatalf("the receiving transaction: %s %v", raw, err)
	}
	for _, id := range txr.Events {
		raw, err := w.Ledger.Evaluate(ctx, verifytest.Wholesaler, chaincode.FnReadEvent, id)
		var rec chaincode.EventRecord
		if err != nil || json.Unmarshal(raw, &rec) != nil || len(rec.Body) == 0 {
			t.Fatalf("read the receiving event: %s %v", raw, err)
		}
		if sum := sha256.Sum256(rec.Body); hex.EncodeToString(sum[:]) == rec.Anchor.BodyHash {
			t.Fatalf("event %s: the body hash on the ledger is the hash of the unsalted body", id)
		}
		var ev epcis.Event
		if err := json.Unmarshal(rec.Body, &ev); err != nil {
			t.Fatalf("decode the receiving event: %v", err)
		}
		if loc := "https://id.gs1.org/414/" + verifytest.WholesalerGLN; ev.BizStep != "receiving" || ev.ReadPoint != loc || ev.BizLocation != loc {
			t.Errorf("receiving event %s at read point %q, location %q: want the receiver's %s", ev.BizStep, ev.ReadPoint, ev.BizLocation, loc)
		}
	}
	if it := r.Items[0]; it.Decision.Decision != Saleable || it.FlaggedSuspect || it.AlreadyReceived {
		t.Errorf("saleable item: %+v", it)
	}
	if it := r.Items[1]; it.Decision.Decision != Quarantine || !it.FlaggedSuspect {
		t.Errorf("quarantined item: %+v", it)
	}
	s := w.ReadSerial(good)
	if s.Owner != verifytest.Wholesaler || s.Seller != verifytest.Pharmacy || s.Status != chaincode.StatusActive || s.Investigation != "" {
		t.Errorf("saleable return on the ledger: %+v", s)
	}
	q := w.ReadSerial(bad)
	if q.Owner != verifytest.Wholesaler || q.Status != chaincode.StatusActive || q.Investigation != chaincode.InvestigationSuspect || q.InvestigationBy != verifytest.Wholesaler {
		t.Errorf("quarantined return on the ledger: %+v", q)
	}
	// The receipt and the flag are one transaction: no failure between
	// them can leave the package received but not flagged.
	link := chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: verifytest.GTIN, Serial: bad}.DigitalLink()
	raw, err = w.Ledger.Evaluate(ctx, verifytest.Wholesaler, chaincode.FnHistory, link)
	var hist []chaincode.CustodyEntry
	if err != nil || json.Unmarshal(raw, &hist) != nil || len(hist) == 0 {
		t.Fatalf("history of %s: %s %v", link, raw, err)
	}
	if last := hist[len(hist)-1]; last.TxID != r.CaptureTxID || last.Serial == nil || last.Serial.Investigation != chaincode.InvestigationSuspect || last.Serial.Owner != verifytest.Wholesaler {
		t.Errorf("the quarantined package's last change is not the receipt with the flag (tx %s): %+v", r.CaptureTxID, last)
	}

	h, _ := w.Ledger.Height(context.Background())
	again := f.receive(items...)
	if again.CaptureTxID != "" || !again.Items[0].AlreadyReceived || !again.Items[1].AlreadyReceived || again.Items[1].FlaggedSuspect {
		t.Errorf("second receive: %+v", again)
	}
	if h2, _ := w.Ledger.Height(context.Background()); h2 != h {
		t.Errorf("second receive wrote blocks: height %d -> %d", h, h2)
	}

	// A package scanned twice in a tote is received and flagged once, and
	// both its items say so.
	twice := w.Serial("T")
	w.Distribute(lot, twice)
	w.Ship(verifytest.Pharmacy, verifytest.WholesalerGLN, twice)
	dup := f.receive(item(twice, "OTHER", verifytest.PharmacyGLN), item(twice, "OTHER", verifytest.PharmacyGLN))
	for i, it := range dup.Items {
		if it.Decision.Decision != Quarantine || !it.FlaggedSuspect || it.Investigation != chaincode.InvestigationSuspect || it.Owner != verifytest.Wholesaler {
			t.Errorf("package scanned twice, item %d: %+v", i, it)
		}
	}
	if ev := receivingEvent(t, w, dup.CaptureTxID); len(ev.EPCList) != 1 {
		t.Errorf("the receiving event of the package scanned twice lists %v, want it once", ev.EPCList)
	}

	// Scanned twice with different decisions (the right lot, then another):
	// received as quarantined, flagged, and both items say so.
	mixed := w.Serial("M")
	w.Distribute(lot, mixed)
	w.Ship(verifytest.Pharmacy, verifytest.WholesalerGLN, mixed)
	mix := f.receive(item(mixed, lot, verifytest.PharmacyGLN), item(mixed, "OTHER", verifytest.PharmacyGLN))
	for i, it := range mix.Items {
		if !it.FlaggedSuspect || it.Investigation != chaincode.InvestigationSuspect {
			t.Errorf("package scanned twice with different decisions, item %d: %+v", i, it)
		}
	}
	if ev := receivingEvent(t, w, mix.CaptureTxID); ev.Disposition != dispositionQuarantine {
		t.Errorf("the mixed package was received as %q, want %q", ev.Disposition, dispositionQuarantine)
	}

	status, body := f.post("/returns/receive", verifytest.Wholesaler, item(stay, lot, verifytest.PharmacyGLN))
	if pb := wantProblem(t, status, body, 409, problem.Conflict, "items"); pb.Rule != "not-on-its-way-back" {
		t.Errorf("the 409 of an item not on its way back has rule %q", pb.Rule)
	}
	if s := w.ReadSerial(stay); s.Owner != verifytest.Pharmacy {
		t.Errorf("a refused receive changed the ledger: %+v", s)
	}
}

// TestCheckHidesOtherHolders checks that neither a check nor a refused
// receive names an organisation that holds a package other than the caller
// and the returning party it sold the package to: the wholesaler's sale to
// the pharmacy is not the manufacturer's business.
func TestCheckHidesOtherHolders(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot := w.Serial("L")
	far, held := w.Serial("F"), w.Serial("H")
	w.Distribute(lot, far, held)

	tests := []struct {
		name       string
		org        string
		item       Item
		wantOwner  string
		wantStatus chaincode.Status
	}{
		{"returner sold it on", verifytest.Manufacturer, item(far, lot, verifytest.WholesalerGLN), "", chaincode.StatusActive},
		{"never sold to the returner", verifytest.Manufacturer, item(held, lot, verifytest.PharmacyGLN), "", chaincode.StatusActive},
		{"own customer holds it", verifytest.Wholesaler, item(held, lot, verifytest.PharmacyGLN), verifytest.Pharmacy, chaincode.StatusActive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.post("/returns/check", tc.org, tc.item)
			if status != http.StatusOK {
				t.Fatalf("check: %d %s", status, body)
			}
			var d Decision
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatal(err)
			}
			if d.Owner != tc.wantOwner || d.Status != tc.wantStatus {
				t.Errorf("owner %q status %q, want %q %q", d.Owner, d.Status, tc.wantOwner, tc.wantStatus)
			}
			if tc.wantOwner == "" && bytes.Contains(body, []byte(verifytest.Pharmacy)) {
				t.Errorf("the answer to %s names %s: %s", tc.org, verifytest.Pharmacy, body)
			}
		})
	}

	t.Run("a package the caller never held", func(t *testing.T) {
		// Still the manufacturer's: the wholesaler learns nothing of its
		// state beyond the verification answer.
		mine := w.Serial("M")
		w.Commission(lot, mine)
		status, body := f.post("/returns/check", verifytest.Wholesaler, item(mine, lot, verifytest.PharmacyGLN))
		if status != http.StatusOK {
			t.Fatalf("check: %d %s", status, body)
		}
		var d Decision
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		if d.Status != "" || d.Owner != "" || d.Decision != Quarantine {
			t.Fatalf("the wholesaler sees the manufacturer's package as %s/%s (%s): %s", d.Status, d.Owner, d.Decision, body)
		}
		if bytes.Contains(body, []byte(verifytest.Manufacturer)) {
			t.Errorf("the answer names %s: %s", verifytest.Manufacturer, body)
		}
	})

	t.Run("refused receive", func(t *testing.T) {
		// The wholesaler never sold held to the manufacturer; the conflict
		// must not say that the pharmacy holds it.
		status, body := f.post("/returns/receive", verifytest.Wholesaler, item(held, lot, verifytest.ManufacturerGLN))
		wantProblem(t, status, body, 409, problem.Conflict, "items")
		if bytes.Contains(body, []byte(verifytest.Pharmacy)) {
			t.Errorf("the conflict names %s: %s", verifytest.Pharmacy, body)
		}
	})
}

// TestCheckTrustsOnlyAttestedGLNs: the returning party is found by the GLNs
// a regulator attests for it, never by those it only claims in its own
// record: the pharmacy that bought a package claims the manufacturer's GLN
// and a GLN nobody attests, and neither makes a return from that GLN
// saleable.
func TestCheckTrustsOnlyAttestedGLNs(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot, pkg := w.Serial("L"), w.Serial("P")
	w.Distribute(lot, pkg)
	const unattested = "0861234000026"
	claim := chaincode.Partner{ID: verifytest.Pharmacy, Name: "Corner Pharmacy", Roles: []chaincode.Role{chaincode.RoleDispenser},
		GLNs:     []string{verifytest.PharmacyGLN, unattested, verifytest.ManufacturerGLN},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "LIC-" + verifytest.Pharmacy, Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	raw, err := json.Marshal(claim)
	if err != nil {
		t.Fatal(err)
	}
	w.Submit(verifytest.Pharmacy, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(raw)}})
	for _, gln := range []string{unattested, verifytest.ManufacturerGLN} {
		d := f.check(verifytest.Wholesaler, item(pkg, lot, gln))
		if d.Decision != Quarantine || d.ReturnedByOrg != "" || !slices.Contains(codes(d), ReasonNotSoldToReturner) {
			t.Errorf("a return from %s, a GLN the buyer only claims: %+v", gln, d)
		}
	}
	if d := f.check(verifytest.Wholesaler, item(pkg, lot, verifytest.PharmacyGLN)); d.Decision != Saleable || d.ReturnedByOrg != verifytest.Pharmacy {
		t.Errorf("a return from the buyer's attested GLN: %+v", d)
	}
}

// TestCheckReturnerNotATP: a return from a buyer whose licence the
// regulator has since revoked is quarantined with the reason, though the
// package is the one sold to it and it holds it.
func TestCheckReturnerNotATP(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot, pkg := w.Serial("L"), w.Serial("P")
	w.Distribute(lot, pkg)
	if d := f.check(verifytest.Wholesaler, item(pkg, lot, verifytest.PharmacyGLN)); d.Decision != Saleable {
		t.Fatalf("before the revocation: %+v", d)
	}
	revoked := chaincode.Attestation{Roles: []chaincode.Role{chaincode.RoleDispenser}, Licenses: []chaincode.License{}, GLNs: []string{verifytest.PharmacyGLN}}
	raw, err := json.Marshal(revoked)
	if err != nil {
		t.Fatal(err)
	}
	w.Submit(verifytest.Regulator, ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{verifytest.Pharmacy, string(raw)}})
	d := f.check(verifytest.Wholesaler, item(pkg, lot, verifytest.PharmacyGLN))
	if d.Decision != Quarantine || !slices.Equal(codes(d), []string{ReasonReturnerNotATP}) || d.ReturnedByOrg != verifytest.Pharmacy ||
		!strings.Contains(d.Reasons[0].Detail, "licen") {
		t.Fatalf("after the revocation: %+v", d)
	}
}

// TestReceiveSentTwiceAtOnce: the same return sent several times at once
// (a client retrying while its first request runs) is recorded once, and
// every request succeeds: a request that finds the ledger changed under it
// checks again instead of answering a conflict or a refusal.
func TestReceiveSentTwiceAtOnce(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot := w.Serial("L")
	pkgs := []string{w.Serial("A1"), w.Serial("A2"), w.Serial("A3")}
	w.Distribute(lot, pkgs...)
	w.Ship(verifytest.Pharmacy, verifytest.WholesalerGLN, pkgs...)
	items := []Item{item(pkgs[0], lot, verifytest.PharmacyGLN), item(pkgs[1], "OTHER", verifytest.PharmacyGLN), item(pkgs[2], lot, verifytest.PharmacyGLN)}
	const n = 4
	var wg sync.WaitGroup
	status := make([]int, n)
	bodies := make([][]byte, n)
	for i := range n {
		wg.Go(func() { status[i], bodies[i] = f.post("/returns/receive", verifytest.Wholesaler, Body{Items: items}) })
	}
	wg.Wait()
	captured := 0
	for i := range n {
		if status[i] != http.StatusOK {
			t.Fatalf("request %d of the same return: %d %s", i, status[i], bodies[i])
		}
		var r ReceiveResult
		if err := json.Unmarshal(bodies[i], &r); err != nil {
			t.Fatal(err)
		}
		if r.CaptureTxID != "" {
			captured++
		}
	}
	if captured != 1 {
		t.Errorf("%d of %d requests captured the return, want 1", captured, n)
	}
	for _, p := range pkgs {
		raw, err := w.Ledger.Evaluate(context.Background(), verifytest.Wholesaler, chaincode.FnHistory,
			chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: verifytest.GTIN, Serial: p}.DigitalLink())
		var hist []chaincode.CustodyEntry
		if err != nil || json.Unmarshal(raw, &hist) != nil {
			t.Fatalf("history of %s: %v", p, err)
		}
		received := 0
		for i := 1; i < len(hist); i++ {
			if hist[i].Serial != nil && hist[i-1].Serial != nil && hist[i].Serial.Owner == verifytest.Wholesaler && hist[i-1].Serial.Owner == verifytest.Pharmacy {
				received++
			}
		}
		if received != 1 {
			t.Errorf("%s was received back %d times", p, received)
		}
	}
}

// TestReceiveAgainFlagsInOneTransaction: packages received back before as
// saleable and received again with a decision of quarantine (their expiry
// given wrong) are flagged suspect in one transaction, not one each.
func TestReceiveAgainFlagsInOneTransaction(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot := w.Serial("L")
	pkgs := []string{w.Serial("B1"), w.Serial("B2"), w.Serial("B3")}
	w.Distribute(lot, pkgs...)
	w.Ship(verifytest.Pharmacy, verifytest.WholesalerGLN, pkgs...)
	var items, wrong []Item
	for _, p := range pkgs {
		items = append(items, item(p, lot, verifytest.PharmacyGLN))
		it := item(p, lot, verifytest.PharmacyGLN)
		it.Expiry = "300101"
		wrong = append(wrong, it)
	}
	first := f.receive(items...)
	for _, it := range first.Items {
		if it.Decision.Decision != Saleable {
			t.Fatalf("first receipt: %+v", it)
		}
	}
	h0, _ := w.Ledger.Height(context.Background())
	again := f.receive(wrong...)
	h1, _ := w.Ledger.Height(context.Background())
	for _, it := range again.Items {
		if it.Decision.Decision != Quarantine || !it.AlreadyReceived || !it.FlaggedSuspect {
			t.Errorf("received again with a wrong expiry: %+v", it)
		}
	}
	if h1 != h0+1 {
		t.Errorf("flagging %d packages took %d blocks, want 1", len(pkgs), h1-h0)
	}
	for _, p := range pkgs {
		if s := w.ReadSerial(p); s.Investigation != chaincode.InvestigationSuspect {
			t.Errorf("%s after the second receipt: %+v", p, s)
		}
	}
}

// TestReceiveAgainFlagRaceWritesNothing: when the packages a receipt
// would flag are put under investigation between its check and its flag
// (another request won), the chaincode refuses the flag as changing
// nothing (already-under-investigation) and the receipt succeeds, having
// flagged nothing itself and written no transaction.
func TestReceiveAgainFlagRaceWritesNothing(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot, p := w.Serial("L"), w.Serial("R1")
	w.Distribute(lot, p)
	w.Ship(verifytest.Pharmacy, verifytest.WholesalerGLN, p)
	f.receive(item(p, lot, verifytest.PharmacyGLN))
	wrong := item(p, lot, verifytest.PharmacyGLN)
	wrong.Expiry = "300101"
	var raced ledger.Receipt
	f.l.before = func(tx ledger.Transaction) {
		if tx.Function == chaincode.FnFlagSuspect {
			f.l.before = nil
			raced = w.Flag(verifytest.Wholesaler, p, chaincode.InvestigationSuspect)
		}
	}
	again := f.receive(wrong)
	h, _ := w.Ledger.Height(context.Background())
	if raced.TxID == "" {
		t.Fatal("the receipt submitted no flag")
	}
	if h != raced.Block+1 || again.LedgerHeight != h {
		t.Errorf("height %d, the race's block %d, the receipt's height %d: the refused flag wrote a block", h, raced.Block, again.LedgerHeight)
	}
	if it := again.Items[0]; it.Decision.Decision != Quarantine || !it.AlreadyReceived || it.FlaggedSuspect {
		t.Errorf("received again: %+v", it)
	}
	if s := w.ReadSerial(p); s.Investigation != chaincode.InvestigationSuspect {
		t.Errorf("%s: %+v", p, s)
	}
}

// receivingEvent reads, as the wholesaler, the one receiving event of the
// transaction txID.
func receivingEvent(t *testing.T, w *verifytest.World, txID string) epcis.Event {
	t.Helper()
	ctx := context.Background()
	raw, err := w.Ledger.Evaluate(ctx, verifytest.Wholesaler, chaincode.FnReadTx, txID)
	var txr chaincode.TxRecord
	if err != nil || json.Unmarshal(raw, &txr) != nil || len(txr.Events) != 1 {
		t.Fatalf("the receiving transaction %s: %s %v", txID, raw, err)
	}
	raw, err = w.Ledger.Evaluate(ctx, verifytest.Wholesaler, chaincode.FnReadEvent, txr.Events[0])
	var rec chaincode.EventRecord
	var ev epcis.Event
	if err != nil || json.Unmarshal(raw, &rec) != nil || json.Unmarshal(rec.Body, &ev) != nil {
		t.Fatalf("the receiving event of %s: %s %v", txID, raw, err)
	}
	return ev
}

// TestCheckRecallReturnToOwner: a recalled package a pharmacy sends
// straight back to the manufacturer is the pharmacy's return to the
// manufacturer: quarantined for the recall alone, not as never sold to it.
func TestCheckRecallReturnToOwner(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot, pkg := w.Serial("RL"), w.Serial("RP")
	w.Distribute(lot, pkg)
	w.Recall(lot)
	w.Ship(verifytest.Pharmacy, verifytest.ManufacturerGLN, pkg)
	d := f.check(verifytest.Manufacturer, item(pkg, lot, verifytest.PharmacyGLN))
	if d.Decision != Quarantine || !slices.Equal(codes(d), []string{ReasonRecalled}) || d.ReturnedByOrg != verifytest.Pharmacy {
		t.Fatalf("the recall coming back: %+v", d)
	}
	// Another party's GLN is still not the returner.
	if d := f.check(verifytest.Manufacturer, item(pkg, lot, verifytest.WholesalerGLN)); !slices.Contains(codes(d), ReasonNotHeldByReturner) {
		t.Fatalf("a return named from the wholesaler: %+v", d)
	}
}

// TestItemOfPlacesTheLedgersRefusal: a refusal of the receiving capture
// by the chaincode, as the real ledger gives it, is placed at the item
// whose EPC it names (ledger.RefusalOf), not at the capture's internal
// event index; an error that is no refusal is left as it is.
func TestItemOfPlacesTheLedgersRefusal(t *testing.T) {
	w := verifytest.New(t)
	sent, kept := w.Serial("SENT"), w.Serial("KEPT")
	w.Commission(w.Serial("L"), sent, kept)
	w.Ship(verifytest.Manufacturer, verifytest.WholesalerGLN, sent)
	receipt := epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "receiving", Disposition: "active",
		EventTime: time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC), EventTimeZoneOffset: "+00:00",
		EPCList: []string{verifytest.EPC(sent), verifytest.EPC(kept)}}
	raw, err := json.Marshal([]epcis.Event{receipt})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Ledger.Submit(t.Context(), verifytest.Wholesaler, ledger.Transaction{Function: chaincode.FnCapture,
		Transient: map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}})
	re, ok := ledger.RefusalOf(err)
	if !ok || re.EPC != verifytest.EPC(kept) {
		t.Fatalf("the ledger's refusal %+v (%v), want one naming %s", re, err, verifytest.EPC(kept))
	}
	items := []Item{item(sent, "", ""), item(kept, "", "")}
	var pe *problem.Error
	if got := itemOf(fmt.Errorf("capture the receiving events: %w", err), items); !errors.As(got, &pe) ||
		pe.Rule != re.Rule || len(pe.Where) != 1 || pe.Where[0].Field != "items" || *pe.Where[0].Index != 1 {
		t.Fatalf("placed %#v, want the rule %s at items[1]", got, re.Rule)
	}
	other := problem.New(problem.Conflict, "a read conflict")
	if got := itemOf(other, items); got != error(other) {
		t.Errorf("itemOf(%v) = %v; want it unchanged", other, got)
	}
}

// TestCheckReturnerShipsElsewhere: a recalled package that the pharmacy
// sends straight back to the manufacturer (which the chaincode's dispenser
// rules allow) is no return to the wholesaler that sold it to the pharmacy:
// the check says that the returning party ships it elsewhere, without
// naming where, and the manufacturer receives it as the recall return it
// is, quarantined and flagged suspect.
func TestCheckReturnerShipsElsewhere(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot, pkg := w.Serial("RL"), w.Serial("RP")
	w.Distribute(lot, pkg)
	w.Recall(lot)
	w.Ship(verifytest.Pharmacy, verifytest.ManufacturerGLN, pkg)

	status, body := f.post("/returns/check", verifytest.Wholesaler, item(pkg, lot, verifytest.PharmacyGLN))
	if status != http.StatusOK {
		t.Fatalf("check: %d %s", status, body)
	}
	var d Decision
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	want := "the returning party " + verifytest.Pharmacy + " is shipping the package to another organisation, not back to " + verifytest.Wholesaler
	if d.Decision != Quarantine || !slices.Equal(codes(d), []string{ReasonRecalled, ReasonNotHeldByReturner}) || d.Reasons[1].Detail != want {
		t.Errorf("the wholesaler's check of a recall going to the manufacturer: %+v, want the reason %q", d, want)
	}
	if bytes.Contains(body, []byte(verifytest.Manufacturer)) {
		t.Errorf("the wholesaler's check names %s: %s", verifytest.Manufacturer, body)
	}

	// The same refusal in receive's 409, in the same words.
	h := height(t, w)
	status, body = f.post("/returns/receive", verifytest.Wholesaler, item(pkg, lot, verifytest.PharmacyGLN))
	if pb := wantProblem(t, status, body, 409, problem.Conflict, "items"); pb.Rule != ruleNotReturning || !strings.HasSuffix(pb.Detail, ": "+want) {
		t.Errorf("the wholesaler's receipt of it: %s, want the detail to end %q", body, want)
	}
	if h2 := height(t, w); h2 != h {
		t.Errorf("a refused receive wrote blocks: height %d -> %d", h, h2)
	}

	// The manufacturer receives it: a genuine return, quarantined for the
	// recall and flagged suspect in the receipt.
	status, body = f.post("/returns/receive", verifytest.Manufacturer, Body{Items: []Item{item(pkg, lot, verifytest.PharmacyGLN)}})
	var r ReceiveResult
	if status != http.StatusOK || json.Unmarshal(body, &r) != nil {
		t.Fatalf("the manufacturer's receipt of the recall return: %d %s", status, body)
	}
	if it := r.Items[0]; r.CaptureTxID == "" || it.Decision.Decision != Quarantine || !slices.Equal(codes(it.Decision), []string{ReasonRecalled}) || !it.FlaggedSuspect {
		t.Errorf("the manufacturer's receipt of the recall return: %s", body)
	}
	if s := w.ReadSerial(pkg); s.Owner != verifytest.Manufacturer || s.Seller != verifytest.Pharmacy || s.Status != chaincode.StatusActive || s.Investigation != chaincode.InvestigationSuspect {
		t.Errorf("the recall return on the ledger: %+v", s)
	}
}

// height reads the ledger height.
func height(t *testing.T, w *verifytest.World) uint64 {
	t.Helper()
	h, err := w.Ledger.Height(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestReceiveRefusesWhatIsNoReturn: receive records only returns, packages
// the caller sold to the returning party coming back from it; anything else
// is refused with the rule not-on-its-way-back, changing nothing on the
// ledger (no receiving event, no suspect flag for everyone to see), and
// saying no more of the package than check does, in check's words where
// check gives the same reason.
func TestReceiveRefusesWhatIsNoReturn(t *testing.T) {
	f := newFixture(t)
	w := f.w
	lot := w.Serial("L")
	var (
		forward   = w.Serial("FW") // the manufacturer ships it to the wholesaler
		packed    = w.Serial("PK") // the same, packed on a pallet
		elsewhere = w.Serial("EL") // the manufacturer ships it straight to the pharmacy
		athome    = w.Serial("AH") // commissioned, still at the manufacturer
		held      = w.Serial("HD") // the pharmacy holds it, not shipped back
		soldOn    = w.Serial("SO") // the wholesaler sold it on to the pharmacy
		dispensed = w.Serial("DS")
		unknown   = w.Serial("UN") // never commissioned
		good      = w.Serial("GD") // shipped back by the pharmacy: a return
		goodMfr   = w.Serial("GM") // shipped back to the manufacturer by the wholesaler
	)
	w.Commission(lot, forward, packed, elsewhere, athome, goodMfr)
	w.Ship(verifytest.Manufacturer, verifytest.WholesalerGLN, goodMfr)
	w.Receive(verifytest.Wholesaler, goodMfr)
	w.Ship(verifytest.Wholesaler, verifytest.ManufacturerGLN, goodMfr)
	w.Distribute(lot, held, soldOn, dispensed, good)
	w.Dispense(verifytest.Pharmacy, dispensed)
	w.Ship(verifytest.Pharmacy, verifytest.WholesalerGLN, good)
	w.Ship(verifytest.Manufacturer, verifytest.WholesalerGLN, forward)
	w.Ship(verifytest.Manufacturer, verifytest.PharmacyGLN, elsewhere)
	pallet := "urn:epc:id:sscc:0312345.1" + w.Serial("") + "00001"
	pack := epcis.Event{Type: epcis.AggregationEventType, Action: epcis.ActionAdd, BizStep: "packing", Disposition: "in_progress",
		EventTime: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC), EventTimeZoneOffset: "+00:00",
		ParentID: pallet, ChildEPCs: []string{verifytest.EPC(packed)}}
	ship := w.ShipEvent(verifytest.WholesalerGLN)
	ship.EPCList = []string{pallet}
	w.Capture(verifytest.Manufacturer, pack)
	w.Capture(verifytest.Manufacturer, ship)
	if s := w.ReadSerial(packed); s.Status != chaincode.StatusInTransit || s.ShipTo != verifytest.Wholesaler || s.Parent == "" {
		t.Fatalf("the packed package before the test: %+v", s)
	}

	// What check says that a refusal says too.
	const (
		notSold = "the custody history shows no sale of this package by " + verifytest.Wholesaler + " to an organisation a regulator attests GLN "
		notHeld = "the package is held by another organisation, not by the returning party " + verifytest.Wholesaler
	)
	tests := []struct {
		name   string
		org    string
		item   Item
		reason string // the check reason the refusal repeats ("" for none)
		detail string // what the refusal's detail holds
		hidden []string
	}{
		{"a forward shipment, returned by a party that never held it", verifytest.Wholesaler, item(forward, lot, verifytest.PharmacyGLN),
			ReasonNotSoldToReturner, notSold + verifytest.PharmacyGLN + " to", []string{"in_transit", verifytest.Manufacturer, verifytest.Pharmacy}},
		{"a forward shipment, returned by its shipper", verifytest.Wholesaler, item(forward, lot, verifytest.ManufacturerGLN),
			ReasonNotSoldToReturner, notSold + verifytest.ManufacturerGLN + " to", []string{"in_transit", verifytest.Manufacturer}},
		{"packed on a pallet coming to the caller", verifytest.Wholesaler, item(packed, lot, verifytest.PharmacyGLN),
			ReasonNotSoldToReturner, notSold + verifytest.PharmacyGLN + " to", []string{"in_transit", "pallet", "sscc", verifytest.Manufacturer}},
		{"shipped by another to another", verifytest.Wholesaler, item(elsewhere, lot, verifytest.PharmacyGLN),
			ReasonNotSoldToReturner, notSold + verifytest.PharmacyGLN + " to", []string{"in_transit", "shipped to", verifytest.Manufacturer, verifytest.Pharmacy}},
		{"still at the manufacturer", verifytest.Wholesaler, item(athome, lot, verifytest.PharmacyGLN),
			ReasonNotSoldToReturner, notSold + verifytest.PharmacyGLN + " to", []string{"active", verifytest.Manufacturer}},
		{"never commissioned", verifytest.Wholesaler, item(unknown, lot, verifytest.PharmacyGLN),
			ReasonNotSoldToReturner, notSold + verifytest.PharmacyGLN + " to", nil},
		{"of a GTIN never commissioned", verifytest.Wholesaler, Item{GTIN: verifytest.UnknownGTIN, Serial: unknown, Lot: lot, Expiry: verifytest.Expiry, ReturnedBy: verifytest.PharmacyGLN},
			ReasonUnknownGTIN, "", nil},
		{"sold on by the returning party", verifytest.Manufacturer, item(soldOn, lot, verifytest.WholesalerGLN),
			ReasonNotHeldByReturner, notHeld, []string{"active", verifytest.Pharmacy}},
		{"dispensed", verifytest.Wholesaler, item(dispensed, lot, verifytest.PharmacyGLN),
			ReasonLeftSupplyChain, "the package is dispensed", nil},
		{"held by the returning party, not shipped back", verifytest.Wholesaler, item(held, lot, verifytest.PharmacyGLN),
			"", "the returning party " + verifytest.Pharmacy + " holds it and has not shipped it back yet", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before chaincode.SerialRecord
			if tc.item.Serial != unknown {
				before = w.ReadSerial(tc.item.Serial)
			}
			h := height(t, w)
			// As a single item and as the second item of a tote whose first
			// is a return: either way nothing is recorded.
			ret := item(good, lot, verifytest.PharmacyGLN)
			if tc.org == verifytest.Manufacturer {
				ret = item(goodMfr, lot, verifytest.WholesalerGLN)
			}
			for _, body := range []any{tc.item, Body{Items: []Item{ret, tc.item}}} {
				status, raw := f.post("/returns/receive", tc.org, body)
				pb := wantProblem(t, status, raw, 409, problem.Conflict, "items")
				if pb.Rule != ruleNotReturning || !strings.Contains(pb.Detail, tc.detail) {
					t.Errorf("refusal %s, want rule %s and a detail with %q", raw, ruleNotReturning, tc.detail)
				}
				if _, ok := body.(Body); ok && (len(pb.Errors) != 1 || pb.Errors[0].Index == nil || *pb.Errors[0].Index != 1) {
					t.Errorf("the refusal of a tote names %+v, want items[1]", pb.Errors)
				}
				for _, s := range tc.hidden {
					if bytes.Contains(raw, []byte(s)) {
						t.Errorf("the refusal says %q: %s", s, raw)
					}
				}
				if tc.reason != "" {
					d := f.check(tc.org, tc.item)
					i := slices.Index(codes(d), tc.reason)
					if i < 0 || !strings.HasSuffix(pb.Detail, ": "+d.Reasons[i].Detail) {
						t.Errorf("the refusal %q does not end with check's reason %s: %+v", pb.Detail, tc.reason, d.Reasons)
					}
				}
			}
			if h2 := height(t, w); h2 != h {
				t.Errorf("a refused receive wrote blocks: height %d -> %d", h, h2)
			}
			if tc.item.Serial == unknown {
				return
			}
			after := w.ReadSerial(tc.item.Serial)
			if after.Investigation != "" || after.Owner != before.Owner || after.Status != before.Status || after.ShipTo != before.ShipTo || !after.Updated.Equal(before.Updated) {
				t.Errorf("a refused receive changed the package: %+v -> %+v", before, after)
			}
		})
	}
	for _, p := range []string{good, goodMfr} {
		if s := w.ReadSerial(p); s.Status != chaincode.StatusInTransit {
			t.Errorf("the return in refused totes was received: %+v", s)
		}
	}
	// Alone, they are received: the totes were refused for the other item.
	if r := f.receive(item(good, lot, verifytest.PharmacyGLN)); r.CaptureTxID == "" || r.Items[0].Decision.Decision != Saleable {
		t.Errorf("the pharmacy's return alone: %+v", r)
	}
	status, body := f.post("/returns/receive", verifytest.Manufacturer, item(goodMfr, lot, verifytest.WholesalerGLN))
	if status != http.StatusOK {
		t.Errorf("the wholesaler's return to the manufacturer alone: %d %s", status, body)
	}
}

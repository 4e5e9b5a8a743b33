package ledgertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
)

// The demo organisations.
const (
	Manufacturer = "ManufacturerMSP"
	Wholesaler   = "WholesalerMSP"
	Pharmacy     = "PharmacyMSP"
	Regulator    = "RegulatorMSP"
)

// Their GLNs and the manufacturer's GTIN (company prefix 0312345).
const (
	mfrGLN   = "0312345000004"
	whsGLN   = "0388888000009"
	pharmGLN = "0377777000008"
	regGLN   = "0366666000007"
	gtin     = "00312345678906"
	expiry   = "2099-12-31"
)

// eventBase is the event time of the suite's events; distinct offsets make
// distinct events (and hash IDs).
var eventBase = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Identifiers carry the harness's namespace so that the suite can run again
// on a ledger that keeps its state (a long-lived Fabric network).

// id returns s in the harness's namespace (serials, lots).
func (h *harness) id(s string) string { return h.ns + s }

func (h *harness) sgtin(serial string) string {
	return "urn:epc:id:sgtin:0312345.067890." + h.id(serial)
}

func (h *harness) sgtinDL(serial string) string {
	return "https://id.gs1.org/01/" + gtin + "/21/" + h.id(serial)
}

// sscc returns an SSCC whose 10-digit serial reference is "1", the
// namespace, and the 3-digit ref.
func (h *harness) sscc(ref string) string { return "urn:epc:id:sscc:0312345.1" + h.ns + ref }

// partner returns a demo organisation's record with a licence valid until
// licenceEnd (none for the regulator).
func partner(msp string, licenceEnd time.Time) chaincode.Partner {
	lic := []chaincode.License{{Authority: "FDA", Number: "LIC-" + msp, Expiry: licenceEnd}}
	switch msp {
	case Manufacturer:
		return chaincode.Partner{ID: msp, Name: "Acme Pharma", Roles: []chaincode.Role{chaincode.RoleManufacturer}, GLNs: []string{mfrGLN}, CompanyPrefixes: []string{"0312345"}, Licenses: lic}
	case Wholesaler:
		return chaincode.Partner{ID: msp, Name: "Big Wholesale", Roles: []chaincode.Role{chaincode.RoleWholesaler}, GLNs: []string{whsGLN}, CompanyPrefixes: []string{"0388888"}, Licenses: lic}
	case Pharmacy:
		return chaincode.Partner{ID: msp, Name: "Corner Pharmacy", Roles: []chaincode.Role{chaincode.RoleDispenser}, GLNs: []string{pharmGLN}, Licenses: lic}
	default:
		return chaincode.Partner{ID: msp, Name: "FDA", Roles: []chaincode.Role{chaincode.RoleRegulator}, GLNs: []string{regGLN}}
	}
}

// namespaces numbers harnesses; it starts from the clock so that runs differ.
var namespaces = func() *atomic.Int64 {
	var n atomic.Int64
	n.Store(time.Now().UnixNano() / 1000 % 1_000_000)
	return &n
}()

// harness is one scenario's ledger and helpers.
type harness struct {
	t   *testing.T
	l   ledger.Ledger
	ctx context.Context
	ns  string // 6 digits, different for every harness
	// opts are the implementation's optional guarantees.
	opts Options
}

func newHarness(t *testing.T, newLedger func(t *testing.T) ledger.Ledger) *harness {
	t.Helper()
	h := &harness{t: t, l: newLedger(t), ctx: t.Context(), ns: fmt.Sprintf("%06d", namespaces.Add(1)%1_000_000)}
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, msp := range []string{Manufacturer, Wholesaler, Pharmacy, Regulator} {
		h.putPartner(partner(msp, far))
	}
	return h
}

// putPartner writes p as its organisation's own record and has the
// regulator attest what it claims (licences, company prefixes, GLNs); the
// receipt is the attestation's.
func (h *harness) putPartner(p chaincode.Partner) ledger.Receipt {
	h.t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.l.Submit(h.ctx, p.ID, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(b)}}); err != nil {
		h.t.Fatalf("register %s: %v", p.ID, err)
	}
	a, err := json.Marshal(p.Claims())
	if err != nil {
		h.t.Fatal(err)
	}
	r, err := h.l.Submit(h.ctx, Regulator, ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{p.ID, string(a)}})
	if err != nil {
		h.t.Fatalf("attest %s: %v", p.ID, err)
	}
	return r
}

// event builders

func baseEvent(typ epcis.EventType, action epcis.Action, step string, minute int) epcis.Event {
	return epcis.Event{Type: typ, Action: action, BizStep: step,
		EventTime: eventBase.Add(time.Duration(minute) * time.Minute), EventTimeZoneOffset: "+00:00"}
}

func commission(minute int, lot string, epcs ...string) epcis.Event {
	e := baseEvent(epcis.ObjectEventType, epcis.ActionAdd, "commissioning", minute)
	e.EPCList, e.Disposition = epcs, "active"
	e.ILMD = []epcis.Element{
		{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot},
		{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: expiry},
	}
	return e
}

func commissionContainers(minute int, epcs ...string) epcis.Event {
	e := baseEvent(epcis.ObjectEventType, epcis.ActionAdd, "commissioning", minute)
	e.EPCList = epcs
	return e
}

func pack(minute int, parent string, children ...string) epcis.Event {
	e := baseEvent(epcis.AggregationEventType, epcis.ActionAdd, "packing", minute)
	e.ParentID, e.ChildEPCs = parent, children
	return e
}

func unpack(minute int, parent string) epcis.Event {
	e := baseEvent(epcis.AggregationEventType, epcis.ActionDelete, "unpacking", minute)
	e.ParentID = parent
	return e
}

// ship ships epcs to the owning party to: a party identifier (URN or
// Digital Link), or a bare GLN, which is written as a PGLN Digital Link
// (EPCIS needs a URI, and the chaincode validates every event).
func ship(minute int, to string, epcs ...string) epcis.Event {
	e := baseEvent(epcis.ObjectEventType, epcis.ActionObserve, "shipping", minute)
	e.EPCList, e.Disposition = epcs, "in_transit"
	if len(to) == 13 && !strings.Contains(to, ":") {
		to = "https://id.gs1.org/417/" + to
	}
	e.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: to}}
	return e
}

func step(minute int, bizStep string, epcs ...string) epcis.Event {
	e := baseEvent(epcis.ObjectEventType, epcis.ActionObserve, bizStep, minute)
	e.EPCList = epcs
	return e
}

func t3(seller, buyer, po string, qty int) chaincode.T3 {
	return chaincode.T3{Seller: seller, Buyer: buyer, TransactionDate: "2026-11-01", PONumber: po, InvoiceNumber: "INV-" + po,
		Products: []chaincode.T3Product{{GTIN: gtin, Name: "Examplamab 10 mg", Quantity: qty}}}
}

// capture submits a batch of events (and T3 records) as org.
func (h *harness) capture(org string, t3s []chaincode.T3, events ...epcis.Event) (chaincode.CaptureResult, ledger.Receipt, error) {
	h.t.Helper()
	return h.captureFlagging(org, t3s, nil, events...)
}

// captureFlagging submits a batch of events (and T3 records) as org,
// flagging the EPCs of suspect suspect in the same transaction.
func (h *harness) captureFlagging(org string, t3s []chaincode.T3, suspect []string, events ...epcis.Event) (chaincode.CaptureResult, ledger.Receipt, error) {
	h.t.Helper()
	var res chaincode.CaptureResult
	raw, err := json.Marshal(events)
	if err != nil {
		h.t.Fatal(err)
	}
	tr := map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}
	if t3s != nil {
		if tr[chaincode.TransientT3], err = json.Marshal(t3s); err != nil {
			h.t.Fatal(err)
		}
	}
	if suspect != nil {
		if tr[chaincode.TransientSuspect], err = json.Marshal(suspect); err != nil {
			h.t.Fatal(err)
		}
	}
	r, err := h.l.Submit(h.ctx, org, ledger.Transaction{Function: chaincode.FnCapture, Transient: tr})
	if err != nil {
		return res, r, err
	}
	if err := json.Unmarshal(r.Result, &res); err != nil {
		h.t.Fatalf("decode capture result %s: %v", r.Result, err)
	}
	if res.TxID != r.TxID {
		h.t.Fatalf("capture result names tx %q, receipt %q", res.TxID, r.TxID)
	}
	return res, r, nil
}

func (h *harness) mustCapture(org string, t3s []chaincode.T3, events ...epcis.Event) (chaincode.CaptureResult, ledger.Receipt) {
	h.t.Helper()
	res, r, err := h.capture(org, t3s, events...)
	if err != nil {
		h.t.Fatalf("capture as %s: %v", org, err)
	}
	return res, r
}

func (h *harness) submit(org, function string, args ...string) (ledger.Receipt, error) {
	h.t.Helper()
	return h.l.Submit(h.ctx, org, ledger.Transaction{Function: function, Args: args})
}

// claimRoles has org rewrite its own partner record to claim roles, and
// nothing else changed.
func (h *harness) claimRoles(org string, roles ...chaincode.Role) {
	h.t.Helper()
	var p chaincode.Partner
	if err := h.query(org, &p, chaincode.FnReadPartner, org); err != nil {
		h.t.Fatalf("read %s's record: %v", org, err)
	}
	p.Roles, p.Attested = roles, nil
	b, err := json.Marshal(p)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.submit(org, chaincode.FnPutPartner, string(b)); err != nil {
		h.t.Fatalf("%s claims roles %v: %v", org, roles, err)
	}
}

// query evaluates function as org and decodes its JSON result into out.
func (h *harness) query(org string, out any, function string, args ...string) error {
	h.t.Helper()
	raw, err := h.l.Evaluate(h.ctx, org, function, args...)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("decode %s result %s: %v", function, raw, err)
		}
	}
	return nil
}

func (h *harness) serial(epc string) chaincode.SerialRecord {
	h.t.Helper()
	var s chaincode.SerialRecord
	if err := h.query(Regulator, &s, chaincode.FnReadSerial, epc); err != nil {
		h.t.Fatalf("read serial %s: %v", epc, err)
	}
	return s
}

func (h *harness) lot(lot string) chaincode.LotStatus {
	h.t.Helper()
	var l chaincode.LotStatus
	if err := h.query(Manufacturer, &l, chaincode.FnReadLot, gtin, lot); err != nil {
		h.t.Fatalf("read lot %s: %v", lot, err)
	}
	return l
}

func (h *harness) verify(org string, serial, lot, exp string) (chaincode.VerifyResult, error) {
	h.t.Helper()
	req, _ := json.Marshal(chaincode.VerifyRequest{GTIN: gtin, Serial: serial, Lot: lot, Expiry: exp, Context: "dscsaSaleableReturn"})
	var r chaincode.VerifyResult
	err := h.query(org, &r, chaincode.FnVerify, string(req))
	return r, err
}

// wantSerial asserts owner, status and addressee of a serial.
func (h *harness) wantSerial(epc, owner string, status chaincode.Status, shipTo string) chaincode.SerialRecord {
	h.t.Helper()
	s := h.serial(epc)
	if s.Owner != owner || s.Status != status || s.ShipTo != shipTo {
		h.t.Fatalf("%s: owner %s status %s shipTo %q; want %s %s %q", epc, s.Owner, s.Status, s.ShipTo, owner, status, shipTo)
	}
	return s
}

func fmtHolders(hs []chaincode.LotHolding) string {
	s := ""
	for _, x := range hs {
		s += fmt.Sprintf("%s=%d ", x.Org, x.Count)
	}
	return s
}

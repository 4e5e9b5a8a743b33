// Package verifytest builds, for tests of the verify and returns services, a
// small DSCSA world on a real embedded ledger running the real chaincode:
// the demo organisations with their partner records and API keys, plus an
// organisation whose licence has lapsed, and helpers that commission, ship,
// receive, dispense, recall and flag packages.
package verifytest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/platform/auth"
)

// The organisations (MSP IDs).
const (
	Manufacturer = "ManufacturerMSP"
	Wholesaler   = "WholesalerMSP"
	Pharmacy     = "PharmacyMSP"
	Regulator    = "RegulatorMSP"
	// Lapsed is a wholesaler whose only licence expired.
	Lapsed = "LapsedMSP"
)

// Their GLNs, the manufacturer's GTIN (company prefix 0312345) and a GTIN
// nobody commissioned.
const (
	ManufacturerGLN = "0312345000004"
	WholesalerGLN   = "0388888000009"
	PharmacyGLN     = "0377777000008"
	RegulatorGLN    = "0366666000007"
	LapsedGLN       = "0355555000006"
	GTIN            = "00312345678906"
	UnknownGTIN     = "00399999000017"
	// Expiry is the expiry of commissioned packages, as AI 17 prints it.
	Expiry = "991231"
)

// consortium is the embedded ledger's membership: the demo organisations
// and the lapsed wholesaler.
const consortium = `{"name": "verifytest", "organizations": [
 {"mspId": "ManufacturerMSP", "name": "Acme", "roles": ["manufacturer"], "gs1CompanyPrefixes": ["0312345"]},
 {"mspId": "WholesalerMSP", "name": "Big Wholesale", "roles": ["wholesaler"]},
 {"mspId": "PharmacyMSP", "name": "Corner Pharmacy", "roles": ["dispenser"]},
 {"mspId": "RegulatorMSP", "name": "FDA", "roles": ["regulator"]},
 {"mspId": "LapsedMSP", "name": "Lapsed Wholesale", "roles": ["wholesaler"]}]}`

// World is a ledger with registered partners and an API key per
// organisation.
type World struct {
	T      testing.TB
	Ledger ledger.Ledger
	Keys   *auth.Store
	// APIKey is each organisation's API key.
	APIKey map[string]string
	// Principal is each organisation's principal.
	Principal map[string]auth.Principal

	ns     string
	minute atomic.Int64
}

var namespaces atomic.Int64

// New opens a world in t's temporary directory, closed when t ends.
func New(t testing.TB) *World {
	t.Helper()
	cons, err := embedded.ParseConsortium([]byte(consortium))
	if err != nil {
		t.Fatal(err)
	}
	l, err := embedded.Open(filepath.Join(t.TempDir(), "ledger"), cons, chaincode.Invoke,
		embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open embedded ledger: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close ledger: %v", err)
		}
	})
	keys, err := auth.OpenStore(filepath.Join(t.TempDir(), auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	w := &World{T: t, Ledger: l, Keys: keys, APIKey: map[string]string{}, Principal: map[string]auth.Principal{},
		ns: fmt.Sprintf("%04d", namespaces.Add(1))}
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	lapsed := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []chaincode.Partner{
		partner(Manufacturer, "Acme", chaincode.RoleManufacturer, ManufacturerGLN, far, "0312345"),
		partner(Wholesaler, "Big Wholesale", chaincode.RoleWholesaler, WholesalerGLN, far),
		partner(Pharmacy, "Corner Pharmacy", chaincode.RoleDispenser, PharmacyGLN, far),
		partner(Regulator, "FDA", chaincode.RoleRegulator, RegulatorGLN, time.Time{}),
		partner(Lapsed, "Lapsed Wholesale", chaincode.RoleWholesaler, LapsedGLN, lapsed),
	} {
		w.PutPartner(p)
	}
	for org, g := range map[string]auth.Grant{
		Manufacturer: {Org: Manufacturer, Role: auth.Manufacturer, GLN: ManufacturerGLN},
		Wholesaler:   {Org: Wholesaler, Role: auth.Wholesaler, GLN: WholesalerGLN},
		Pharmacy:     {Org: Pharmacy, Role: auth.Dispenser, GLN: PharmacyGLN},
		Regulator:    {Org: Regulator, Role: auth.Regulator, GLN: RegulatorGLN},
		Lapsed:       {Org: Lapsed, Role: auth.Wholesaler, GLN: LapsedGLN},
	} {
		key, p, err := keys.Issue(g)
		if err != nil {
			t.Fatal(err)
		}
		w.APIKey[org], w.Principal[org] = key, p
	}
	return w
}

func partner(msp, name string, role chaincode.Role, gln string, licenceEnd time.Time, prefixes ...string) chaincode.Partner {
	p := chaincode.Partner{ID: msp, Name: name, Roles: []chaincode.Role{role}, GLNs: []string{gln}, CompanyPrefixes: prefixes}
	if !licenceEnd.IsZero() {
		p.Licenses = []chaincode.License{{Authority: "FDA", Number: "LIC-" + msp, Expiry: licenceEnd}}
	}
	return p
}

// PutPartner writes an organisation's partner record and has the regulator
// attest what it claims (licences, company prefixes, GLNs); the receipt is
// the attestation's.
func (w *World) PutPartner(p chaincode.Partner) ledger.Receipt {
	w.T.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		w.T.Fatal(err)
	}
	w.Submit(p.ID, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(b)}})
	a, err := json.Marshal(p.Claims())
	if err != nil {
		w.T.Fatal(err)
	}
	return w.Submit(Regulator, ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{p.ID, string(a)}})
}

// Submit submits tx as org and fails the test if the ledger refuses it.
func (w *World) Submit(org string, tx ledger.Transaction) ledger.Receipt {
	w.T.Helper()
	r, err := w.Ledger.Submit(context.Background(), org, tx)
	if err != nil {
		w.T.Fatalf("%s as %s: %v", tx.Function, org, err)
	}
	return r
}

// PartyURI is the GS1 Digital Link of a party GLN, the form EPCIS source
// and destination lists carry.
func PartyURI(gln string) string { return "https://id.gs1.org/417/" + gln }

// Serial returns s in the world's namespace: serials and lots of different
// worlds never collide.
func (w *World) Serial(s string) string { return w.ns + s }

// EPC is the SGTIN URN of a serial of GTIN.
func EPC(serial string) string { return "urn:epc:id:sgtin:0312345.067890." + serial }

// event returns an event of the given kind, each with a distinct time.
func (w *World) event(typ epcis.EventType, action epcis.Action, step, disposition string, epcs ...string) epcis.Event {
	t := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(w.minute.Add(1)) * time.Minute)
	return epcis.Event{Type: typ, Action: action, BizStep: step, Disposition: disposition,
		EventTime: t, EventTimeZoneOffset: "+00:00", EPCList: epcs}
}

// Capture submits events as org.
func (w *World) Capture(org string, events ...epcis.Event) ledger.Receipt {
	w.T.Helper()
	raw, err := json.Marshal(events)
	if err != nil {
		w.T.Fatal(err)
	}
	return w.Submit(org, ledger.Transaction{Function: chaincode.FnCapture, Transient: map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}})
}

func epcs(serials []string) []string {
	out := make([]string, len(serials))
	for i, s := range serials {
		out[i] = EPC(s)
	}
	return out
}

// Commission commissions serials of GTIN in lot (expiry 2099-12-31) as the
// manufacturer.
func (w *World) Commission(lot string, serials ...string) ledger.Receipt {
	w.T.Helper()
	return w.CommissionExpiring(lot, "2099-12-31", serials...)
}

// CommissionExpiring commissions serials of GTIN in lot with an expiry date
// (YYYY-MM-DD) as the manufacturer.
func (w *World) CommissionExpiring(lot, expiry string, serials ...string) ledger.Receipt {
	w.T.Helper()
	e := w.event(epcis.ObjectEventType, epcis.ActionAdd, "commissioning", "active", epcs(serials)...)
	e.ILMD = []epcis.Element{
		{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot},
		{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: expiry},
	}
	return w.Capture(Manufacturer, e)
}

// ShipEvent is a shipping event of serials to the owner of toGLN.
func (w *World) ShipEvent(toGLN string, serials ...string) epcis.Event {
	e := w.event(epcis.ObjectEventType, epcis.ActionObserve, "shipping", "in_transit", epcs(serials)...)
	e.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: PartyURI(toGLN)}}
	return e
}

// Ship ships serials from org to the owner of toGLN.
func (w *World) Ship(org, toGLN string, serials ...string) ledger.Receipt {
	w.T.Helper()
	return w.Capture(org, w.ShipEvent(toGLN, serials...))
}

// Receive receives serials shipped to org.
func (w *World) Receive(org string, serials ...string) ledger.Receipt {
	w.T.Helper()
	return w.Capture(org, w.event(epcis.ObjectEventType, epcis.ActionObserve, "receiving", "active", epcs(serials)...))
}

// Dispense dispenses serials held by org.
func (w *World) Dispense(org string, serials ...string) ledger.Receipt {
	w.T.Helper()
	return w.Capture(org, w.event(epcis.ObjectEventType, epcis.ActionObserve, "dispensing", "dispensed", epcs(serials)...))
}

// Recall recalls a lot as the manufacturer.
func (w *World) Recall(lot string) ledger.Receipt {
	w.T.Helper()
	return w.Submit(Manufacturer, ledger.Transaction{Function: chaincode.FnRecallLot, Args: []string{GTIN, lot, "test recall"}})
}

// Flag moves a serial's investigation state as org.
func (w *World) Flag(org, serial string, state chaincode.Investigation) ledger.Receipt {
	w.T.Helper()
	return w.Submit(org, ledger.Transaction{Function: chaincode.FnSetInvestigation, Args: []string{EPC(serial), string(state)}})
}

// Distribute commissions serials in lot and moves them manufacturer ->
// wholesaler -> pharmacy, each received.
func (w *World) Distribute(lot string, serials ...string) {
	w.T.Helper()
	w.Commission(lot, serials...)
	w.Deliver(serials...)
}

// Deliver moves commissioned serials manufacturer -> wholesaler ->
// pharmacy, each received.
func (w *World) Deliver(serials ...string) {
	w.T.Helper()
	w.Ship(Manufacturer, WholesalerGLN, serials...)
	w.Receive(Wholesaler, serials...)
	w.Ship(Wholesaler, PharmacyGLN, serials...)
	w.Receive(Pharmacy, serials...)
}

// ReadSerial reads a serial's record from the ledger.
func (w *World) ReadSerial(serial string) chaincode.SerialRecord {
	w.T.Helper()
	raw, err := w.Ledger.Evaluate(context.Background(), Regulator, chaincode.FnReadSerial, EPC(serial))
	if err != nil {
		w.T.Fatalf("read serial %s: %v", serial, err)
	}
	var s chaincode.SerialRecord
	if err := json.Unmarshal(raw, &s); err != nil {
		w.T.Fatal(err)
	}
	return s
}

// Eventually polls cond until it holds, failing the test after a generous
// bound (a safety net for a broken implementation, not a timing assertion).
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package chaincode_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// The test consortium: the four demo organisations and an unlicensed one.
const (
	mfr   = "ManufacturerMSP"
	whs   = "WholesalerMSP"
	pharm = "PharmacyMSP"
	reg   = "RegulatorMSP"
	rogue = "RogueMSP" // licence expired

	mfrGLN   = "0312345000004"
	whsGLN   = "0388888000009"
	pharmGLN = "0377777000008"
	regGLN   = "0366666000007"
	rogueGLN = "0355555000006"

	gtin       = "00312345678906"                     // company prefix 0312345 (ManufacturerMSP)
	foreignEPC = "urn:epc:id:sgtin:0399999.012345.X1" // prefix nobody owns
	sscc1      = "urn:epc:id:sscc:0312345.1000000001"
	sscc2      = "urn:epc:id:sscc:0312345.1000000002"
	sscc3      = "urn:epc:id:sscc:0312345.2000000003"
	whsSSCC    = "urn:epc:id:sscc:0388888.1000000001" // company prefix 0388888 (WholesalerMSP)
)

var start = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func sgtin(serial string) string { return "urn:epc:id:sgtin:0312345.067890." + serial }
func sgtinDL(serial string) string {
	return "https://id.gs1.org/01/" + gtin + "/21/" + serial
}

func partners() []chaincode.Partner {
	lic := func(exp time.Time) []chaincode.License {
		return []chaincode.License{{Authority: "FDA", Number: "L-1", Expiry: exp}}
	}
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	return []chaincode.Partner{
		{ID: mfr, Name: "Acme Pharma", Roles: []chaincode.Role{chaincode.RoleManufacturer}, GLNs: []string{mfrGLN}, CompanyPrefixes: []string{"0312345"}, Licenses: lic(far)},
		{ID: whs, Name: "Big Wholesale", Roles: []chaincode.Role{chaincode.RoleWholesaler}, GLNs: []string{whsGLN}, CompanyPrefixes: []string{"0388888"}, Licenses: lic(far)},
		{ID: pharm, Name: "Corner Pharmacy", Roles: []chaincode.Role{chaincode.RoleDispenser}, GLNs: []string{pharmGLN}, Licenses: lic(far)},
		{ID: reg, Name: "FDA", Roles: []chaincode.Role{chaincode.RoleRegulator}, GLNs: []string{regGLN}},
		{ID: rogue, Name: "Lapsed Inc", Roles: []chaincode.Role{chaincode.RoleWholesaler}, GLNs: []string{rogueGLN}, Licenses: lic(start.Add(-time.Hour))},
	}
}

// newLedger returns an in-memory ledger with every test partner registered.
func newLedger(t testing.TB) *chaincodetest.Memory {
	t.Helper()
	m := chaincodetest.New(chaincode.Invoke, start)
	for _, p := range partners() {
		register(t, m, p)
	}
	return m
}

// register writes p as its own record and has the regulator attest what it
// claims (licences, company prefixes, GLNs).
func register(t testing.TB, m *chaincodetest.Memory, p chaincode.Partner) {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(p.ID, chaincode.FnPutPartner, nil, string(b)); err != nil {
		t.Fatalf("register %s: %v", p.ID, err)
	}
	attest(t, m, p.ID, p.Claims())
}

// attest records the regulator's attestation a of msp.
func attest(t testing.TB, m *chaincodetest.Memory, msp string, a chaincode.Attestation) {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(reg, chaincode.FnAttestPartner, nil, msp, string(b)); err != nil {
		t.Fatalf("attest %s: %v", msp, err)
	}
}

func ev(typ epcis.EventType, action epcis.Action, step string) epcis.Event {
	return epcis.Event{Type: typ, Action: action, BizStep: step, EventTime: start, EventTimeZoneOffset: "+00:00"}
}

func commissionEv(lot, expiry string, epcs ...string) epcis.Event {
	e := ev(epcis.ObjectEventType, epcis.ActionAdd, "commissioning")
	e.EPCList = epcs
	e.Disposition = "active"
	if lot != "" {
		e.ILMD = append(e.ILMD, epcis.Element{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot})
	}
	if expiry != "" {
		e.ILMD = append(e.ILMD, epcis.Element{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: expiry})
	}
	return e
}

func packEv(parent string, children ...string) epcis.Event {
	e := ev(epcis.AggregationEventType, epcis.ActionAdd, "packing")
	e.ParentID, e.ChildEPCs = parent, children
	return e
}

func unpackEv(parent string, children ...string) epcis.Event {
	e := ev(epcis.AggregationEventType, epcis.ActionDelete, "unpacking")
	e.ParentID, e.ChildEPCs = parent, children
	return e
}

// shipEv ships epcs to the owning party to: a party identifier (URN or
// Digital Link), or a bare 13-digit GLN, which is written as a PGLN Digital
// Link (EPCIS needs a URI).
func shipEv(to string, epcs ...string) epcis.Event {
	e := ev(epcis.ObjectEventType, epcis.ActionObserve, "shipping")
	e.EPCList, e.Disposition = epcs, "in_transit"
	e.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: partyURI(to)}}
	return e
}

// partyURI writes a bare GLN as a PGLN Digital Link; anything else is
// returned as it is.
func partyURI(gln string) string {
	if len(gln) == 13 && !strings.Contains(gln, ":") {
		return "https://id.gs1.org/417/" + gln
	}
	return gln
}

func stepEv(step string, epcs ...string) epcis.Event {
	e := ev(epcis.ObjectEventType, epcis.ActionObserve, step)
	e.EPCList = epcs
	return e
}

// at returns a copy of e with a distinct event time (so a distinct hash ID).
func at(e epcis.Event, minute int) epcis.Event {
	e.EventTime = start.Add(time.Duration(minute) * time.Minute)
	return e
}

// transient is the transient map of a Capture of events and t3, with a new
// salt.
func transient(t *testing.T, events []epcis.Event, t3 []chaincode.T3) map[string][]byte {
	t.Helper()
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	tr := map[string][]byte{chaincode.TransientEvents: b, chaincode.TransientSalt: chaincode.NewSalt()}
	if t3 != nil {
		if tr[chaincode.TransientT3], err = json.Marshal(t3); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func capture(t *testing.T, m *chaincodetest.Memory, org string, events ...epcis.Event) (chaincode.CaptureResult, error) {
	t.Helper()
	return captureT3(t, m, org, nil, events...)
}

func captureT3(t *testing.T, m *chaincodetest.Memory, org string, t3 []chaincode.T3, events ...epcis.Event) (chaincode.CaptureResult, error) {
	t.Helper()
	return captureWith(t, m, org, transient(t, events, t3))
}

// captureWith submits a Capture of the transient map tr.
func captureWith(t *testing.T, m *chaincodetest.Memory, org string, tr map[string][]byte) (chaincode.CaptureResult, error) {
	t.Helper()
	var res chaincode.CaptureResult
	out, err := m.Submit(org, chaincode.FnCapture, tr)
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("decode capture result: %v", err)
	}
	return res, nil
}

func mustCapture(t *testing.T, m *chaincodetest.Memory, org string, events ...epcis.Event) chaincode.CaptureResult {
	t.Helper()
	res, err := capture(t, m, org, events...)
	if err != nil {
		t.Fatalf("capture as %s: %v", org, err)
	}
	return res
}

// wantRule asserts that err is a RuleError with code and rule (and, when
// index >= 0, that event index).
func wantRule(t *testing.T, err error, code, rule string, index int) *chaincode.RuleError {
	t.Helper()
	if err == nil {
		t.Fatalf("want refusal %s/%s, got success", code, rule)
	}
	var re *chaincode.RuleError
	if !errors.As(err, &re) {
		t.Fatalf("want *RuleError, got %T %v", err, err)
	}
	if re.Code != code || re.Rule != rule {
		t.Fatalf("want %s/%s, got %s", code, rule, re.Error())
	}
	if index >= 0 && (re.EventIndex == nil || *re.EventIndex != index) {
		t.Fatalf("want event index %d, got %s", index, re.Error())
	}
	return re
}

func serialOf(t *testing.T, m *chaincodetest.Memory, epc string) chaincode.SerialRecord {
	t.Helper()
	out, err := m.Evaluate(mfr, chaincode.FnReadSerial, epc)
	if err != nil {
		t.Fatalf("read %s: %v", epc, err)
	}
	var s chaincode.SerialRecord
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func lotOf(t *testing.T, m *chaincodetest.Memory, lot string) chaincode.LotStatus {
	t.Helper()
	out, err := m.Evaluate(mfr, chaincode.FnReadLot, gtin, lot)
	if err != nil {
		t.Fatalf("read lot %s: %v", lot, err)
	}
	var l chaincode.LotStatus
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func verify(t *testing.T, m *chaincodetest.Memory, org string, req chaincode.VerifyRequest) (chaincode.VerifyResult, error) {
	t.Helper()
	b, _ := json.Marshal(req)
	out, err := m.Evaluate(org, chaincode.FnVerify, string(b))
	var r chaincode.VerifyResult
	if err == nil {
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatal(err)
		}
	}
	return r, err
}

func lastEvent(t *testing.T, m *chaincodetest.Memory) *chaincode.ChaincodeEvent {
	t.Helper()
	if len(m.Events) == 0 {
		t.Fatal("no chaincode event")
	}
	e := m.Events[len(m.Events)-1]
	if e.Name != chaincode.EventName {
		t.Fatalf("event name %q", e.Name)
	}
	ce, err := chaincode.DecodeEvent(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return ce
}

func serials(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = sgtin(fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func epcisQuantity(class string) epcis.QuantityElement { return epcis.QuantityElement{EPCClass: class} }

package chaincode_test

import (
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// TestILMDGivenOnce: a commissioning (or repackaging) whose ILMD gives the
// lot or the expiry date more than once, or as a structure, is refused
// (ilmd-repeated, ilmd-not-text), naming the event and the field: the
// ledger would keep one value, and the package would verify with that lot
// and not with the other.
func TestILMDGivenOnce(t *testing.T) {
	a := sgtin("I1")
	const mda = "urn:epcglobal:cbv:mda"
	lot := func(text string) epcis.Element { return epcis.Element{Space: mda, Local: "lotNumber", Text: text} }
	expiry := func(text string) epcis.Element {
		return epcis.Element{Space: mda, Local: "itemExpirationDate", Text: text}
	}
	with := func(e epcis.Event, ilmd ...epcis.Element) epcis.Event {
		e.ILMD = ilmd
		return e
	}
	commission := commissionEv("", "", a)
	repackage := transformEv("", "", nil, []string{sgtin("I2")})
	tests := []struct {
		name  string
		event epcis.Event
		rule  string
		field string
	}{
		{"two lots", with(commission, lot("A"), lot("B"), expiry("2027-03-31")), "ilmd-repeated", "lotNumber"},
		{"the same lot twice", with(commission, lot("A"), expiry("2027-03-31"), lot("A")), "ilmd-repeated", "lotNumber"},
		{"two lots, one in the web namespace", with(commission, lot("A"), epcis.Element{Space: "https://ref.gs1.org/cbv/mda/", Local: "lotNumber", Text: "B"}, expiry("2027-03-31")), "ilmd-repeated", "lotNumber"},
		{"two expiry dates", with(commission, lot("A"), expiry("2027-03-31"), expiry("2028-03-31")), "ilmd-repeated", "itemExpirationDate"},
		{"a lot that is a structure", with(commission, epcis.Element{Space: mda, Local: "lotNumber", Children: []epcis.Element{lot("A")}}, expiry("2027-03-31")), "ilmd-not-text", "lotNumber"},
		{"repackaging outputs with two lots", with(repackage, lot("A"), lot("B"), expiry("2027-03-31")), "ilmd-repeated", "lotNumber"},
		{"repackaging outputs with two expiry dates", with(repackage, lot("A"), expiry("2027-03-31"), expiry("2028-03-31")), "ilmd-repeated", "itemExpirationDate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			before := snapshot(m)
			_, err := capture(t, m, mfr, commissionEv("L0", "2027-03-31", sgtin("I0")), tc.event)
			re := wantRule(t, err, chaincode.CodeInvalid, tc.rule, 1)
			if !strings.Contains(re.Detail, "cbvmda:"+tc.field) {
				t.Errorf("the refusal does not name cbvmda:%s: %s", tc.field, re.Detail)
			}
			if snapshot(m) != before {
				t.Error("the refused transaction changed the ledger")
			}
		})
	}
}

// TestILMDGivenOnceDecoded: the repeated lot as the EPCIS decoders give it
// to the chaincode: a JSON-LD array or key given twice, XML elements given
// twice. A one-value array is one lot.
func TestILMDGivenOnceDecoded(t *testing.T) {
	jsonDoc := func(ilmd string) string {
		return `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-01T12:00:00Z",` +
			`"epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-11-01T12:00:00Z","eventTimeZoneOffset":"+00:00",` +
			`"epcList":["urn:epc:id:sgtin:0312345.067890.J1"],"action":"ADD","bizStep":"commissioning","disposition":"active","ilmd":` + ilmd + `}]}}`
	}
	xmlDoc := func(ilmd string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:cbvmda="urn:epcglobal:cbv:mda" schemaVersion="2.0" creationDate="2026-11-01T12:00:00Z">` +
			`<EPCISBody><EventList><ObjectEvent><eventTime>2026-11-01T12:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>` +
			`<epcList><epc>urn:epc:id:sgtin:0312345.067890.J1</epc></epcList><action>ADD</action><bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>` +
			`<ilmd>` + ilmd + `</ilmd></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`
	}
	tests := []struct {
		name string
		doc  string
		xml  bool
		rule string // "": accepted
	}{
		{"JSON-LD array of two lots", jsonDoc(`{"cbvmda:lotNumber":["A","B"],"cbvmda:itemExpirationDate":"2027-03-31"}`), false, "ilmd-repeated"},
		{"JSON-LD lot key twice", jsonDoc(`{"cbvmda:lotNumber":"A","cbvmda:lotNumber":"B","cbvmda:itemExpirationDate":"2027-03-31"}`), false, "ilmd-repeated"},
		{"JSON-LD array of two expiry dates", jsonDoc(`{"cbvmda:lotNumber":"A","cbvmda:itemExpirationDate":["2027-03-31","2028-03-31"]}`), false, "ilmd-repeated"},
		{"JSON-LD lot as an object", jsonDoc(`{"cbvmda:lotNumber":{"cbvmda:lotNumber":"A"},"cbvmda:itemExpirationDate":"2027-03-31"}`), false, "ilmd-not-text"},
		{"XML lot element twice", xmlDoc(`<cbvmda:lotNumber>A</cbvmda:lotNumber><cbvmda:lotNumber>B</cbvmda:lotNumber><cbvmda:itemExpirationDate>2027-03-31</cbvmda:itemExpirationDate>`), true, "ilmd-repeated"},
		{"XML expiry element twice", xmlDoc(`<cbvmda:lotNumber>A</cbvmda:lotNumber><cbvmda:itemExpirationDate>2027-03-31</cbvmda:itemExpirationDate><cbvmda:itemExpirationDate>2028-03-31</cbvmda:itemExpirationDate>`), true, "ilmd-repeated"},
		{"JSON-LD array of one lot", jsonDoc(`{"cbvmda:lotNumber":["A"],"cbvmda:itemExpirationDate":"2027-03-31"}`), false, ""},
		{"XML lot once", xmlDoc(`<cbvmda:lotNumber>A</cbvmda:lotNumber><cbvmda:itemExpirationDate>2027-03-31</cbvmda:itemExpirationDate>`), true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			decode := epcis.DecodeJSON
			if tc.xml {
				decode = epcis.DecodeXML
			}
			doc, err := decode(strings.NewReader(tc.doc))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			m := newLedger(t)
			_, err = capture(t, m, mfr, doc.Events...)
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("capture: %v", err)
				}
				if s := serialOf(t, m, "urn:epc:id:sgtin:0312345.067890.J1"); s.Lot != "A" || s.Expiry != "2027-03-31" {
					t.Fatalf("commissioned with lot %q, expiry %q", s.Lot, s.Expiry)
				}
				return
			}
			wantRule(t, err, chaincode.CodeInvalid, tc.rule, 0)
			if _, err := m.Evaluate(mfr, chaincode.FnReadSerial, "urn:epc:id:sgtin:0312345.067890.J1"); err == nil {
				t.Fatal("the refused capture commissioned the serial")
			}
		})
	}
}

package chaincode_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"rxledger/internal/testenv"
	"slices"
	"testing"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
	"rxledger/epcis/gs1"
)

// TestGS1USPharmaExample runs the GS1 US Implementation Guideline's direct
// purchase example (EPCIS 1.2 XML: commissioning of items and SGTIN cases,
// packing into cases and an SSCC pallet, shipping with SGLN owning parties)
// through the rules, then the wholesaler's receipt.
func TestGS1USPharmaExample(t *testing.T) {
	path := testenv.Testdata(t, "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := epcis.DecodeXML(f)
	if err != nil {
		t.Fatalf("decode example: %v", err)
	}

	m := chaincodetest.New(chaincode.Invoke, start)
	gln := func(sgln string) string {
		g, err := chaincode.ParseGLN(sgln)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	for _, p := range []chaincode.Partner{
		{ID: mfr, Name: "Example MFG", Roles: []chaincode.Role{chaincode.RoleManufacturer}, CompanyPrefixes: []string{"030001"},
			GLNs: []string{gln("urn:epc:id:sgln:030001.111111.0"), gln("urn:epc:id:sgln:030001.111121.0")}, Licenses: partners()[0].Licenses},
		{ID: whs, Name: "Example Wholesaler", Roles: []chaincode.Role{chaincode.RoleWholesaler}, CompanyPrefixes: []string{"039999"},
			GLNs: []string{gln("urn:epc:id:sgln:039999.999999.0"), gln("urn:epc:id:sgln:039999.345678.0")}, Licenses: partners()[0].Licenses},
	} {
		register(t, m, p)
	}

	res, err := capture(t, m, mfr, doc.Events...)
	if err != nil {
		t.Fatalf("capture the example: %v", err)
	}
	if len(res.Events) != len(doc.Events) || len(doc.Events) != 8 {
		t.Fatalf("%d events captured of %d", len(res.Events), len(doc.Events))
	}
	ce := lastEvent(t, m)
	if len(ce.AllSerials()) != 15 || len(ce.Containers) != 1 {
		t.Fatalf("event: %d serials, %d containers", len(ce.AllSerials()), len(ce.Containers))
	}
	if p := ce.Events[7].Parties; !slices.Equal(p, []string{mfr, whs}) {
		t.Fatalf("shipping parties %v", p)
	}
	item := "urn:epc:id:sgtin:030001.0012345.11"
	s := serialOf(t, m, item)
	if s.Lot != "A123" || s.Expiry != "2025-03-27" || s.Status != chaincode.StatusInTransit || s.ShipTo != whs {
		t.Fatalf("item after shipping: %+v", s)
	}
	var pallet chaincode.ContainerContents
	raw, err := m.Evaluate(mfr, chaincode.FnReadContainer, "urn:epc:id:sscc:030001.41234567890")
	if err != nil || json.Unmarshal(raw, &pallet) != nil {
		t.Fatalf("read pallet: %v", err)
	}
	if len(pallet.Container.Children) != 3 || len(pallet.Contents) != 15 {
		t.Fatalf("pallet holds %d cases, %d items in all", len(pallet.Container.Children), len(pallet.Contents))
	}
	// Items gives the hierarchy: three cases on the pallet, each holding
	// units of lot A123 that hold nothing.
	palletDL := "https://id.gs1.org/00/" + pallet.Container.SSCC
	units := map[string]int{}
	for i, it := range pallet.Items {
		if it.ID != pallet.Contents[i] {
			t.Fatalf("items[%d] is %s, contents[%d] %s", i, it.ID, i, pallet.Contents[i])
		}
		switch {
		case slices.Contains(pallet.Container.Children, it.ID):
			if !it.Packs || it.Parent != palletDL {
				t.Fatalf("case %+v", it)
			}
		case it.Packs || it.Lot != "A123" || it.Expiry != "2025-03-27" || !slices.Contains(pallet.Container.Children, it.Parent):
			t.Fatalf("unit %+v", it)
		default:
			units[it.Parent]++
		}
	}
	if len(units) != 3 || units[pallet.Container.Children[0]] != 4 {
		t.Fatalf("units by case: %v", units)
	}

	mustCapture(t, m, whs, stepEv("receiving", "urn:epc:id:sscc:030001.41234567890"))
	if s := serialOf(t, m, item); s.Owner != whs || s.Seller != mfr || s.Parent == "" {
		t.Fatalf("item after receipt: %+v", s)
	}
	r, err := verify(t, m, whs, chaincode.VerifyRequest{GTIN: s.GTIN, Serial: "11", Lot: "A123", Expiry: "250327"})
	if err != nil || !r.Verified || r.AdditionalInfo != chaincode.InfoExpired {
		t.Fatalf("verify the example's item: %+v %v", r, err)
	}
	// Capturing the document again changes nothing, even with every
	// identifier rewritten as a Digital Link: the GS1 hash ID is the same.
	again := mustCapture(t, m, mfr, toDigitalLinks(t, doc.Events)...)
	for i, e := range again.Events {
		if !e.Duplicate || e.HashID != res.Events[i].HashID {
			t.Fatalf("event %d not recognised as a duplicate: %+v", i, e)
		}
	}
}

// TestGS1USPharmaExampleDigitalLink captures the example with Digital Link
// identifiers throughout and gets the same state as with URNs.
func TestGS1USPharmaExampleDigitalLink(t *testing.T) {
	path := testenv.Testdata(t, "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := epcis.DecodeXML(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("decode example: %v", err)
	}
	states := map[string]string{}
	for _, form := range []string{"urn", "dl"} {
		m := chaincodetest.New(chaincode.Invoke, start)
		for _, p := range []chaincode.Partner{
			{ID: mfr, Name: "MFG", Roles: []chaincode.Role{chaincode.RoleManufacturer}, CompanyPrefixes: []string{"030001"}, GLNs: []string{"0300011111116"}, Licenses: partners()[0].Licenses},
			{ID: whs, Name: "W", Roles: []chaincode.Role{chaincode.RoleWholesaler}, GLNs: []string{"0399999999991"}, Licenses: partners()[0].Licenses},
		} {
			register(t, m, p)
		}
		events := doc.Events
		if form == "dl" {
			events = toDigitalLinks(t, events)
		}
		mustCapture(t, m, mfr, events...)
		var s string
		serials := m.Serials()
		for _, k := range slices.Sorted(maps.Keys(serials)) {
			s += k + "=" + serials[k] + "\n"
		}
		for _, k := range m.Keys("sscc~") {
			s += k + "=" + string(m.GetState(k)) + "\n"
		}
		states[form] = s
	}
	if states["urn"] != states["dl"] || states["urn"] == "" {
		t.Fatalf("URN and Digital Link captures differ:\n%s\n%s", states["urn"], states["dl"])
	}
}

// toDigitalLinks rewrites the instance identifiers and source/destination
// identifiers of events into GS1 Digital Link URIs.
func toDigitalLinks(t *testing.T, events []epcis.Event) []epcis.Event {
	t.Helper()
	dl := func(s string) string {
		if s == "" {
			return s
		}
		out, err := gs1.EPCToDigitalLink(s)
		if err != nil {
			t.Fatalf("to digital link %q: %v", s, err)
		}
		return out
	}
	out := make([]epcis.Event, len(events))
	for i, e := range events {
		e.EPCList = slices.Clone(e.EPCList)
		for j := range e.EPCList {
			e.EPCList[j] = dl(e.EPCList[j])
		}
		e.ChildEPCs = slices.Clone(e.ChildEPCs)
		for j := range e.ChildEPCs {
			e.ChildEPCs[j] = dl(e.ChildEPCs[j])
		}
		e.ParentID = dl(e.ParentID)
		e.DestinationList = slices.Clone(e.DestinationList)
		for j := range e.DestinationList {
			e.DestinationList[j].Value = dl(e.DestinationList[j].Value)
		}
		e.SourceList = slices.Clone(e.SourceList)
		for j := range e.SourceList {
			e.SourceList[j].Value = dl(e.SourceList[j].Value)
		}
		out[i] = e
	}
	return out
}

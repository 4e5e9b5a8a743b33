package chaincode_test

import (
	"encoding/json"
	"slices"
	"testing"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// TestIdentifierFormsInCapture: the rules treat an SGTIN, an SSCC and a
// party or location GLN the same whether an event writes it as an EPC URN or
// as a GS1 Digital Link (on id.gs1.org or another domain), mixing forms
// within one custody chain. Each destination form ships to the wholesaler.
func TestIdentifierFormsInCapture(t *testing.T) {
	const (
		ssccDL   = "https://id.gs1.org/00/103123450000000018" // = sscc1
		ownDLDom = "https://dl.example.com/p/01/00312345678906/21/A%2FB"
	)
	urnItem := "urn:epc:id:sgtin:0312345.067890.A%2FB" // serial "A/B"
	destinations := []struct {
		name, value, kind string
	}{
		{"PGLN URN owning party", "urn:epc:id:pgln:0388888.00000", "owning_party"},
		{"PGLN Digital Link owning party", "https://id.gs1.org/417/" + whsGLN, "owning_party"},
		{"SGLN URN location", "urn:epc:id:sgln:0388888.00000.0", "location"},
		{"SGLN URN location with extension", "urn:epc:id:sgln:0388888.00000.dock7", "location"},
		{"GLN Digital Link location", "https://id.gs1.org/414/" + whsGLN, "location"},
		{"GLN Digital Link location with extension", "https://id.gs1.org/414/" + whsGLN + "/254/7", "location"},
	}
	for i, d := range destinations {
		t.Run(d.name, func(t *testing.T) {
			m := newLedger(t)
			mustCapture(t, m, mfr,
				commissionEv("L1", "2027-03-31", urnItem, sgtinDL("B2")),
				commissionEv("", "", ssccDL),
				packEv(sscc1, ownDLDom, sgtin("B2")),
			)
			ship := at(shipEv(whsGLN, ssccDL), i+1)
			ship.DestinationList = []epcis.SourceDest{{Type: d.kind, Value: d.value}}
			ship.SourceList = []epcis.SourceDest{{Type: "owning_party", Value: "urn:epc:id:pgln:0312345.00000"}}
			res := mustCapture(t, m, mfr, ship)
			if ce := lastEvent(t, m); !slices.Equal(ce.Events[0].Parties, []string{mfr, whs}) {
				t.Fatalf("shipping parties %v", ce.Events[0].Parties)
			}
			if m.PrivateData(chaincode.ImplicitCollection(whs), "evt~"+res.Events[0].HashID) == nil {
				t.Fatal("the addressee got no copy of the shipping event")
			}
			mustCapture(t, m, whs, at(stepEv("receiving", sscc1), i+2))
			for epc, serial := range map[string]string{urnItem: "A/B", ownDLDom: "A/B", sgtinDL("A%2FB"): "A/B", sgtin("B2"): "B2", sgtinDL("B2"): "B2"} {
				if s := serialOf(t, m, epc); s.Owner != whs || s.GTIN != gtin || s.Serial != serial || s.Parent != ssccDL {
					t.Fatalf("%s: %+v", epc, s)
				}
			}
			var byURN, byDL chaincode.ContainerContents
			for epc, out := range map[string]*chaincode.ContainerContents{sscc1: &byURN, ssccDL: &byDL} {
				raw, err := m.Evaluate(whs, chaincode.FnReadContainer, epc)
				if err != nil || json.Unmarshal(raw, out) != nil {
					t.Fatalf("read container %s: %s %v", epc, raw, err)
				}
			}
			want := []string{sgtinDL("A%2FB"), sgtinDL("B2")}
			if !slices.Equal(byURN.Contents, want) || !slices.Equal(byDL.Contents, want) || byDL.Container.Owner != whs {
				t.Fatalf("contents by URN %v, by Digital Link %v, want %v", byURN.Contents, byDL.Contents, want)
			}
			hURN, err1 := m.Evaluate(reg, chaincode.FnHistory, urnItem)
			hDL, err2 := m.Evaluate(reg, chaincode.FnHistory, ownDLDom)
			if err1 != nil || err2 != nil || string(hURN) != string(hDL) {
				t.Fatalf("history by URN and by Digital Link differ: %v %v", err1, err2)
			}
		})
	}
}

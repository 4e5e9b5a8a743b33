package ingest_test

import (
	"encoding/json"
	"os"
	"rxledger/internal/testenv"
	"slices"
	"testing"

	"rxledger/chaincode"
)

// TestGS1USPharmaExample captures the GS1 US guideline's DSCSA example
// (EPCIS 1.2 XML) over HTTP: the job succeeds, the shipment's transaction
// information derived from the document reaches the buyer, and the events
// are found by the pallet and visible to the wholesaler it was shipped to.
func TestGS1USPharmaExample(t *testing.T) {
	path := testenv.Testdata(t, "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, true, nil)
	j := e.mustCapture(mfr, "text/xml", raw)
	if j.Format != "EPCIS 1.2 XML" || j.EventCount != 8 || j.Duplicates != 0 || len(j.T3) != 1 {
		t.Fatalf("job %+v", j)
	}

	out, err := e.l.Evaluate(t.Context(), whs, chaincode.FnReadT3, j.T3[0])
	if err != nil {
		t.Fatalf("the buyer reads the transaction information: %v", err)
	}
	var t3 chaincode.T3
	if err := json.Unmarshal(out, &t3); err != nil {
		t.Fatal(err)
	}
	if t3.Seller != mfr || t3.Buyer != whs || t3.TransactionDate != "2023-04-01" || t3.PONumber != "urn:epcglobal:cbv:bt:0399999999991:XYZPO189" ||
		t3.SellerName != "GS1 Pharma" || t3.BuyerName != "GS1 Drug Distributor" || t3.Statement == "" {
		t.Fatalf("transaction information %+v", t3)
	}
	if len(t3.Products) != 1 {
		t.Fatalf("products %+v", t3.Products)
	}
	p := t3.Products[0]
	if p.Quantity != 12 || p.Lot != "A123" || p.NDC != "0001-0123-45" || p.Name != "Epcistra" || p.GTIN == "" || len(p.Serials) != 12 {
		t.Fatalf("product line %+v", p)
	}

	pallet := "urn:epc:id:sscc:030001.41234567890"
	all, _ := e.query(reg, "")
	if len(all) != 8 {
		t.Fatalf("regulator sees %d events, want 8", len(all))
	}
	byPallet, _ := e.query(mfr, "MATCH_anyEPC="+pallet)
	ship, _ := e.query(whs, "EQ_bizStep=shipping")
	if len(byPallet) < 2 || len(ship) != 1 || !slices.Contains(idsOf(byPallet), ship[0].EventID) {
		t.Fatalf("by pallet %v; wholesaler's shipping events %v", idsOf(byPallet), idsOf(ship))
	}
	// Capturing the example again adds nothing.
	again := e.mustCapture(mfr, "application/xml", raw)
	if !again.Success || again.Duplicates != 8 || len(again.T3) != 1 || again.T3[0] != j.T3[0] {
		t.Fatalf("recapture job %+v", again)
	}
	if all2, _ := e.query(reg, ""); len(all2) != 8 {
		t.Fatalf("%d events after recapture", len(all2))
	}
}

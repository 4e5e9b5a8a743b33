package epcis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExtractT3GS1USPharmaExample(t *testing.T) {
	d := mustDecodeXMLFile(t, "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
	t3, err := ExtractT3(d)
	if err != nil {
		t.Fatal(err)
	}
	ti := t3.Information

	t.Run("dates", func(t *testing.T) {
		// The shipping event is 2023-04-01T07:48:16Z recorded at -05:00.
		xmlEqual(t, "transaction date", ti.TransactionDate, "2023-04-01")
		xmlEqual(t, "shipment date", ti.ShipmentDate, "2023-04-01")
	})
	t.Run("seller and buyer", func(t *testing.T) {
		xmlEqual(t, "seller", ti.Seller, Party{ID: "urn:epc:id:sgln:030001.111111.0", Name: "GS1 Pharma", Address: Address{
			Street1: "1 Biopharm Ct", Street2: "Suite A", City: "Thousand Oaks", State: "CA", PostalCode: "91320", CountryCode: "US"}})
		xmlEqual(t, "buyer", ti.Buyer, Party{ID: "urn:epc:id:sgln:039999.999999.0", Name: "GS1 Drug Distributor", Address: Address{
			Street1: "230 Park Ave S", Street2: "Room 378", City: "New York", State: "NY", PostalCode: "10003-1502", CountryCode: "US"}})
		xmlEqual(t, "ship from", ti.ShipFrom.Name, "GS1 Pharma DC")
		xmlEqual(t, "ship from city", ti.ShipFrom.Address.City, "Westlake Village")
		xmlEqual(t, "ship to", ti.ShipTo.ID, "urn:epc:id:sgln:039999.345678.0")
		xmlEqual(t, "ship to city", ti.ShipTo.Address.City, "Louisville")
	})
	t.Run("business transactions", func(t *testing.T) {
		xmlEqual(t, "PO", ti.PurchaseOrder, "urn:epcglobal:cbv:bt:0399999999991:XYZPO189")
		xmlEqual(t, "despatch advice", ti.DespatchAdvice, "urn:epcglobal:cbv:bt:0300011111215:DEL100")
		xmlEqual(t, "invoice (none in this example)", ti.Invoice, "")
		xmlEqual(t, "all", len(ti.BizTransactions), 2)
	})
	t.Run("product line", func(t *testing.T) {
		if len(ti.Products) != 1 {
			t.Fatalf("%d product lines, want 1: %+v", len(ti.Products), ti.Products)
		}
		var ids []string
		for s := 11; s <= 22; s++ {
			ids = append(ids, fmt.Sprintf("urn:epc:id:sgtin:030001.0012345.%d", s))
		}
		xmlEqual(t, "product", ti.Products[0], ProductLine{
			ClassID:       "urn:epc:idpat:sgtin:030001.0012345.*",
			ProductName:   "Epcistra",
			Strength:      "100mg",
			DosageForm:    "PILL",
			NDC:           "0001-0123-45",
			ContainerSize: "500 pills",
			Manufacturer:  "GS1 Pharma LLC",
			Lot:           "A123",
			Expiry:        "2025-03-27",
			Containers:    12,
			Identifiers:   ids,
		})
	})
	t.Run("packing hierarchy", func(t *testing.T) {
		if len(ti.Packages) != 1 {
			t.Fatalf("%d shipped containers, want 1", len(ti.Packages))
		}
		pallet := ti.Packages[0]
		xmlEqual(t, "pallet", pallet.ID, "urn:epc:id:sscc:030001.41234567890")
		var cases []string
		for _, c := range pallet.Children {
			cases = append(cases, c.ID)
			if len(c.Children) != 4 {
				t.Errorf("case %s holds %d items, want 4", c.ID, len(c.Children))
			}
		}
		xmlEqual(t, "cases", cases, []string{"urn:epc:id:sgtin:030001.1012345.110", "urn:epc:id:sgtin:030001.1012345.111", "urn:epc:id:sgtin:030001.1012345.121"})
		xmlEqual(t, "case lot", pallet.Children[0].Lot, "A123")
		xmlEqual(t, "first item of case 121", pallet.Children[2].Children[0], Package{ID: "urn:epc:id:sgtin:030001.0012345.19", Lot: "A123", Expiry: "2025-03-27"})
	})
	t.Run("statement", func(t *testing.T) {
		xmlEqual(t, "statement", *t3.Statement, TransactionStatement{
			Affirmed:         true,
			LegalNotice:      "Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G).",
			GuidelineVersion: "GS1 US DSCSA R1.3",
		})
	})
}

// TestExtractT3Fixtures runs ExtractT3 on our own small documents (in
// testdata/t3) that cover what the GS1 example does not.
func TestExtractT3Fixtures(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, t3 *T3, err error)
	}{
		{"unpacked_and_repacked.xml", func(t *testing.T, t3 *T3, err error) {
			if err != nil {
				t.Fatal(err)
			}
			// Item 3 was unpacked from case 1 and packed into case 2; two
			// lots make two product lines; the invoice is found.
			ti := t3.Information
			xmlEqual(t, "invoice", ti.Invoice, "urn:epcglobal:cbv:bt:0300011111116:INV7")
			xmlEqual(t, "case 1 items", len(ti.Packages[0].Children), 1)
			xmlEqual(t, "case 2 items", len(ti.Packages[1].Children), 2)
			if len(ti.Products) != 2 {
				t.Fatalf("%d product lines, want 2", len(ti.Products))
			}
			xmlEqual(t, "lots", []string{ti.Products[0].Lot, ti.Products[1].Lot}, []string{"L1", "L2"})
			xmlEqual(t, "containers", []int{ti.Products[0].Containers, ti.Products[1].Containers}, []int{2, 1})
			xmlEqual(t, "NDC by type code", ti.Products[0].NDC, "12345-678-90")
			xmlEqual(t, "date in the event's zone", ti.TransactionDate, "2024-02-29")
			if t3.Statement != nil {
				t.Errorf("statement %+v, want none", t3.Statement)
			}
		}},
		{"no_shipping.xml", func(t *testing.T, _ *T3, err error) {
			if !errors.Is(err, ErrNoShipment) {
				t.Fatalf("want ErrNoShipment, got %v", err)
			}
		}},
		{"aggregation_cycle.xml", func(t *testing.T, _ *T3, err error) {
			if err == nil || !strings.Contains(err.Error(), "cycle") {
				t.Fatalf("want a cycle error, got %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, err := DecodeXML(openXMLTestFile(t, filepath.Join("testdata", "t3", tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			t3, err := ExtractT3(d)
			tt.check(t, t3, err)
		})
	}
}

func TestLocalDate(t *testing.T) {
	at := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)
	tests := []struct{ offset, want string }{
		{"-05:00", "2024-02-29"},
		{"+01:00", "2024-03-01"},
		{"", "2024-03-01"},
		{"bogus", "2024-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.offset, func(t *testing.T) {
			if got := localDate(at, tt.offset); got != tt.want {
				t.Errorf("localDate(%v, %q) = %s, want %s", at, tt.offset, got, tt.want)
			}
		})
	}
}

func TestClassCandidates(t *testing.T) {
	tests := []struct {
		epc, lot string
		want     []string
	}{
		{"urn:epc:id:sgtin:030001.0012345.11", "", []string{"urn:epc:idpat:sgtin:030001.0012345.*"}},
		{"urn:epc:id:sgtin:030001.0012345.11", "A1", []string{"urn:epc:class:lgtin:030001.0012345.A1", "urn:epc:idpat:sgtin:030001.0012345.*"}},
		{"https://id.gs1.org/01/00300010123459/21/11", "", []string{"https://id.gs1.org/01/00300010123459", "https://id.gs1.org/01/00300010123459"}},
		{"urn:epc:id:sscc:030001.41234567890", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.epc, func(t *testing.T) {
			if got := classCandidates(tt.epc, tt.lot); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestExtractT3AcrossCodecs extracts the same T3 from the GS1 US example after
// it went through the EPCIS 2.0 JSON-LD and XML encoders and back.
func TestExtractT3AcrossCodecs(t *testing.T) {
	d := mustDecodeXMLFile(t, "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
	want, err := ExtractT3(d)
	if err != nil {
		t.Fatal(err)
	}
	codecs := []struct {
		name   string
		encode func(io.Writer, *Document) error
		decode func(io.Reader) (*Document, error)
	}{
		{"JSON-LD", EncodeJSON, DecodeJSON},
		{"XML 2.0", EncodeXML, DecodeXML},
		{"XML 1.2", EncodeXML12, DecodeXML},
	}
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.encode(&buf, d); err != nil {
				t.Fatal(err)
			}
			again, err := c.decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ExtractT3(again)
			if err != nil {
				t.Fatal(err)
			}
			xmlEqual(t, "T3", got, want)
		})
	}
}

// TestT3JSONNames: transaction information encodes with the JSON names of
// an EPCIS document, and empty lists as [], not null.
func TestT3JSONNames(t *testing.T) {
	ship := Event{Type: ObjectEventType, Action: ActionObserve, BizStep: "shipping", EventTime: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		EventTimeZoneOffset: "+00:00", EPCList: []string{"urn:epc:id:sscc:0312345.1000000001"},
		BizTransactionList: []BizTransaction{{Type: "po", Value: "urn:epcglobal:cbv:bt:0312345000004:PO-1"}},
		SourceList:         []SourceDest{{Type: "owning_party", Value: "urn:epc:id:pgln:0312345.00000"}},
		DestinationList:    []SourceDest{{Type: "owning_party", Value: "urn:epc:id:pgln:0388888.00000"}}}
	t3, err := ExtractT3(&Document{SchemaVersion: "2.0", Events: []Event{ship}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(t3); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`"bizTransactions":[{"type":"po","value":"urn:epcglobal:cbv:bt:0312345000004:PO-1"}]`, `"products":[]`} {
		if !strings.Contains(out, want) {
			t.Errorf("transaction information %s lacks %s", out, want)
		}
	}
	if strings.Contains(out, `"Type"`) || strings.Contains(out, "null") {
		t.Errorf("transaction information %s has a Go field name or a null", out)
	}
}

// TestPartyKey: a party or location written as an SGLN or PGLN URN, a
// Digital Link on any host (numeric AI or short name) or a bare GLN is
// known by its GLN; anything else as written.
func TestPartyKey(t *testing.T) {
	tests := []struct{ name, id, want string }{
		{"sgln", "urn:epc:id:sgln:0388888.00000.0", "0388888000009"},
		{"sgln with extension", "urn:epc:id:sgln:0388888.00000.7", "0388888000009"},
		{"pgln", "urn:epc:id:pgln:0388888.00000", "0388888000009"},
		{"party digital link", "https://id.gs1.org/417/0388888000009", "0388888000009"},
		{"location digital link elsewhere", "https://example.com/414/0388888000009/254/7", "0388888000009"},
		{"short name", "https://example.com/gln/0388888000009", "0388888000009"},
		{"bare gln", "0388888000009", "0388888000009"},
		{"bad check digit", "https://id.gs1.org/417/0388888000001", "https://id.gs1.org/417/0388888000001"},
		{"no gln", "urn:example:party:7", "urn:example:party:7"},
		{"an item", "urn:epc:id:sgtin:0312345.067890.S1", "urn:epc:id:sgtin:0312345.067890.S1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PartyKey(tt.id); got != tt.want {
				t.Fatalf("PartyKey(%q) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}

// TestExtractT3PartyForms: shipping events naming one seller and buyer in
// different forms are one transaction; naming another buyer is refused.
func TestExtractT3PartyForms(t *testing.T) {
	ship := func(seller, buyer string) Event {
		return Event{Type: ObjectEventType, Action: ActionObserve, BizStep: "shipping", EventTime: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
			EventTimeZoneOffset: "+00:00", EPCList: []string{"urn:epc:id:sscc:0312345.1000000001"},
			SourceList:      []SourceDest{{Type: "owning_party", Value: seller}},
			DestinationList: []SourceDest{{Type: "owning_party", Value: buyer}}}
	}
	same := []Event{ship("urn:epc:id:pgln:0312345.00000", "urn:epc:id:sgln:0388888.00000.0"),
		ship("https://id.gs1.org/417/0312345000004", "https://example.com/gln/0388888000009")}
	t3, err := ExtractT3(&Document{SchemaVersion: "2.0", Events: same})
	if err != nil {
		t.Fatalf("one buyer in two forms: %v", err)
	}
	if t3.Information.Buyer.ID != "urn:epc:id:sgln:0388888.00000.0" {
		t.Fatalf("buyer %q, want the first event's", t3.Information.Buyer.ID)
	}
	other := []Event{same[0], ship("urn:epc:id:pgln:0312345.00000", "urn:epc:id:pgln:0377777.00000")}
	if _, err := ExtractT3(&Document{SchemaVersion: "2.0", Events: other}); err == nil || !strings.Contains(err.Error(), "different trading partners") {
		t.Fatalf("two buyers: %v, want different trading partners", err)
	}
}

// TestExtractTransaction reads what ExtractT3 reads but the goods.
func TestExtractTransaction(t *testing.T) {
	d := mustDecodeXMLFile(t, "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
	full, err := ExtractT3(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ExtractTransaction(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Information.Products) != 0 || len(got.Information.Packages) != 0 || len(full.Information.Products) == 0 {
		t.Fatalf("goods %+v, %+v (ExtractT3: %d products)", got.Information.Products, got.Information.Packages, len(full.Information.Products))
	}
	full.Information.Products, full.Information.Packages = []ProductLine{}, []Package{}
	a, _ := json.Marshal(full)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Fatalf("ExtractTransaction\n%s\nExtractT3 but the goods\n%s", b, a)
	}
	if _, err := ExtractTransaction(&Document{SchemaVersion: "2.0"}); !errors.Is(err, ErrNoShipment) {
		t.Fatalf("no shipment: %v", err)
	}
}

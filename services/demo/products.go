package demo

import (
	"fmt"

	"rxledger/epcis/gs1"
)

// Product is a demo drug product: its GTIN carries its NDC.
type Product struct {
	GTIN          string `json:"gtin"`
	NDC           string `json:"ndc"`
	Name          string `json:"name"`
	Strength      string `json:"strength"`
	DosageForm    string `json:"dosageForm"`
	ContainerSize string `json:"containerSize"`
}

// Products returns the manufacturer's products. Their GTINs are the item
// level GTIN-14s of the NDCs (indicator 0, prefix 03, check digit).
func Products() []Product {
	return []Product{
		{GTIN: "00312345101015", NDC: "12345-101-01", Name: "Examplamab injection", Strength: "10 mg/mL", DosageForm: "injection, solution", ContainerSize: "1 vial"},
		{GTIN: "00312345202309", NDC: "12345-202-30", Name: "Demoprazole delayed-release capsules", Strength: "20 mg", DosageForm: "capsule", ContainerSize: "30 capsules"},
		{GTIN: "00312345303907", NDC: "12345-303-90", Name: "Samplostatin tablets", Strength: "40 mg", DosageForm: "tablet", ContainerSize: "90 tablets"},
	}
}

// Lot is a demo lot: a product's serials, commissioned together and packed
// CaseSize to a case.
type Lot struct {
	Product Product
	Number  string
	// Expiry is the expiry date, YYYY-MM-DD.
	Expiry string
	// Serials are the serial numbers, in commissioning order.
	Serials []string
	// Cases are the SSCC URNs of the lot's cases: case i holds
	// Serials[i*CaseSize:(i+1)*CaseSize].
	Cases []string
}

// CaseSize is how many packages a case holds.
const CaseSize = 20

// Lots returns the demo lots: 120 packages of the first two products and 60
// of the third (the lot that gets recalled).
func Lots() []Lot {
	ps := Products()
	spec := []struct {
		p      Product
		number string
		expiry string
		count  int
	}{
		{ps[0], "EXA2601", "2028-06-30", 120},
		{ps[1], "DMP2602", "2028-12-31", 120},
		{ps[2], "SMP2603", "2029-03-31", 60},
	}
	lots := make([]Lot, len(spec))
	for i, s := range spec {
		l := Lot{Product: s.p, Number: s.number, Expiry: s.expiry}
		for n := 1; n <= s.count; n++ {
			l.Serials = append(l.Serials, fmt.Sprintf("%d%05d", i+1, n))
		}
		for c := 1; c <= s.count/CaseSize; c++ {
			// Extension digit 0, then a 9-digit serial reference.
			l.Cases = append(l.Cases, fmt.Sprintf("urn:epc:id:sscc:%s.0%09d", CompanyPrefix, (i+1)*1000+c))
		}
		lots[i] = l
	}
	return lots
}

// EPC returns the SGTIN URN of one of the lot's serials.
func (l Lot) EPC(serial string) string {
	s, err := gs1.NewSGTIN(l.Product.GTIN, serial)
	if err != nil {
		panic(fmt.Sprintf("demo: serial %q of %s: %v", serial, l.Product.GTIN, err)) // fixed data: cannot happen
	}
	urn, err := s.EPC(len(CompanyPrefix))
	if err != nil {
		panic(fmt.Sprintf("demo: EPC of %s %s: %v", l.Product.GTIN, serial, err))
	}
	return urn
}

// EPCs returns the SGTIN URNs of serials of the lot.
func (l Lot) EPCs(serials []string) []string {
	out := make([]string, len(serials))
	for i, s := range serials {
		out[i] = l.EPC(s)
	}
	return out
}

// CaseSerials returns the serials packed in case i.
func (l Lot) CaseSerials(i int) []string { return l.Serials[i*CaseSize : (i+1)*CaseSize] }

// ExpiryYYMMDD returns the expiry as GS1 AI (17) writes it.
func (l Lot) ExpiryYYMMDD() string {
	return l.Expiry[2:4] + l.Expiry[5:7] + l.Expiry[8:10]
}

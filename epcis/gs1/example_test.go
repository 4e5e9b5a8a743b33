package gs1_test

import (
	"fmt"

	"rxledger/epcis/gs1"
)

func ExampleParseBarcode() {
	// What a scanner sends for a pharmaceutical GS1 DataMatrix: the ]d2
	// symbology identifier, then GTIN, serial, GS, expiry and lot.
	b, err := gs1.ParseBarcode("]d2010031234567890621ABC123\x1d1727033110L0042")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range b.Elements {
		fmt.Printf("(%s) %s = %s\n", e.AI, e.Title(), e.Value)
	}
	dl, _ := gs1.GenerateDigitalLink(b.Elements, "")
	fmt.Println(dl)
	// Output:
	// (01) GTIN = 00312345678906
	// (21) SERIAL = ABC123
	// (17) USE BY or EXPIRY = 270331
	// (10) BATCH/LOT = L0042
	// https://id.gs1.org/01/00312345678906/10/L0042/21/ABC123?17=270331
}

func ExampleParseBarcode_error() {
	_, err := gs1.ParseBarcode("(01)00312345678906(17)271332")
	fmt.Println(err)
	// Output:
	// gs1: (17) at position 24: illegal month
}

func ExampleEPCToDigitalLink() {
	dl, _ := gs1.EPCToDigitalLink("urn:epc:id:sgtin:0312345.067890.ABC123")
	fmt.Println(dl)
	urn, _ := gs1.DigitalLinkToEPC(dl, 7)
	fmt.Println(urn)
	// Output:
	// https://id.gs1.org/01/00312345678906/21/ABC123
	// urn:epc:id:sgtin:0312345.067890.ABC123
}

func ExampleNDC_GTIN() {
	ndc, _ := gs1.ParseNDC("12345-678-90")
	gtin, _ := ndc.GTIN('0')
	fmt.Println(ndc.Format, gtin)
	// Output:
	// 5-3-2 00312345678906
}

package gs1

import "testing"

func BenchmarkParseBarcode(b *testing.B) {
	inputs := map[string]string{
		"datamatrix": "]d2010031234567890621ABC123\x1d1727033110L0042",
		"bracketed":  "(01)00312345678906(21)ABC123(17)270331(10)L0042",
		"standin":    "010031234567890621ABC123<GS>1727033110L0042",
		"dl":         "https://id.gs1.org/01/00312345678906/10/L0042/21/ABC123?17=270331",
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseBarcode(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEPCToDigitalLink(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EPCToDigitalLink("urn:epc:id:sgtin:0312345.067890.ABC123"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDigitalLinkToEPC(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DigitalLinkToEPC("https://id.gs1.org/01/00312345678906/21/ABC123", 7); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateDigitalLink(b *testing.B) {
	elems := []Element{{"01", "00312345678906"}, {"21", "ABC123"}, {"17", "270331"}, {"10", "L0042"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GenerateDigitalLink(elems, ""); err != nil {
			b.Fatal(err)
		}
	}
}

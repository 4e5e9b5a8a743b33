package chaincode_test

import (
	"testing"

	"rxledger/chaincode"
)

// FuzzParseItemID: the parser never panics, and what it accepts survives a
// round trip through the canonical Digital Link.
func FuzzParseItemID(f *testing.F) {
	for _, s := range []string{
		"urn:epc:id:sgtin:0312345.067890.ABC123", "urn:epc:id:sscc:0312345.1000000001",
		"https://id.gs1.org/01/00312345678906/21/A%2FB", "https://x.example/p/01/0312345678906/10/L/21/S?17=270331",
		"https://id.gs1.org/00/103123450000000018", "urn:epc:id:sgtin:0312345.067890.", "https://id.gs1.org/01/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := chaincode.ParseItemID(s)
		if err != nil {
			return
		}
		back, err := chaincode.ParseItemID(id.DigitalLink())
		if err != nil || back != id {
			t.Fatalf("%q -> %+v -> %q -> %+v %v", s, id, id.DigitalLink(), back, err)
		}
		_, _ = chaincode.ParseGLN(s)
		_, _, _ = chaincode.ParseLGTIN(s)
	})
}

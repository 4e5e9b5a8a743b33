package chaincode_test

import (
	"fmt"
	"testing"
	"time"

	"rxledger/chaincode"
)

func TestParseItemID(t *testing.T) {
	tests := []struct {
		name, in string
		want     chaincode.ItemID
		bad      bool
	}{
		{"SGTIN URN", "urn:epc:id:sgtin:0312345.067890.ABC123", chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: gtin, Serial: "ABC123"}, false},
		{"SGTIN URN with escapes and dots", "urn:epc:id:sgtin:0312345.067890.A%2FB.C", chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: gtin, Serial: "A/B.C"}, false},
		{"SGTIN Digital Link", "https://id.gs1.org/01/00312345678906/21/ABC123", chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: gtin, Serial: "ABC123"}, false},
		{"SGTIN Digital Link with lot, custom domain, query", "https://dl.example.com/p/01/00312345678906/10/L1/21/ABC123?17=270331", chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: gtin, Serial: "ABC123"}, false},
		{"GTIN-13 in a Digital Link", "https://id.gs1.org/01/0312345678906/21/X", chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: gtin, Serial: "X"}, false},
		{"SSCC URN", "urn:epc:id:sscc:0312345.1000000001", chaincode.ItemID{Kind: chaincode.KindSSCC, SSCC: "103123450000000018"}, false},
		{"SSCC Digital Link", "https://id.gs1.org/00/103123450000000018", chaincode.ItemID{Kind: chaincode.KindSSCC, SSCC: "103123450000000018"}, false},
		{"SGTIN Digital Link with short names", "https://dl.example.com/gtin/00312345678906/lot/L1/ser/ABC123", chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: gtin, Serial: "ABC123"}, false},
		{"a serial spelt like a short name stays a serial", "https://id.gs1.org/gtin/00312345678906/ser/lot", chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: gtin, Serial: "lot"}, false},
		{"SSCC Digital Link with its short name", "https://id.gs1.org/sscc/103123450000000018", chaincode.ItemID{Kind: chaincode.KindSSCC, SSCC: "103123450000000018"}, false},
		{"bad check digit", "https://id.gs1.org/01/00312345678907/21/X", chaincode.ItemID{}, true},
		{"short item reference", "urn:epc:id:sgtin:0312345.06789.X", chaincode.ItemID{}, true},
		{"serial too long", "urn:epc:id:sgtin:0312345.067890.123456789012345678901", chaincode.ItemID{}, true},
		{"LGTIN is not an item", "urn:epc:class:lgtin:0312345.067890.L1", chaincode.ItemID{}, true},
		{"GTIN without serial", "https://id.gs1.org/01/00312345678906", chaincode.ItemID{}, true},
		{"dangling qualifier", "https://id.gs1.org/01/00312345678906/21", chaincode.ItemID{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chaincode.ParseItemID(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("want error, got %+v", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v %v", got, err)
			}
			back, err := chaincode.ParseItemID(got.DigitalLink())
			if err != nil || back != got {
				t.Fatalf("Digital Link round trip %q: %+v %v", got.DigitalLink(), back, err)
			}
		})
	}
}

func TestParseGLNAndLGTIN(t *testing.T) {
	glns := map[string]string{
		"urn:epc:id:sgln:0312345.00000.0":            mfrGLN,
		"urn:epc:id:sgln:0312345.00000.loading":      mfrGLN,
		"urn:epc:id:pgln:0312345.00000":              mfrGLN,
		"https://id.gs1.org/414/0312345000004":       mfrGLN,
		"https://id.gs1.org/414/0312345000004/254/7": mfrGLN,
		"https://id.gs1.org/417/0312345000004":       mfrGLN,
		"0312345000004":                              mfrGLN,
	}
	for in, want := range glns {
		t.Run(in, func(t *testing.T) {
			if got, err := chaincode.ParseGLN(in); err != nil || got != want {
				t.Fatalf("got %q %v", got, err)
			}
		})
	}
	for _, in := range []string{"urn:epc:id:sgln:0312345.00000", "0312345000005", "https://id.gs1.org/01/00312345678906"} {
		if _, err := chaincode.ParseGLN(in); err == nil {
			t.Errorf("ParseGLN(%q) accepted", in)
		}
	}
	for _, in := range []string{"urn:epc:class:lgtin:0312345.067890.L1", "https://id.gs1.org/01/00312345678906/10/L1"} {
		if g, lot, err := chaincode.ParseLGTIN(in); err != nil || g != gtin || lot != "L1" {
			t.Errorf("ParseLGTIN(%q) = %q %q %v", in, g, lot, err)
		}
	}
}

func TestNormalizeExpiry(t *testing.T) {
	tests := map[string]string{"270331": "2027-03-31", "270200": "2027-02-28", "280200": "2028-02-29", "2027-03-31": "2027-03-31", "2027-03-31T00:00:00Z": "2027-03-31", "271301": "", "270230": "", "27-03-31": ""}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			got, ok := chaincode.NormalizeExpiry(in)
			if got != want || ok != (want != "") {
				t.Fatalf("got %q %v", got, ok)
			}
		})
	}
}

// TestNormalizeExpiryEveryYYMMDD checks every six-digit AI (17) value
// against the calendar of the time package: the same date for every valid
// one (day 00 the month's last), and a refusal for every other.
func TestNormalizeExpiryEveryYYMMDD(t *testing.T) {
	for n := range 1_000_000 {
		in := fmt.Sprintf("%06d", n)
		yy, mm, dd := n/10000, n/100%100, n%100
		want := ""
		if mm >= 1 && mm <= 12 {
			last := time.Date(2000+yy, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if dd == 0 {
				dd = last
			}
			if dd <= last {
				want = time.Date(2000+yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			}
		}
		got, ok := chaincode.NormalizeExpiry(in)
		if got != want || ok != (want != "") {
			t.Fatalf("NormalizeExpiry(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestCommissionForms: Digital Link EPCs and an LGTIN lot work like URNs.
func TestCommissionForms(t *testing.T) {
	m := newLedger(t)
	e := commissionEv("", "2027-03-31", sgtinDL("D1"))
	e.QuantityList = append(e.QuantityList, epcisQuantity("https://id.gs1.org/01/00312345678906/10/LDL"))
	mustCapture(t, m, mfr, e)
	if s := serialOf(t, m, sgtin("D1")); s.Lot != "LDL" || s.Expiry != "2027-03-31" {
		t.Fatalf("%+v", s)
	}
}

package chaincode

import "testing"

// TestIsProductID: which instance identifiers an observation must hold.
func TestIsProductID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"SGTIN URN", "urn:epc:id:sgtin:0312345.067890.A1", true},
		{"SSCC URN", "urn:epc:id:sscc:0312345.1000000001", true},
		{"SGTIN Digital Link", "https://id.gs1.org/01/00312345678906/21/A1", true},
		{"SSCC Digital Link, other domain", "https://example.com/00/003123451000000015", true},
		{"malformed product Digital Link", "https://id.gs1.org/01/123", true},
		{"GIAI URN (sensor)", "urn:epc:id:giai:0312345.SENSOR1", false},
		{"GRAI URN (returnable asset)", "urn:epc:id:grai:0312345.01234.T1", false},
		{"GIAI Digital Link", "https://id.gs1.org/8004/0312345SENSOR1", false},
		{"GLN Digital Link", "https://id.gs1.org/414/0312345000004", false},
		{"not an identifier", "urn:example:thing", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isProductID(tc.id); got != tc.want {
				t.Errorf("isProductID(%q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}

// TestGTINClass: the class-level identifiers an observation checks.
func TestGTINClass(t *testing.T) {
	tests := []struct {
		name      string
		class     string
		gtin, lot string
		ok, err   bool
	}{
		{"LGTIN URN", "urn:epc:class:lgtin:0312345.067890.L1", "00312345678906", "L1", true, false},
		{"SGTIN pattern", "urn:epc:idpat:sgtin:0312345.067890.*", "00312345678906", "", true, false},
		{"LGTIN Digital Link", "https://id.gs1.org/01/00312345678906/10/L1", "00312345678906", "L1", true, false},
		{"GTIN Digital Link", "https://id.gs1.org/01/00312345678906", "00312345678906", "", true, false},
		{"Digital Link of one package", "https://id.gs1.org/01/00312345678906/21/A1", "", "", true, true},
		{"SGTIN pattern of one serial", "urn:epc:idpat:sgtin:0312345.067890.A1", "", "", true, true},
		{"malformed LGTIN", "urn:epc:class:lgtin:0312345.67890.L1", "", "", true, true},
		{"GRAI pattern", "urn:epc:idpat:grai:0312345.01234.*", "", "", false, false},
		{"GLN Digital Link", "https://id.gs1.org/414/0312345000004", "", "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gtin, lot, ok, err := gtinClass(tc.class)
			if ok != tc.ok || (err != nil) != tc.err {
				t.Fatalf("gtinClass(%q): ok %v err %v, want ok %v err %v", tc.class, ok, err, tc.ok, tc.err)
			}
			if !tc.err && (gtin != tc.gtin || lot != tc.lot) {
				t.Errorf("gtinClass(%q) = %s %s, want %s %s", tc.class, gtin, lot, tc.gtin, tc.lot)
			}
		})
	}
}

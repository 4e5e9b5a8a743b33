package chaincode

import (
	"encoding/json"
	"testing"
)

// TestDecodeCacheAdmitsOnSecondDecoding checks the decode cache's
// doorkeeper: a record decoded once is handed over without being cached, a
// record decoded twice is cached, and a caller never gets a value another
// caller can change.
func TestDecodeCacheAdmitsOnSecondDecoding(t *testing.T) {
	c := decodeCache[LotRecord]{clone: func(l *LotRecord) *LotRecord { x := *l; return &x }, fast: fastDecodeLot}
	raw, err := json.Marshal(LotRecord{GTIN: "00312345678906", Lot: "A1", Expiry: "2031-12-31", Owner: "ManufacturerMSP"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.m) != 0 {
		t.Fatalf("a record decoded once was cached (%d entries)", len(c.m))
	}
	first.Lot = "changed by the first caller"
	second, err := c.decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.m) != 1 {
		t.Fatalf("a record decoded twice was not cached (%d entries)", len(c.m))
	}
	if second.Lot != "A1" {
		t.Fatalf("second decoding gave lot %q: the first caller's change leaked", second.Lot)
	}
	second.Lot = "changed by the second caller"
	third, err := c.decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if third.Lot != "A1" || third.GTIN != "00312345678906" {
		t.Fatalf("cached decoding gave %+v: a caller's change leaked into the cache", third)
	}
	// Another record decoded once is not cached either.
	other, _ := json.Marshal(LotRecord{GTIN: "00312345678906", Lot: "B2", Expiry: "2031-12-31", Owner: "ManufacturerMSP"})
	if _, err := c.decode(other); err != nil {
		t.Fatal(err)
	}
	if len(c.m) != 1 {
		t.Fatalf("a second record decoded once was cached (%d entries)", len(c.m))
	}
}

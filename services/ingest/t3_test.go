package ingest_test

import (
	"encoding/json"
	"slices"
	"testing"

	"rxledger/chaincode"
)

// TestTransactionInformationPerBuyer captures one document shipping to two
// buyers: each gets its own transaction information, readable by it and
// not by the other.
func TestTransactionInformationPerBuyer(t *testing.T) {
	e := newEnv(t, true, nil)
	a, b := []string{sgtin("TA1"), sgtin("TA2")}, []string{sgtin("TB1")}
	doc := document(commission(0, "TA", a...), commission(1, "TB", b...),
		ship(2, mfrSGLN, whsSGLN, a...), ship(3, mfrSGLN, pharmSGLN, b...))
	j := e.mustCapture(mfr, ctJSON, encode(t, doc, "json"))
	if len(j.T3) != 2 {
		t.Fatalf("job %+v: want a T3 per buyer", j)
	}
	tests := []struct {
		buyer  string
		serial []string
	}{
		{whs, a},
		{pharm, b},
	}
	for i, tt := range tests {
		t.Run(tt.buyer, func(t *testing.T) {
			raw, err := e.l.Evaluate(t.Context(), tt.buyer, chaincode.FnReadT3, j.T3[i])
			if err != nil {
				t.Fatalf("the buyer reads its T3: %v", err)
			}
			var t3 chaincode.T3
			if err := json.Unmarshal(raw, &t3); err != nil {
				t.Fatal(err)
			}
			if t3.Seller != mfr || t3.Buyer != tt.buyer || len(t3.Products) != 1 || t3.Products[0].Quantity != len(tt.serial) ||
				!slices.Equal(t3.Products[0].Serials, tt.serial) || t3.Products[0].Lot == "" || t3.TransactionDate != "2026-11-01" {
				t.Fatalf("T3 %+v", t3)
			}
			other := map[string]string{whs: pharm, pharm: whs}[tt.buyer]
			if _, err := e.l.Evaluate(t.Context(), other, chaincode.FnReadT3, j.T3[i]); err == nil {
				t.Fatalf("%s read the T3 of a sale to %s", other, tt.buyer)
			}
		})
	}
}

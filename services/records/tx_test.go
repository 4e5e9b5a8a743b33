package records_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
)

// TestTxShowsOnlyWhatTheCallerMayRead: GET /tx/{txId} answers a regulator
// everything a transaction anchored, and anyone else the events it is party
// to and the T3 records it is seller or buyer of; a transaction with
// nothing for it is answered as an unknown one, word for word but for the
// transaction ID.
func TestTxShowsOnlyWhatTheCallerMayRead(t *testing.T) {
	e := newEnv(t)
	s1, s2, s3 := sgtin("X1"), sgtin("X2"), sgtin("X3")
	made := e.mustCapture(mfr, nil, e.commission("LX", s1, s2, s3))
	sale := func(buyer string) chaincode.T3 {
		return chaincode.T3{Seller: mfr, Buyer: buyer, TransactionDate: "2026-11-01", PONumber: "PO-" + buyer,
			Products: []chaincode.T3Product{{GTIN: gtin, Quantity: 1, Lot: "LX"}}}
	}
	// One transaction, two buyers: each its own shipment and T3.
	two := e.mustCapture(mfr, []chaincode.T3{sale(whs), sale(pharm)}, e.ship(whsSGLN, s1), e.ship(pharmSGLN, s2))
	// A sale between the manufacturer and the wholesaler alone.
	one := e.mustCapture(mfr, []chaincode.T3{sale(whs)}, e.ship(whsSGLN, s3))
	if len(two.T3) != 2 || len(two.Events) != 2 || len(one.T3) != 1 {
		t.Fatalf("captures %+v, %+v", two, one)
	}
	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
	whole := chaincode.TxRecord{TxID: two.TxID, Events: sorted(two.Events[0].HashID, two.Events[1].HashID), T3: sorted(two.T3...)}
	tests := []struct {
		name, key string
		want      chaincode.TxRecord
	}{
		{"the regulator", keyReg, whole},
		{"the seller", keyMfr, whole},
		{"one buyer", keyWhs, chaincode.TxRecord{TxID: two.TxID, Events: []string{two.Events[0].HashID}, T3: []string{two.T3[0]}}},
		{"the other buyer", keyPha, chaincode.TxRecord{TxID: two.TxID, Events: []string{two.Events[1].HashID}, T3: []string{two.T3[1]}}},
		{"a regulator key of a trading partner, as that partner", keyWhsRegulator,
			chaincode.TxRecord{TxID: two.TxID, Events: []string{two.Events[0].HashID}, T3: []string{two.T3[0]}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got chaincode.TxRecord
			e.get(tt.key, "/tx/"+two.TxID, &got)
			if mustJSON(t, got) != mustJSON(t, tt.want) {
				t.Fatalf("transaction %s\nwant %s", mustJSON(t, got), mustJSON(t, tt.want))
			}
		})
	}
	t.Run("the regulator reads a sale it is no party to", func(t *testing.T) {
		var got chaincode.TxRecord
		e.get(keyReg, "/tx/"+one.TxID, &got)
		if !slices.Equal(got.T3, one.T3) || len(got.Events) != 1 {
			t.Fatalf("transaction %+v", got)
		}
	})

	const ghost = "0123456789abcdef0123456789abcdef"
	unknown := e.do(http.MethodGet, keyPha, "/tx/"+ghost, "").Problem(t, http.StatusNotFound)
	if unknown.Rule != "unknown-tx" || unknown.Code != problem.NotFound {
		t.Fatalf("an unknown transaction: %+v", unknown)
	}
	for _, tt := range []struct{ name, key, txID string }{
		{"a sale between two others", keyPha, one.TxID},
		{"another's commissioning, with a regulator key of a trading partner", keyWhsRegulator, made.TxID},
		{"another's commissioning", keyWhs, made.TxID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := e.spy.Submits()
			hidden := e.do(http.MethodGet, tt.key, "/tx/"+tt.txID, "").Problem(t, http.StatusNotFound)
			hidden.Detail = strings.ReplaceAll(hidden.Detail, tt.txID, ghost)
			hidden.Instance = strings.ReplaceAll(hidden.Instance, tt.txID, ghost)
			hidden.RequestID, hidden.TraceID = unknown.RequestID, unknown.TraceID
			if mustJSON(t, hidden) != mustJSON(t, unknown) {
				t.Fatalf("a hidden transaction: %s\nan unknown one: %s", mustJSON(t, hidden), mustJSON(t, unknown))
			}
			if e.spy.Submits() != n {
				t.Fatal("a read submitted a transaction")
			}
		})
	}
	t.Run("a key of the regulator organisation without the regulator role", func(t *testing.T) {
		b := e.do(http.MethodGet, keyRegWholesaler, "/tx/"+two.TxID, "").Problem(t, http.StatusForbidden)
		if !strings.Contains(b.Detail, "RegulatorMSP is a regulator") {
			t.Fatalf("problem %+v", b)
		}
	})
	t.Run("no key", func(t *testing.T) {
		e.do(http.MethodGet, "", "/tx/"+two.TxID, "").Problem(t, http.StatusUnauthorized)
	})
}

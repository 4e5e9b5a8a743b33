package records_test

import (
	"net/http"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
)

// TestRepeatedMoveIsDoneOnlyForWhoMayMakeIt: a move to the state an item is
// in is answered done (200, no transaction) only to a caller that may make
// that move; anyone else is refused as for any such move (403), not told
// it is done. A regulator's move to the state of another's investigation
// takes the investigation over (a transaction), so that the GTIN owner may
// no longer clear it.
func TestRepeatedMoveIsDoneOnlyForWhoMayMakeIt(t *testing.T) {
	e := newEnv(t)
	s1, s2, s3 := sgtin("U1"), sgtin("U2"), sgtin("U3")
	e.mustCapture(mfr, nil, e.commission("LU", s1, s2, s3), e.ship(whsSGLN, s1, s2, s3))
	e.mustCapture(whs, nil, e.step("receiving", s1, s2, s3))
	put := func(key, epc, state string) response {
		return e.do(http.MethodPut, key, itemPath(epc, "/investigation"), `{"state":"`+state+`"}`)
	}
	must := func(key, epc, state string) {
		t.Helper()
		if r := put(key, epc, state); r.Status != http.StatusOK {
			t.Fatalf("%s sets %s: %d %s", key, state, r.Status, r.Body)
		}
	}
	rec := func(epc string) chaincode.SerialRecord {
		var s chaincode.SerialRecord
		if err := e.evaluate(reg, &s, chaincode.FnReadSerial, epc); err != nil {
			t.Fatal(err)
		}
		return s
	}
	must(keyWhs, s1, "suspect")
	must(keyMfr, s1, "cleared")
	must(keyWhs, s2, "suspect")
	must(keyWhs, s2, "quarantined")
	for _, tt := range []struct{ name, key, epc, state string }{
		{"the holder clears a cleared package", keyWhs, s1, "cleared"},
		{"the GTIN owner quarantines a quarantined package", keyMfr, s2, "quarantined"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := e.height()
			r := put(tt.key, tt.epc, tt.state)
			if b := r.Problem(t, http.StatusForbidden); b.Rule != "investigation-not-allowed" || b.Code != problem.Forbidden {
				t.Fatalf("problem %+v", b)
			}
			if e.height() != h {
				t.Fatal("a transaction was written")
			}
		})
	}
	t.Run("the GTIN owner clears a cleared package: done", func(t *testing.T) {
		h := e.height()
		must(keyMfr, s1, "cleared")
		if e.height() != h {
			t.Fatal("a transaction was written")
		}
	})
	t.Run("a regulator takes over the holder's suspicion", func(t *testing.T) {
		must(keyWhs, s3, "suspect")
		h := e.height()
		var out struct {
			TxID string `json:"txId"`
		}
		r := put(keyReg, s3, "suspect")
		r.Decode(t, http.StatusOK, &out)
		if out.TxID == "" || e.height() != h+1 || rec(s3).InvestigationBy != reg {
			t.Fatalf("answer %s; investigationBy %q", r.Body, rec(s3).InvestigationBy)
		}
		r = put(keyMfr, s3, "cleared")
		if b := r.Problem(t, http.StatusForbidden); b.Rule != "investigation-not-allowed" {
			t.Fatalf("the GTIN owner cleared the regulator's investigation: %+v", b)
		}
		h = e.height()
		must(keyReg, s3, "suspect") // now a repeat: done, nothing written
		if e.height() != h {
			t.Fatal("the repeat wrote a transaction")
		}
	})
}

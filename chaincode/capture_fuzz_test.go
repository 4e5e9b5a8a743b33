package chaincode_test

import (
	"encoding/json"
	"errors"
	"testing"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// FuzzCapture sends arbitrary bytes as the transient events of a capture on
// a ledger holding a commissioned, packed and shipped history: the chaincode
// never panics, answers a refusal as a *RuleError, and a refused capture
// leaves the state, the private data and the chain untouched.
func FuzzCapture(f *testing.F) {
	seeds := [][]epcis.Event{
		{commissionEv("L1", "2027-03-31", sgtin("Z1"))},
		{shipEv(whsGLN, sgtin("F1"))},
		{packEv(sscc2, sgtin("F1"))},
		{unpackEv(sscc1)},
		{stepEv("destroying", sscc1)},
		{stepEv("inspecting", sgtin("F1")), classEv("storing", lgtinL1)},
		{associationEv(sensorGIAI, sgtin("F1")), transactionEv(sgtin("F1"))},
		{aggregationObserveEv(sscc1, sgtin("F2"))},
		{transformEv("L9", "2027-03-31", []string{sgtin("F1")}, []string{sgtin("Z2")})},
	}
	for _, s := range seeds {
		b, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"Type":"ObjectEvent"}]`))
	f.Add([]byte(`[null]`))
	f.Fuzz(func(t *testing.T, events []byte) {
		m := newLedger(t)
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("F1"), sgtin("F2")), packEv(sscc1, sgtin("F2")))
		height, before := m.Height(), snapshot(m)
		private := len(m.PrivateKeys(chaincode.ImplicitCollection(reg)))
		_, err := m.Submit(mfr, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: events, chaincode.TransientSalt: chaincode.NewSalt()})
		if err == nil {
			return
		}
		var re *chaincode.RuleError
		if !errors.As(err, &re) {
			t.Fatalf("refusal is not a RuleError: %v", err)
		}
		if m.Height() != height || snapshot(m) != before || len(m.PrivateKeys(chaincode.ImplicitCollection(reg))) != private {
			t.Fatalf("refused capture (%v) changed the ledger", err)
		}
	})
}

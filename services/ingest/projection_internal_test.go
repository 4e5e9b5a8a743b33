package ingest

import (
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"

	"rxledger/chaincode"
	"rxledger/services/ledger"
)

// TestPartnerGLNs projects partner records block by block and checks the
// GLN index follows the GLNs a regulator attests in each partner's latest
// record, a GLN moving from one partner to another included, and never a
// GLN a partner only claims (another's, here).
func TestPartnerGLNs(t *testing.T) {
	idx, err := openIndex(t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.close() })
	p, err := newProjection(nil, idx, "RegulatorMSP", false, slog.New(slog.DiscardHandler), noop.NewTracerProvider().Tracer(""), newMetrics(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	p.checked.Store(true)
	// attested is a record whose owner claims claimed and a regulator
	// attests glns.
	attested := func(id string, claimed []string, glns ...string) chaincode.Partner {
		return chaincode.Partner{ID: id, GLNs: claimed, Attested: &chaincode.Attestation{GLNs: glns}}
	}
	blocks := [][]chaincode.Partner{
		{attested("A", []string{"1", "2"}, "1", "2"), attested("B", []string{"3"}, "3")},
		{attested("A", []string{"1"}, "1")},
		{attested("B", []string{"3", "2"}, "3", "2")},
		{attested("A", nil), attested("C", []string{"1"}, "1")},
		{{ID: "D", GLNs: []string{"3", "4"}}, attested("E", []string{"2", "5"}, "5")},
	}
	want := []map[string]string{
		{"1": "A", "2": "A", "3": "B"},
		{"1": "A", "2": "", "3": "B"},
		{"1": "A", "2": "B", "3": "B"},
		{"1": "C", "2": "B", "3": "B"},
		{"1": "C", "2": "B", "3": "B", "4": "", "5": "E"},
	}
	for n, partners := range blocks {
		payload, err := json.Marshal(map[string]any{"txId": "tx", "partners": partners, "events": []any{}})
		if err != nil {
			t.Fatal(err)
		}
		b := ledger.Block{Number: uint64(n), Events: []ledger.ChaincodeEvent{{TxID: "tx", Name: chaincode.EventName, Payload: payload}}}
		if err := p.apply(t.Context(), b); err != nil {
			t.Fatalf("block %d: %v", n, err)
		}
		for gln, org := range want[n] {
			got, ok := idx.orgOfGLN(gln)
			if got != org || ok != (org != "") {
				t.Fatalf("after block %d GLN %s belongs to %q (%v), want %q", n, gln, got, ok, org)
			}
		}
	}
	if next, err := idx.checkpoint(); err != nil || next != uint64(len(blocks)) {
		t.Fatalf("checkpoint %d %v", next, err)
	}
}

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
// GLN index follows each partner's latest record, a GLN moving from one
// partner to another included.
func TestPartnerGLNs(t *testing.T) {
	idx, err := openIndex(t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.close() })
	p, err := newProjection(nil, idx, "RegulatorMSP", slog.New(slog.DiscardHandler), noop.NewTracerProvider().Tracer(""), newMetrics(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	p.checked.Store(true)
	blocks := [][]chaincode.Partner{
		{{ID: "A", GLNs: []string{"1", "2"}}, {ID: "B", GLNs: []string{"3"}}},
		{{ID: "A", GLNs: []string{"1"}}},
		{{ID: "B", GLNs: []string{"3", "2"}}},
		{{ID: "A", GLNs: []string{}}, {ID: "C", GLNs: []string{"1"}}},
	}
	want := []map[string]string{
		{"1": "A", "2": "A", "3": "B"},
		{"1": "A", "2": "", "3": "B"},
		{"1": "A", "2": "B", "3": "B"},
		{"1": "C", "2": "B", "3": "B"},
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

package ingest_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"rxledger/chaincode"
	"rxledger/services/ingest"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// noIdentityLedger is the real ledger on a node that holds no identity of
// org while missing is set: the Fabric ledger's refusal, Forbidden.
type noIdentityLedger struct {
	ledger.Ledger
	org     string
	missing atomic.Bool
}

func (n *noIdentityLedger) Evaluate(ctx context.Context, org, fn string, args ...string) ([]byte, error) {
	if org == n.org && n.missing.Load() {
		return nil, ledger.NewError("", problem.Forbidden, nil, "this ledger holds no identity of organisation %q", org)
	}
	return n.Ledger.Evaluate(ctx, org, fn, args...)
}

// TestIndexRebuiltWhenSkippedEventsRead: events the projection
// organisation cannot read are left out of the query index (a node
// configured without that organisation's identity); once it can (the
// identity added, the node restarted), the index is rebuilt and holds
// them. Before, the checkpoint had moved past them for good.
func TestIndexRebuiltWhenSkippedEventsRead(t *testing.T) {
	var l *noIdentityLedger
	e := newEnv(t, true, func(c *ingest.Config) {
		if l == nil {
			l = &noIdentityLedger{Ledger: c.Ledger, org: reg}
			l.missing.Store(true)
		}
		c.Ledger = l
	})
	s := tellStory(t, e)
	if got, _ := e.query(reg, ""); len(got) != 0 {
		t.Fatalf("%d events projected without the reader's identity", len(got))
	}
	e.restart(true) // still without it: nothing changes, nothing fails
	e.synced()
	if got, _ := e.query(reg, ""); len(got) != 0 {
		t.Fatalf("%d events after a restart without the identity", len(got))
	}
	l.missing.Store(false)
	e.restart(true)
	e.synced()
	got, _ := e.query(reg, "")
	if want := s.ids("commission", "containers", "pack", "ship", "receive", "later", "inspect"); !slices.Equal(idsOf(got), want) {
		t.Fatalf("after the reader could read them: %v, want %v", idsOf(got), want)
	}
}

// readCounter is the real ledger, counting the events read (ReadEvent).
type readCounter struct {
	ledger.Ledger
	reads atomic.Int64
}

func (r *readCounter) Evaluate(ctx context.Context, org, fn string, args ...string) ([]byte, error) {
	if fn == chaincode.FnReadEvent {
		r.reads.Add(1)
	}
	return r.Ledger.Evaluate(ctx, org, fn, args...)
}

// TestOwnEventsIndex: a node that holds no regulator's identity indexes,
// as its own organisation, the events that organisation is party to, and
// passes over the others without reading them (nothing is noted as
// skipped, so a restart rebuilds nothing).
func TestOwnEventsIndex(t *testing.T) {
	var rc *readCounter
	e := newEnv(t, true, func(c *ingest.Config) {
		if rc == nil {
			rc = &readCounter{Ledger: c.Ledger}
		}
		c.Ledger, c.ProjectionOrg, c.Regulators = rc, whs, []string{reg}
	})
	s := tellStory(t, e)
	want := s.ids("ship", "receive") // the wholesaler is party to these
	if got, _ := e.query(whs, ""); !slices.Equal(idsOf(got), want) {
		t.Fatalf("the wholesaler's node indexed %v, want %v", idsOf(got), want)
	}
	if got, _ := e.query(reg, ""); !slices.Equal(idsOf(got), want) {
		t.Fatalf("a regulator key on that node sees %v, want the node's %v", idsOf(got), want)
	}
	if n := rc.reads.Load(); n != int64(len(want)) {
		t.Fatalf("%d events read, want the wholesaler's %d alone", n, len(want))
	}
	e.restart(true)
	e.synced()
	if got, _ := e.query(whs, ""); !slices.Equal(idsOf(got), want) {
		t.Fatalf("after a restart: %v", idsOf(got))
	}
	if n := rc.reads.Load(); n != int64(len(want)) {
		t.Fatalf("the restart read %d events again: the index was rebuilt", n-int64(len(want)))
	}
}

// TestIndexRebuiltForAnotherReader: a node that indexed its own
// organisation's events and is then given a regulator's identity (the
// reader changes) rebuilds its index with every event.
func TestIndexRebuiltForAnotherReader(t *testing.T) {
	e := newEnv(t, true, func(c *ingest.Config) { c.ProjectionOrg, c.Regulators = whs, []string{reg} })
	s := tellStory(t, e)
	if got, _ := e.query(reg, ""); !slices.Equal(idsOf(got), s.ids("ship", "receive")) {
		t.Fatalf("the wholesaler's own index: %v", idsOf(got))
	}
	e.cfg = func(c *ingest.Config) { c.ProjectionOrg, c.Regulators = reg, []string{reg} }
	e.restart(true)
	e.synced()
	got, _ := e.query(reg, "")
	if want := s.ids("commission", "containers", "pack", "ship", "receive", "later", "inspect"); !slices.Equal(idsOf(got), want) {
		t.Fatalf("read as the regulator: %v, want %v", idsOf(got), want)
	}
}

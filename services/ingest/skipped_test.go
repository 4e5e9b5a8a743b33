package ingest_test

import (
	"slices"
	"testing"

	"rxledger/services/ingest"
)

// TestIndexRebuiltWhenSkippedEventsRead: events the projection
// organisation cannot read are left out of the query index (a node
// configured without that organisation's identity); once it can (the
// identity added, the node restarted), the index is rebuilt and holds
// them. Before, the checkpoint had moved past them for good.
func TestIndexRebuiltWhenSkippedEventsRead(t *testing.T) {
	wrongReader := func(c *ingest.Config) { c.ProjectionOrg, c.Regulators = pharm, []string{reg} }
	e := newEnv(t, true, wrongReader)
	s := tellStory(t, e)
	if got, _ := e.query(reg, ""); len(got) != 0 {
		t.Fatalf("the pharmacy, party to none of the story, projected %d events", len(got))
	}
	e.restart(true) // still the wrong reader: nothing changes, nothing fails
	e.synced()
	if got, _ := e.query(reg, ""); len(got) != 0 {
		t.Fatalf("%d events after a restart with the same reader", len(got))
	}
	e.cfg = func(c *ingest.Config) { c.ProjectionOrg, c.Regulators = reg, []string{reg} }
	e.restart(true)
	e.synced()
	got, _ := e.query(reg, "")
	if want := s.ids("commission", "containers", "pack", "ship", "receive", "later", "inspect"); !slices.Equal(idsOf(got), want) {
		t.Fatalf("after the reader could read them: %v, want %v", idsOf(got), want)
	}
}

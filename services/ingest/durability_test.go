package ingest_test

import (
	"rxledger/internal/testenv"

	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"rxledger/services/ingest"
)

// TestIndexRebuilt deletes the query index while the service is stopped:
// the next start rebuilds it from block 0 with the same answers, and page
// tokens issued before stay valid.
func TestIndexRebuilt(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	before, _ := e.query(reg, "")
	_, link := e.query(reg, "perPage=2")
	if len(before) != 7 || link == "" {
		t.Fatalf("%d events before, next link %q", len(before), link)
	}
	e.stop()
	if err := os.RemoveAll(filepath.Join(e.dir, "index")); err != nil {
		t.Fatal(err)
	}
	e.start(true)
	e.synced()
	after, _ := e.query(reg, "")
	if !slices.Equal(idsOf(after), idsOf(before)) {
		t.Fatalf("rebuilt index answers %v, before %v", idsOf(after), idsOf(before))
	}
	got, _ := e.query(whs, "MATCH_anyEPC="+sscc("1"))
	if want := s.ids("ship", "receive"); !slices.Equal(idsOf(got), want) {
		t.Fatalf("wholesaler's view after the rebuild %v, want %v", idsOf(got), want)
	}
	resp, b := e.do("GET", reg, link[1:len(link)-len(`>; rel="next"`)], "", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("a page token issued before the rebuild: %d %s", resp.StatusCode, b)
	}
}

// TestJobResumedAfterRestart accepts a document while no worker runs (as if
// the process stopped right after the 202), restarts, and sees the job
// submitted and successful.
func TestJobResumedAfterRestart(t *testing.T) {
	e := newEnv(t, false, nil)
	items := []string{sgtin("RS1"), sgtin("RS2")}
	doc := document(commission(0, "RS", items...), ship(1, mfrSGLN, whsSGLN, items...))
	loc := e.capture(mfr, ctXML, encode(t, doc, "xml12"))
	resp, b := e.do("GET", mfr, loc, "", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"running":true`) {
		t.Fatalf("job before the restart: %s", b)
	}
	h0, err := e.l.Height(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.restart(false) // still no worker: the job survives a restart as it is
	if h, _ := e.l.Height(t.Context()); h != h0 {
		t.Fatal("a job was submitted while no worker ran")
	}
	e.restart(true)
	j := e.job(mfr, loc)
	if !j.Success || j.EventCount != 2 || len(j.T3) != 1 || j.Format != "EPCIS 1.2 XML" {
		t.Fatalf("resumed job %+v", j)
	}
	e.synced()
	got, _ := e.query(mfr, "MATCH_epc="+items[0])
	if want := hashIDs(t, doc.Events...); !slices.Equal(idsOf(got), want) {
		t.Fatalf("after the resumed job: %v, want %v", idsOf(got), want)
	}
	// The job's document is dropped once it is finished.
	docs, err := filepath.Glob(filepath.Join(e.dir, "jobs", "*.doc"))
	if err != nil || len(docs) != 0 {
		t.Fatalf("documents left after the job finished: %v %v", docs, err)
	}
}

// TestBurstOfCaptures accepts more documents than are kept decoded in
// memory before the workers start: every job succeeds, in the order the
// documents were accepted (each shipment needs the commissioning before it).
func TestBurstOfCaptures(t *testing.T) {
	e := newEnv(t, false, nil)
	var locs []string
	for i := range 8 {
		item := sgtin("BU" + strconv.Itoa(i))
		locs = append(locs,
			e.capture(mfr, ctJSON, encode(t, document(commission(2*i, "BU", item)), "json")),
			e.capture(mfr, ctXML, encode(t, document(ship(2*i+1, mfrSGLN, whsSGLN, item)), "xml")))
	}
	e.run()
	for i, loc := range locs {
		if j := e.job(mfr, loc); !j.Success {
			t.Fatalf("job %d: %+v", i, j.Errors)
		}
	}
	e.synced()
	if got, _ := e.query(whs, "EQ_bizStep=shipping"); len(got) != 8 {
		t.Fatalf("the wholesaler sees %d shipments, want 8", len(got))
	}
}

// TestIndexOfAnotherLedger starts the service on a fresh ledger with the
// index of a longer one (a ledger reset, a restored backup): the index is
// ahead of the chain, so it is rebuilt rather than trusted.
func TestIndexOfAnotherLedger(t *testing.T) {
	e := newEnv(t, true, nil)
	tellStory(t, e)
	if got, _ := e.query(reg, ""); len(got) != 7 {
		t.Fatalf("%d events on the first ledger", len(got))
	}
	e.stop()
	old := e.l
	e.l = openLedger(t)
	t.Cleanup(func() {
		if err := old.Close(); err != nil {
			t.Errorf("close the first ledger: %v", err)
		}
	})
	e.start(true)
	e.synced()
	if got, _ := e.query(reg, ""); len(got) != 0 {
		t.Fatalf("the index of another ledger was trusted: %v", idsOf(got))
	}
	e.registerPartners()
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "N", sgtin("N1"))), "json"))
	if got, _ := e.query(reg, ""); len(got) != 1 {
		t.Fatalf("%d events after a capture on the new ledger", len(got))
	}
}

// TestIndexOfOldFormatRebuilt starts the service on a query index as
// format 1 wrote it (read points and business locations as captured, no
// format marker): the index is rebuilt from the ledger at start, which is
// logged, and then finds a location in any of its forms; a page token
// issued before the rebuild stays valid.
func TestIndexOfOldFormatRebuilt(t *testing.T) {
	logs := &testenv.Buffer{}
	e := newEnv(t, true, func(c *ingest.Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	l := captureLocations(t, e)
	_, link := e.query(reg, "perPage=1&EQ_readPoint="+url.QueryEscape(locURN))
	if link == "" {
		t.Fatal("no next page before the rebuild")
	}
	e.stop()
	n, err := ingest.DowngradeIndexToFormat1(filepath.Join(e.dir, "index"))
	if err != nil || n == 0 {
		t.Fatalf("write the index in format 1: %d entries, %v", n, err)
	}

	e.start(true)
	e.synced()
	if !strings.Contains(logs.String(), "the query index is of another format; rebuilding it from the ledger") {
		t.Fatalf("the rebuild was not logged:\n%s", logs.String())
	}
	for _, params := range []string{"EQ_readPoint=" + url.QueryEscape(locURN), "EQ_bizLocation=" + url.QueryEscape(locDL)} {
		got, _ := e.query(reg, params)
		if want := l.ids("byURN", "byDL"); !slices.Equal(idsOf(got), want) {
			t.Fatalf("%s after the rebuild: got %v, want %v", params, idsOf(got), want)
		}
	}
	got, _ := e.query(reg, nextParams(link))
	if want := l.ids("byDL"); !slices.Equal(idsOf(got), want) {
		t.Fatalf("the page after the token issued before the rebuild: got %v, want %v", idsOf(got), want)
	}
}

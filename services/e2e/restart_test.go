package e2e

import (
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"rxledger/services/demo"
)

// ledgerHeight reads the embedded ledger's height with `rxledger ledger
// info` (the binary must not be serving on data) and checks the chain
// with `rxledger ledger verify`.
func ledgerHeight(t *testing.T, data string) uint64 {
	t.Helper()
	dir := filepath.Join(data, "ledger")
	out, err := exec.Command(binary, "ledger", "verify", "--data", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("rxledger ledger verify: %v\n%s", err, out)
	}
	out, err = exec.Command(binary, "ledger", "info", "--data", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("rxledger ledger info: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^height: (\d+)$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("rxledger ledger info printed no height:\n%s", out)
	}
	h, err := strconv.ParseUint(string(m[1]), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestRestartKeepsData stops the binary and starts it again with --demo
// on the same data directory: the data is still there, the demo is not
// loaded twice, and the keys stay the same.
func TestRestartKeepsData(t *testing.T) {
	data := t.TempDir()
	n := startNode(t, data, "")
	creds := n.credentials()
	mfr, reg := creds[demo.Manufacturer], creds[demo.Regulator]
	serials := serialRange("R", 5)
	doc := document(t, commissioning(mfr.GLN, "RESTART-1", "2029-04-30", sgtins(t, mfr.GTINs[0], serials)))
	n.mustCapture(mfr.APIKey, doc)
	if j := n.mustCapture(mfr.APIKey, doc); j.Duplicates != j.EventCount {
		t.Fatalf("re-capture before the restart: %+v; want every event a duplicate", j)
	}
	before := n.events(reg.APIKey, nil)
	n.stop()
	height := ledgerHeight(t, data)

	n = startNode(t, data, "")
	again := n.credentials()
	for org, c := range creds {
		if again[org].APIKey != c.APIKey {
			t.Errorf("%s: API key changed across the restart", org)
		}
	}
	after := n.events(reg.APIKey, nil)
	if len(after) != len(before) {
		t.Errorf("regulator sees %d events after the restart, %d before", len(after), len(before))
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			t.Errorf("event %s lost in the restart", id)
		}
	}
	pha := again[demo.Pharmacy]
	if a := n.verify(pha.APIKey, verifyPath(mfr.GTINs[0], serials[0], "RESTART-1", "290430", nil)); !a.Verified {
		t.Errorf("package captured before the restart: %+v", a)
	}
	n.stop()
	if h := ledgerHeight(t, data); h != height {
		t.Errorf("ledger height %d after a restart with --demo; %d before (the demo was loaded again)", h, height)
	}
}

// TestCrashDuringCaptures kills the binary (SIGKILL) while captures are in
// flight and starts it again: every capture that was accepted (202) is
// resumed, succeeds, and its events are on the ledger exactly once.
func TestCrashDuringCaptures(t *testing.T) {
	const docs, workers, killAfter = 40, 4, 12
	data := t.TempDir()
	n := startNode(t, data, "")
	creds := n.credentials()
	mfr, reg := creds[demo.Manufacturer], creds[demo.Regulator]

	type doc struct {
		body  []byte
		first string // the first EPC commissioned
	}
	all := make([]doc, docs)
	for i := range all {
		epcs := sgtins(t, mfr.GTINs[1], serialRange("C"+strconv.Itoa(i)+"X", 25))
		all[i] = doc{document(t, commissioning(mfr.GLN, "CRASH-"+strconv.Itoa(i), "2029-05-31", epcs)), epcs[0]}
	}

	var (
		mu       sync.Mutex
		accepted = map[int]string{} // doc -> job Location
		killOnce sync.Once
		wg       sync.WaitGroup
	)
	next := make(chan int, docs)
	for i := range docs {
		next <- i
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := n.send(http.MethodPost, "/epcis/capture", mfr.APIKey, "application/ld+json", all[i].body)
				if err != nil || r.status != http.StatusAccepted {
					continue // refused or cut off by the crash: not accepted
				}
				mu.Lock()
				accepted[i] = r.header.Get("Location")
				k := len(accepted)
				mu.Unlock()
				if k == killAfter {
					killOnce.Do(n.kill)
				}
			}
		}()
	}
	wg.Wait()
	killOnce.Do(n.kill) // in case fewer were accepted (fails below)
	if len(accepted) < killAfter {
		t.Fatalf("only %d captures accepted before the crash; want at least %d", len(accepted), killAfter)
	}
	t.Logf("%d of %d captures accepted before the crash", len(accepted), docs)

	n = startNode(t, data, "")
	// How many jobs the crash cut off depends on timing; it is reported,
	// not asserted.
	t.Logf("%d accepted jobs were still running at the crash and resumed at the restart",
		strings.Count(n.logs(), "resuming capture job"))
	for i, loc := range accepted {
		j := n.waitJob(mfr.APIKey, loc)
		if !j.Success {
			t.Errorf("accepted capture %d (%s) did not succeed after the restart: %+v", i, loc, j)
		}
	}
	for i := range all {
		q := url.Values{"EQ_bizStep": {"commissioning"}, "MATCH_epc": {all[i].first}}
		got := len(n.events(reg.APIKey, q))
		_, ok := accepted[i]
		switch {
		case ok && got != 1:
			t.Errorf("accepted capture %d: %d commissioning events of %s; want exactly 1", i, got, all[i].first)
		case !ok && got > 1:
			t.Errorf("capture %d (not accepted): %d commissioning events of %s; want at most 1", i, got, all[i].first)
		}
	}
	n.stop()
	ledgerHeight(t, data) // the chain verifies after the crash
}

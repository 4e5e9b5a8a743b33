package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"rxledger/services/demo"
	"rxledger/services/platform/redistest"
)

// metric reads one unlabelled sample from /metrics.
func (n *node) metric(name string) float64 {
	n.t.Helper()
	r := n.call(http.MethodGet, "/metrics", "", "", nil)
	if r.status != http.StatusOK {
		n.t.Fatalf("/metrics: %d", r.status)
	}
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == name {
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				n.t.Fatalf("metric %s: %v", name, err)
			}
			return v
		}
	}
	n.t.Fatalf("no metric %s in /metrics", name)
	return 0
}

// eventually polls cond until it holds, failing after waitBound (a safety
// net, not a timing assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const cacheHits = "rxledger_verify_cache_hits_total"

// TestRedisFaults takes Redis away from the live binary and gives it back
// empty: verification answers keep coming from the ledger, and the cache
// rebuilds (answers come from it again and the hit counter rises).
func TestRedisFaults(t *testing.T) {
	rds := redistest.Start(t)
	// The cache answers only when it has every block: with the default
	// bound (2 blocks) a cache rebuilding after the restart may answer, as
	// it is allowed to, from before the demo's last blocks (the recall),
	// and the exact answers below would depend on timing.
	// A read timeout of 30 s: with Redis hung, an answer must still come
	// within the service's cache timeout, not after the socket's.
	n := startNode(t, t.TempDir(), rds.URL+"?read_timeout=30s", "--verify-max-lag", "0")
	pha := n.credentials()[demo.Pharmacy]
	active, recalled := pha.Samples.Active[0].Verify, pha.Samples.Recalled[0].Verify

	// wantAnswers checks the two packages' answers, whatever serves them.
	wantAnswers := func(t *testing.T) (sources []string) {
		t.Helper()
		a := n.verify(pha.APIKey, active)
		if !a.Verified || a.AdditionalInfo != "" {
			t.Fatalf("active package: %+v", a)
		}
		r := n.verify(pha.APIKey, recalled)
		if !r.Verified || r.AdditionalInfo != "Recalled" {
			t.Fatalf("recalled package: %+v", r)
		}
		return []string{a.Source, r.Source}
	}
	fromCache := func(t *testing.T) func() bool {
		return func() bool {
			s := wantAnswers(t)
			return s[0] == "cache" && s[1] == "cache"
		}
	}

	eventually(t, "answers from the cache at start", fromCache(t))
	hits := n.metric(cacheHits)

	t.Run("redis hung", func(t *testing.T) {
		rds.Pause()
		defer rds.Resume()
		start := time.Now()
		for range 3 {
			for _, src := range wantAnswers(t) {
				if src != "ledger" {
					t.Fatalf("answer from %q with Redis hung; want ledger", src)
				}
			}
		}
		// Six answers, each bounded by the cache timeout (100 ms) and a
		// ledger read; a lookup left to the read timeout takes 30 s.
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("six verifications with Redis hung took %s: a lookup waited for the socket's read timeout", took)
		}
	})

	t.Run("redis killed", func(t *testing.T) {
		rds.Kill()
		for range 20 {
			for _, src := range wantAnswers(t) {
				if src != "ledger" {
					t.Fatalf("answer from %q with Redis down; want ledger", src)
				}
			}
		}
		// Still in service, and /readyz says why it is degraded without
		// naming Redis's address.
		resp, err := http.Get(n.base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Ready  bool `json:"ready"`
			Checks []struct {
				Name     string `json:"name"`
				Degraded bool   `json:"degraded"`
				Reason   string `json:"reason"`
			} `json:"checks"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || !body.Ready {
			t.Fatalf("/readyz with Redis down: %d %+v %v", resp.StatusCode, body, err)
		}
		for _, c := range body.Checks {
			if c.Name == "cache" && (!c.Degraded || !strings.Contains(c.Reason, "answered from the ledger") || strings.Contains(c.Reason, "127.0.0.1")) {
				t.Fatalf("/readyz's cache check with Redis down: %+v", c)
			}
		}
	})

	t.Run("redis restarted empty", func(t *testing.T) {
		rds.Restart()
		eventually(t, "answers from the rebuilt cache", fromCache(t))
		after := n.metric(cacheHits)
		if after <= hits {
			t.Fatalf("cache hits %v after the restart; want more than %v", after, hits)
		}
		hits = after
		wantRebuilt(t, rds)
	})

	t.Run("redis flushed", func(t *testing.T) {
		rds.Flush()
		wantAnswers(t) // right after the flush, from wherever
		eventually(t, "answers from the cache rebuilt after FLUSHALL", fromCache(t))
		if after := n.metric(cacheHits); after <= hits {
			t.Fatalf("cache hits %v after the flush; want more than %v", after, hits)
		}
		wantRebuilt(t, rds)
	})
}

// wantRebuilt checks that Redis holds the cache again: at least one key per
// demo serial (the projector writes every serial's state).
func wantRebuilt(t *testing.T, rds *redistest.Server) {
	t.Helper()
	serials := 0
	for _, l := range demo.Lots() {
		serials += len(l.Serials)
	}
	eventually(t, "the cache holds every demo serial again", func() bool {
		size, err := rds.Client().DBSize(t.Context()).Result()
		return err == nil && size >= int64(serials)
	})
}

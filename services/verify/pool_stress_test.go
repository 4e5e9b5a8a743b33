package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
	"rxledger/services/verify/verifytest"
)

// stressWorld is a set of packages in different states, of several lots,
// and the chaincode's own answer for each package asked with each lot.
type stressWorld struct {
	serials []string // commissioned in lots[i%len(lots)], plus unknown ones
	lotOf   map[string]string
	lots    []string
	// want is the chaincode's answer by serial and asked lot ("" for none).
	want map[[2]string]chaincode.VerifyResult
}

func newStressWorld(t *testing.T, f *fixture) *stressWorld {
	t.Helper()
	w := f.w
	sw := &stressWorld{lotOf: map[string]string{}, want: map[[2]string]chaincode.VerifyResult{}}
	sw.lots = []string{w.Serial("SL0"), w.Serial("SL1"), w.Serial("SL2")}
	var byLot [3][]string
	for i := range 24 {
		s := w.Serial(fmt.Sprintf("SS%d", i))
		byLot[i%3] = append(byLot[i%3], s)
		sw.lotOf[s] = sw.lots[i%3]
		sw.serials = append(sw.serials, s)
	}
	for i, lot := range sw.lots {
		w.Distribute(lot, byLot[i]...)
	}
	w.Dispense(verifytest.Pharmacy, byLot[0][0], byLot[1][0])
	w.Recall(sw.lots[1])
	w.Flag(verifytest.Pharmacy, byLot[2][1], chaincode.InvestigationSuspect)
	for i := range 4 {
		sw.serials = append(sw.serials, w.Serial(fmt.Sprintf("SNEVER%d", i)))
	}
	f.caughtUp()
	for _, s := range sw.serials {
		for _, lot := range append([]string{""}, sw.lots...) {
			sw.want[[2]string{s, lot}] = chainAnswer(t, f, verifytest.Regulator, Request{GTIN: verifytest.GTIN, Serial: s, Lot: lot})
		}
	}
	return sw
}

// stressCall is one request of the stress test and what it must get.
type stressCall struct {
	org       string
	reqs      []Request
	forbidden bool // a lapsed organisation, or a reqGLN not the caller's
}

// orgGLN is each organisation's own GLN.
var orgGLN = map[string]string{
	verifytest.Manufacturer: verifytest.ManufacturerGLN,
	verifytest.Wholesaler:   verifytest.WholesalerGLN,
	verifytest.Pharmacy:     verifytest.PharmacyGLN,
	verifytest.Regulator:    verifytest.RegulatorGLN,
	verifytest.Lapsed:       verifytest.LapsedGLN,
}

// call draws a request of n packages: a random organisation, for each a
// random package asked with no lot, its own lot or another, a reqGLN now
// and then (rarely one of another organisation), and a corrUUID unique to
// the request and package.
func (sw *stressWorld) call(rng *rand.Rand, n int, id int64) stressCall {
	orgs := []string{verifytest.Manufacturer, verifytest.Wholesaler, verifytest.Pharmacy, verifytest.Regulator, verifytest.Lapsed}
	c := stressCall{org: orgs[rng.IntN(len(orgs))]}
	c.forbidden = c.org == verifytest.Lapsed
	for i := range n {
		r := Request{GTIN: verifytest.GTIN, Serial: sw.serials[rng.IntN(len(sw.serials))],
			CorrUUID: fmt.Sprintf("c%d-%d", id, i)}
		switch rng.IntN(3) {
		case 1:
			r.Lot = sw.lotOf[r.Serial]
		case 2:
			r.Lot = sw.lots[rng.IntN(len(sw.lots))]
		}
		switch rng.IntN(20) {
		case 0:
			r.ReqGLN = verifytest.PharmacyGLN
			c.forbidden = c.forbidden || c.org != verifytest.Pharmacy
		case 1, 2, 3:
			r.ReqGLN = orgGLN[c.org]
		}
		c.reqs = append(c.reqs, r)
	}
	return c
}

// check compares the answer to one request with the chaincode's, and its
// responderGLN with the GTIN owner's when withResponder.
func (sw *stressWorld) check(req Request, got Response, withResponder bool) error {
	want := sw.want[[2]string{req.Serial, req.Lot}]
	res := chaincode.VerifyResult{Verified: got.Verified, VerificationFailureReason: got.VerificationFailureReason,
		AdditionalInfo: got.AdditionalInfo, Conditions: got.Conditions}
	wantGLN := verifytest.ManufacturerGLN // an unknown serial's too
	if !withResponder {
		wantGLN = got.ResponderGLN
	}
	if !sameAnswer(res, want) || got.CorrUUID != req.CorrUUID || got.ResponderGLN != wantGLN {
		return fmt.Errorf("serial %s lot %q corrUUID %s: answer %+v (responderGLN %q, corrUUID %q), want %+v (responderGLN %q)",
			req.Serial, req.Lot, req.CorrUUID, res, got.ResponderGLN, got.CorrUUID, want, wantGLN)
	}
	return nil
}

// stressContext is, now and then, a context already cancelled, one with a
// deadline of a few hundred microseconds or one cancelled from another
// goroutine soon (short); otherwise one that ends only after a generous
// bound, so that a request left waiting forever fails the test rather than
// hanging it.
func stressContext(rng *rand.Rand) (ctx context.Context, cancel context.CancelFunc, short bool) {
	switch rng.IntN(10) {
	case 0:
		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		return ctx, cancel, true
	case 1:
		ctx, cancel = context.WithTimeout(context.Background(), time.Duration(rng.IntN(500))*time.Microsecond)
		return ctx, cancel, true
	case 2:
		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(time.Duration(rng.IntN(300))*time.Microsecond, cancel)
		return ctx, cancel, true
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	return ctx, cancel, false
}

// TestConcurrentVerificationsGetTheirOwnAnswers runs many verifications at
// once through the Redis cache's coalesced lookups and the pooled Lookups
// (single requests and small batches, coalesced; now and then a larger
// batch, sent on its own), of several organisations, some with contexts
// that end before or while they wait, and checks every answer against the
// chaincode's own: a pooled object reused while another request still reads
// or writes it would hand one request another's package, lot or partner.
func TestConcurrentVerificationsGetTheirOwnAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	f := newFixture(t, true, Options{NoLag: true, CacheTimeout: 10 * time.Second})
	sw := newStressWorld(t, f)

	var ids, fromCache, answered, cancelled atomic.Int64
	const workers, perWorker = 24, 250
	stress(t, workers, perWorker, 42, func(rng *rand.Rand, report func(error)) {
		n := 1
		switch rng.IntN(10) {
		case 0:
			n = 2 + rng.IntN(coalesceMaxSerials-1)
		case 1:
			n = coalesceMaxSerials + 1 + rng.IntN(8)
		}
		c := sw.call(rng, n, ids.Add(1))
		ctx, cancel, short := stressContext(rng)
		out, err := f.svc.Verify(ctx, f.w.Principal[c.org], c.reqs)
		ended := ctx.Err() != nil
		cancel()
		switch {
		case ended && !short:
			report(fmt.Errorf("%s, %d requests: no answer within a minute (%v)", c.org, n, err))
		case err != nil && ended:
			cancelled.Add(1)
		case err != nil && c.forbidden && problem.Is(err, problem.Forbidden):
		case err != nil:
			report(fmt.Errorf("%s, %d requests: %v", c.org, n, err))
		case c.forbidden:
			report(fmt.Errorf("%s, %d requests: answered %+v, want forbidden", c.org, n, out))
		case len(out) != n:
			report(fmt.Errorf("%d answers to %d requests", len(out), n))
		default:
			answered.Add(1)
			for i := range out {
				if out[i].Source == SourceCache {
					fromCache.Add(1)
				}
				// A request whose context ended may still be
				// answered, rightly, but without the GTIN owner's
				// GLN it reads from the ledger with that context.
				if err := sw.check(c.reqs[i], out[i], !ended); err != nil {
					report(err)
				}
			}
		}
	})
	t.Logf("%d calls: %d answered (%d answers from the cache), %d ended with their context", workers*perWorker, answered.Load(), fromCache.Load(), cancelled.Load())
	if fromCache.Load() == 0 || cancelled.Load() == 0 {
		t.Fatalf("the test did not exercise what it is for: %d cached answers, %d cancelled calls", fromCache.Load(), cancelled.Load())
	}
}

// TestConcurrentHTTPVerificationsGetTheirOwnAnswers sends single
// verifications over HTTP at once with every organisation's API key (some
// clients giving up early) and checks each answer: the shared principals,
// the pooled lookups and the query parser must hand every request its own.
func TestConcurrentHTTPVerificationsGetTheirOwnAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	f := newFixture(t, true, Options{NoLag: true, CacheTimeout: 10 * time.Second})
	sw := newStressWorld(t, f)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	t.Cleanup(client.CloseIdleConnections)

	var ids, answered atomic.Int64
	stress(t, 16, 120, 7, func(rng *rand.Rand, report func(error)) {
		c := sw.call(rng, 1, ids.Add(1))
		r := c.reqs[0]
		q := url.Values{"corrUUID": {r.CorrUUID}}
		if r.Lot != "" {
			q.Set("10", r.Lot)
		}
		if r.ReqGLN != "" {
			q.Set("reqGLN", r.ReqGLN)
		}
		raw := q.Encode()
		if rng.IntN(4) == 0 && r.Lot != "" {
			// An escaped key is the same key, and the same value given
			// again is one value (another is a 400, see http_test.go).
			raw = "1%30=" + url.QueryEscape(r.Lot) + "&" + raw
		}
		ctx, cancel, short := stressContext(rng)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url+path(r.Serial, raw), nil)
		if err != nil {
			report(err)
			cancel()
			return
		}
		req.Header.Set("Authorization", "Bearer "+f.w.APIKey[c.org])
		status, body, err := send(client, req)
		ended := ctx.Err() != nil
		cancel()
		switch {
		case ended && !short:
			report(fmt.Errorf("%s %s: no answer within a minute (%v)", c.org, req.URL, err))
		case err != nil && ended:
		case err != nil:
			report(err)
		case c.forbidden && status != http.StatusForbidden:
			report(fmt.Errorf("%s %s: status %d, want 403: %s", c.org, req.URL, status, body))
		case c.forbidden:
		case status != http.StatusOK:
			report(fmt.Errorf("%s %s: status %d: %s", c.org, req.URL, status, body))
		default:
			answered.Add(1)
			var got Response
			if err := json.Unmarshal(body, &got); err != nil {
				report(err)
			} else if err := sw.check(r, got, !ended); err != nil {
				report(fmt.Errorf("%s %s: %w", c.org, req.URL, err))
			}
		}
	})
	if answered.Load() == 0 {
		t.Fatal("no request was answered")
	}
}

// send does req and reads the answer.
func send(client *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// stress runs body perWorker times in each of workers goroutines, each with
// its own random source (seeded by the worker and seed), then fails t with
// the first errors they reported.
func stress(t *testing.T, workers, perWorker int, seed uint64, body func(rng *rand.Rand, report func(error))) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(firstErrors, 64)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), seed))
			for range perWorker {
				body(rng, errs.report)
			}
		})
	}
	wg.Wait()
	errs.check(t)
}

// firstErrors keeps the first errors concurrent workers report (the rest
// are dropped: one is enough to fail, and a full channel must not block).
type firstErrors chan error

func (e firstErrors) report(err error) {
	select {
	case e <- err:
	default:
	}
}

// check fails t with every kept error; the workers must have ended.
func (e firstErrors) check(t *testing.T) {
	t.Helper()
	close(e)
	for err := range e {
		t.Error(err)
	}
}

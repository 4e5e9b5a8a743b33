package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis/gs1"
	"rxledger/services/ingest"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// outageLedger is the real ledger behind a network that drops: while
// submitDown or readDown are above zero, each Submit or Evaluate fails
// as a ledger that cannot be reached does, and counts down.
type outageLedger struct {
	ledger.Ledger
	mu                   sync.Mutex
	submitDown, readDown int
	submits              int
}

func (o *outageLedger) down(n *int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

func unreachable() error {
	return ledger.NewError("", problem.Unavailable, errors.New("connection refused"), "a peer cannot be reached")
}

func (o *outageLedger) Submit(ctx context.Context, org string, tx ledger.Transaction) (ledger.Receipt, error) {
	o.mu.Lock()
	o.submits++
	o.mu.Unlock()
	if o.down(&o.submitDown) {
		return ledger.Receipt{}, unreachable()
	}
	return o.Ledger.Submit(ctx, org, tx)
}

func (o *outageLedger) Evaluate(ctx context.Context, org, fn string, args ...string) ([]byte, error) {
	if o.down(&o.readDown) {
		return nil, unreachable()
	}
	return o.Ledger.Evaluate(ctx, org, fn, args...)
}

// TestCaptureWaitsOutAnOutage: an accepted capture is not failed because
// the ledger cannot be reached for a while, however many tries that takes,
// and its shipment still gets its transaction information, read from the
// ledger once it is back.
func TestCaptureWaitsOutAnOutage(t *testing.T) {
	var o *outageLedger
	e := newEnv(t, true, func(c *ingest.Config) {
		o = &outageLedger{Ledger: c.Ledger}
		c.Ledger = o
		c.RetryFirst, c.RetryMax = time.Millisecond, 4*time.Millisecond
	})
	items := []string{sgtin("OU1"), sgtin("OU2")}
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "OU", items...), commissionContainers(1, sscc("9")),
		pack(2, sscc("9"), items...)), "json"))

	o.mu.Lock()
	o.submitDown, o.readDown, o.submits = 12, 3, 0
	o.mu.Unlock()
	j := e.mustCapture(mfr, ctJSON, encode(t, document(ship(3, mfrSGLN, whsSGLN, sscc("9"))), "json"))
	if o.submits != 13 {
		t.Fatalf("%d submissions, want 12 refused and the 13th committed", o.submits)
	}
	if len(j.T3) != 1 || len(j.Warnings) != 0 {
		t.Fatalf("job %+v: the shipment lost its T3 to the outage", j)
	}
	raw, err := e.l.Evaluate(t.Context(), whs, chaincode.FnReadT3, j.T3[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec chaincode.T3
	if err := json.Unmarshal(raw, &rec); err != nil || len(rec.Products) != 1 || rec.Products[0].Quantity != 2 {
		t.Fatalf("T3 %s %v", raw, err)
	}
}

// TestCaptureGivesUpAfterItsBudget: a ledger that stays unreachable for
// longer than Config.RetryBudget fails the job, saying so, and the next
// job of the organisation runs.
func TestCaptureGivesUpAfterItsBudget(t *testing.T) {
	var o *outageLedger
	e := newEnv(t, true, func(c *ingest.Config) {
		o = &outageLedger{Ledger: c.Ledger}
		c.Ledger = o
		c.RetryFirst, c.RetryMax, c.RetryBudget = time.Millisecond, 4*time.Millisecond, 50*time.Millisecond
	})
	o.mu.Lock()
	o.submitDown = 1 << 30
	o.mu.Unlock()
	j := e.job(mfr, e.capture(mfr, ctJSON, encode(t, document(commission(0, "GB", sgtin("GB1"))), "json")))
	if j.Success || len(j.Errors) != 1 || j.Errors[0].Code != problem.Unavailable || !strings.Contains(j.Errors[0].Detail, "capture it again") {
		t.Fatalf("job %+v: want failed, the ledger unreachable, to capture again", j)
	}
	o.mu.Lock()
	o.submitDown = 0
	o.mu.Unlock()
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "GB", sgtin("GB1"))), "json"))
}

// gatedLedger is the real ledger whose block stream can be held: while
// held, the query projection gets no further block.
type gatedLedger struct {
	ledger.Ledger
	mu   sync.Mutex
	gate chan struct{} // nil: open
}

func (g *gatedLedger) hold() {
	g.mu.Lock()
	g.gate = make(chan struct{})
	g.mu.Unlock()
}

func (g *gatedLedger) release() {
	g.mu.Lock()
	close(g.gate)
	g.gate = nil
	g.mu.Unlock()
}

func (g *gatedLedger) Blocks(ctx context.Context, from uint64, handle func(ledger.Block) error) error {
	return g.Ledger.Blocks(ctx, from, func(b ledger.Block) error {
		g.mu.Lock()
		gate := g.gate
		g.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return handle(b)
	})
}

// TestCaptureWaitsForTheIndexToKnowTheBuyer: a shipment to a GLN the
// query index does not know yet, while the index is behind the ledger (a
// rebuild, a slow projection), waits for it instead of being recorded
// without its T3.
func TestCaptureWaitsForTheIndexToKnowTheBuyer(t *testing.T) {
	var g *gatedLedger
	e := newEnv(t, true, func(c *ingest.Config) {
		if g == nil {
			g = &gatedLedger{Ledger: c.Ledger}
		}
		c.Ledger = g
		c.PartnerWait, c.RetryFirst, c.RetryMax = 20*time.Millisecond, 5*time.Millisecond, 20*time.Millisecond
	})
	item := sgtin("WB1")
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "WB", item)), "json"))

	g.hold()
	// The pharmacy's new GLN, attested while the index is held.
	glnOf := func(body string) string { return body + string(gs1.CheckDigit(body)) }
	newSGLN := "urn:epc:id:sgln:0377777.00001.0"
	p := chaincode.Partner{ID: pharm, Name: "Corner Pharmacy", Roles: []chaincode.Role{chaincode.RoleDispenser},
		GLNs:     []string{glnOf("037777700000"), glnOf("037777700001")},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "LIC-1", Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	raw, _ := json.Marshal(p)
	if _, err := e.l.Submit(t.Context(), pharm, ledgerTx(chaincode.FnPutPartner, string(raw))); err != nil {
		t.Fatal(err)
	}
	att, _ := json.Marshal(p.Claims())
	if _, err := e.l.Submit(t.Context(), reg, ledgerTx(chaincode.FnAttestPartner, pharm, string(att))); err != nil {
		t.Fatal(err)
	}
	loc := e.capture(mfr, ctJSON, encode(t, document(ship(1, mfrSGLN, newSGLN, item)), "json"))
	time.Sleep(200 * time.Millisecond)
	resp, b := e.do("GET", mfr, loc, "", nil, nil)
	var running ingest.Job
	if resp.StatusCode != 200 || json.Unmarshal(b, &running) != nil || !running.Running {
		t.Fatalf("with the index held, the job %s: want still running", b)
	}
	g.release()
	j := e.job(mfr, loc)
	if !j.Success || len(j.T3) != 1 || len(j.Warnings) != 0 {
		t.Fatalf("job %+v: want the shipment recorded with its T3", j)
	}
}

// breakingLedger is the real ledger, after whose next successful Submit
// the job directory can no longer be written (as when the disk fills up
// between the commit and the job's outcome).
type breakingLedger struct {
	ledger.Ledger
	once     sync.Once
	breakNow func()
}

func (b *breakingLedger) Submit(ctx context.Context, org string, tx ledger.Transaction) (ledger.Receipt, error) {
	r, err := b.Ledger.Submit(ctx, org, tx)
	if err == nil {
		b.once.Do(b.breakNow)
	}
	return r, err
}

// TestJobOutcomeThatCannotBeStored: a job whose capture committed but
// whose outcome cannot be written answers its outcome at once (it had read
// as running for ever), the service says it is not ready while the job
// directory cannot be written, and the outcome is stored once it can.
func TestJobOutcomeThatCannotBeStored(t *testing.T) {
	var jobs string
	e := newEnv(t, true, func(c *ingest.Config) {
		jobs = filepath.Join(c.DataDir, "jobs")
		c.Ledger = &breakingLedger{Ledger: c.Ledger, breakNow: func() {
			// A file where the directory was: every write fails (root,
			// as the tests may run, writes through permissions).
			if err := os.Rename(jobs, jobs+".away"); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(jobs, nil, 0o600); err != nil {
				t.Error(err)
			}
		}}
		c.RetryFirst, c.RetryMax = time.Millisecond, 4*time.Millisecond
	})
	loc := e.capture(mfr, ctJSON, encode(t, document(commission(0, "JO", sgtin("JO1"))), "json"))
	j := e.job(mfr, loc)
	if !j.Success || j.Running || j.TxID == "" {
		t.Fatalf("job %+v: want its outcome although it could not be stored", j)
	}
	err := e.svc.Ready(t.Context())
	if err == nil || !strings.Contains(err.Error(), "capture jobs cannot be stored") {
		t.Fatalf("Ready = %v while the job directory cannot be written", err)
	}

	if err := os.Remove(jobs); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(jobs+".away", jobs); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(loc, "/epcis/capture/")
	deadline := time.Now().Add(10 * time.Second)
	for {
		raw, err := os.ReadFile(filepath.Join(jobs, id+".json"))
		var stored struct {
			Job ingest.Job `json:"job"`
		}
		_, derr := os.Stat(filepath.Join(jobs, id+".doc")) // dropped after the record is written
		if err == nil && json.Unmarshal(raw, &stored) == nil && !stored.Job.Running && errors.Is(derr, os.ErrNotExist) {
			if !stored.Job.Success || stored.Job.TxID != j.TxID {
				t.Fatalf("stored outcome %+v, want the job's %+v", stored.Job, j)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outcome was not stored, or the document not dropped, once the directory could be written: %s %v; document: %v", raw, err, derr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := e.svc.Ready(t.Context()); err != nil {
		t.Errorf("Ready = %v once the job directory can be written", err)
	}
}

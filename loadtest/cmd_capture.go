package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/internal/testenv"
	"rxledger/loadtest/load"
	"rxledger/services/ingest"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
)

// Bounds of a capture run.
const (
	maxCaptureDocs = 2000
	captureTimeout = 5 * time.Minute
)

// runCapture measures EPCIS capture over HTTP on the embedded ledger: large
// commissioning documents posted to /epcis/capture, each timed until its
// job reports success. The ledger, the ingest service and the HTTP server
// run in this process on a loopback port (no child process), in a
// temporary directory removed afterwards.
func runCapture(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("capture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	epcsPerDoc := fs.Int("epcs", 10_000, "EPCs per commissioning document")
	eventsPerDoc := fs.Int("events", 1, "events per document (the EPCs are split among them)")
	docs := fs.Int("docs", 20, fmt.Sprintf("documents to capture (at most %d)", maxCaptureDocs))
	conc := fs.Int("c", 4, "documents in flight")
	warm := fs.Int("warmup", 2, "unmeasured documents captured first")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *docs < 1 || *docs > maxCaptureDocs || *epcsPerDoc < 1 || *eventsPerDoc < 1 || *eventsPerDoc > *epcsPerDoc || *conc < 1 || *warm < 0 {
		fmt.Fprintf(stderr, "loadtest capture: need 1 <= -docs <= %d, -epcs >= -events >= 1, -c >= 1, -warmup >= 0\n", maxCaptureDocs)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, captureTimeout)
	defer cancel()
	h, err := startCaptureHarness(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest capture: %v\n", err)
		return 1
	}
	defer h.close()

	bodies := make([][]byte, *warm+*docs)
	for i := range bodies {
		if bodies[i], err = commissioningDocument(i, *epcsPerDoc, *eventsPerDoc); err != nil {
			fmt.Fprintf(stderr, "loadtest capture: %v\n", err)
			return 1
		}
	}
	client := load.NewClient(*conc, time.Minute)
	if _, err := h.captureAll(ctx, client, bodies[:*warm], *conc); err != nil {
		fmt.Fprintf(stderr, "loadtest capture: warm-up: %v\n", err)
		return 1
	}
	cpu0, start := processCPU(), time.Now()
	hist, err := h.captureAll(ctx, client, bodies[*warm:], *conc)
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	if err != nil {
		fmt.Fprintf(stderr, "loadtest capture: %v\n", err)
		return 1
	}
	total := *docs * *epcsPerDoc
	cpuPerEPC := cpu / time.Duration(total)
	fmt.Fprintf(stdout, "capture over HTTP, embedded ledger: %d documents of %d EPCs in %d event(s), %d in flight\n", *docs, *epcsPerDoc, *eventsPerDoc, *conc)
	fmt.Fprintf(stdout, "  %d EPCs in %v: %.0f EPCs/s, %.1f documents/s\n", total, elapsed.Round(time.Millisecond),
		float64(total)/elapsed.Seconds(), float64(*docs)/elapsed.Seconds())
	fmt.Fprintf(stdout, "  document latency (POST to job success): p50 %v  p90 %v  p99 %v  max %v\n",
		hist.Quantile(0.5).Round(time.Millisecond), hist.Quantile(0.9).Round(time.Millisecond),
		hist.Quantile(0.99).Round(time.Millisecond), hist.Max().Round(time.Millisecond))
	fmt.Fprintf(stdout, "  process CPU %v: %v per EPC; on 2 idle cores about %.0f EPCs/s\n",
		cpu.Round(time.Millisecond), cpuPerEPC, 2*float64(time.Second)/float64(max(cpuPerEPC, 1)))
	return 0
}

// captureHarness is an embedded ledger with the demo manufacturer
// registered, the ingest service on it and a loopback HTTP server.
type captureHarness struct {
	dir    string
	l      *embedded.Ledger
	svc    *ingest.Service
	srv    *http.Server
	url    string
	key    string
	cancel context.CancelFunc
	done   chan error
}

func startCaptureHarness(ctx context.Context) (h *captureHarness, err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	cons, err := embedded.LoadConsortium(filepath.Join(root, "deploy", "consortium", "demo.json"))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rxledger-capture-load-")
	if err != nil {
		return nil, err
	}
	h = &captureHarness{dir: dir}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	quiet := slog.New(slog.DiscardHandler)
	if h.l, err = embedded.Open(filepath.Join(dir, "ledger"), cons, chaincode.Invoke, embedded.Options{Logger: quiet}); err != nil {
		return nil, err
	}
	if err := register(ctx, h.l, chaincode.Partner{ID: "ManufacturerMSP", Name: "Acme", Roles: []chaincode.Role{chaincode.RoleManufacturer},
		GLNs: []string{"0312345000004"}, CompanyPrefixes: []string{"0312345"},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "LIC-1", Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}}); err != nil {
		return nil, fmt.Errorf("register the manufacturer: %w", err)
	}
	keys, err := auth.OpenStore(filepath.Join(dir, auth.KeysFile))
	if err != nil {
		return nil, err
	}
	if h.key, _, err = keys.Issue(auth.Grant{Org: "ManufacturerMSP", Role: auth.Manufacturer}); err != nil {
		return nil, err
	}
	if h.svc, err = ingest.New(ingest.Config{Ledger: h.l, DataDir: filepath.Join(dir, "ingest"), FileSizeLimit: 64 << 20, CaptureLimit: 100_000, Logger: quiet}); err != nil {
		return nil, err
	}
	engine := httpx.NewEngine(httpx.EngineConfig{MaxBodyBytes: 64 << 20})
	h.svc.Mount(engine, auth.Middleware(keys))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h.url = "http://" + ln.Addr().String()
	h.srv = &http.Server{Handler: engine, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.svc.Run(rctx) }()
	return h, nil
}

func (h *captureHarness) close() {
	if h.srv != nil {
		_ = h.srv.Close()
	}
	if h.cancel != nil {
		h.cancel()
		<-h.done
	}
	if h.svc != nil {
		_ = h.svc.Close()
	}
	if h.l != nil {
		_ = h.l.Close()
	}
	_ = os.RemoveAll(h.dir)
}

// captureAll captures the documents with conc in flight and returns each
// one's latency from POST to job success.
func (h *captureHarness) captureAll(ctx context.Context, client *http.Client, bodies [][]byte, conc int) (*load.Histogram, error) {
	hist := load.NewHistogram()
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) || ctx.Err() != nil {
					return
				}
				start := time.Now()
				if err := h.captureOne(ctx, client, bodies[i]); err != nil {
					errs <- fmt.Errorf("document %d: %w", i, err)
					return
				}
				mu.Lock()
				hist.Record(time.Since(start))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := errors.Join(drain(errs)...); err != nil {
		return nil, err
	}
	return hist, ctx.Err()
}

func drain(ch chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
}

// captureOne posts a document and polls its job until it has finished.
func (h *captureHarness) captureOne(ctx context.Context, client *http.Client, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, "POST", h.url+"/epcis/capture", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/ld+json")
	req.Header.Set("Authorization", "Bearer "+h.key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("capture: %d %s", resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", h.url+loc, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+h.key)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		var job ingest.Job
		err = json.NewDecoder(resp.Body).Decode(&job)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("decode job: %w", err)
		}
		if !job.Running {
			if !job.Success {
				return fmt.Errorf("job failed: %+v", job.Errors)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// commissioningDocument is an EPCIS 2.0 JSON-LD document commissioning
// epcs serialised items of the demo manufacturer's GTIN in events events.
func commissioningDocument(n, epcs, events int) ([]byte, error) {
	t := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)
	doc := &epcis.Document{SchemaVersion: "2.0", CreationDate: t}
	per := (epcs + events - 1) / events
	for k := 0; k < epcs; k += per {
		ev := epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionAdd, BizStep: "commissioning", Disposition: "active",
			EventTime: t.Add(time.Duration(k) * time.Millisecond), EventTimeZoneOffset: "+00:00",
			BizLocation: "urn:epc:id:sgln:0312345.00000.0",
			ILMD: []epcis.Element{
				{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: fmt.Sprintf("LOAD%d", n)},
				{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: "2099-12-31"},
			}}
		for j := k; j < min(k+per, epcs); j++ {
			ev.EPCList = append(ev.EPCList, fmt.Sprintf("urn:epc:id:sgtin:0312345.067890.L%dS%d", n, j))
		}
		doc.Events = append(doc.Events, ev)
	}
	var buf bytes.Buffer
	if err := epcis.EncodeJSON(&buf, doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// repoRoot finds the directory holding go.mod from the working directory.
func repoRoot() (string, error) {
	dir, err := testenv.FindRepoRoot()
	if err != nil {
		return "", fmt.Errorf("%w: run from the repository", err)
	}
	return dir, nil
}

func ledgerTx(fn string, args ...string) ledger.Transaction {
	return ledger.Transaction{Function: fn, Args: args}
}

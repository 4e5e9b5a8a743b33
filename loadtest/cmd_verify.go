package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"rxledger/loadtest/load"
)

// Bounds of a verify run.
const (
	maxVerifySerials = 1_000_000
	maxVerifyBatch   = 1000
	// verifyArgsEnv carries the serve-verify child's arguments (not argv,
	// which a test binary standing in for loadtest would read as flags).
	verifyArgsEnv = "RXLEDGER_LOADTEST_VERIFY_ARGS"
)

// runVerify measures the verify service (single LMS requests side by side
// with the baseline, batches) and the returns check over HTTP. The service
// runs on the embedded ledger in a child process, like the baseline, with
// serials delivered to the pharmacy; the cache is Redis with -redis (the
// database is flushed first) or in-process.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf loadFlags
	lf.register(fs)
	serials := fs.Int("serials", 20_000, fmt.Sprintf("serials to commission and deliver (at most %d)", maxVerifySerials))
	batch := fs.Int("batch", 1000, fmt.Sprintf("identifiers per batch request (at most %d)", maxVerifyBatch))
	batchConc := fs.Int("batch-c", 4, "concurrent workers for the batch phase")
	redisURL := fs.String("redis", "", "Redis `URL` for the cache (its database is FLUSHED); empty for the in-process cache")
	scenarios := fs.String("scenarios", "single,batch,returns", "comma list of single (with the baseline, judged), batch, returns")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *serials < 1 || *serials > maxVerifySerials || *batch < 1 || *batch > maxVerifyBatch || *batchConc < 1 {
		fmt.Fprintf(stderr, "loadtest verify: need 1 <= -serials <= %d, 1 <= -batch <= %d, -batch-c >= 1\n", maxVerifySerials, maxVerifyBatch)
		return 2
	}
	child, err := startVerifyProcess(*serials, *redisURL)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest verify: %v\n", err)
		return 1
	}
	defer child.Close()
	t := child.target
	fmt.Fprintf(stdout, "verify service: %d serials delivered, cache %s, embedded ledger, in its own process\n", t.Serials, t.Cache)
	client := load.NewClient(max(lf.concurrency, *batchConc), lf.timeout)
	code := 0
	for _, sc := range strings.Split(*scenarios, ",") {
		switch strings.TrimSpace(sc) {
		case "single":
			b, err := startBaselineProcess()
			if err != nil {
				fmt.Fprintf(stderr, "loadtest verify: %v\n", err)
				return 1
			}
			cfg := lf.config(0)
			cfg.ServerPID = child.cmd.Process.Pid
			c, err := load.Compare(ctx, client, b.URL, b.PID(), &singleScenario{t: t}, cfg)
			b.Close()
			if err != nil {
				fmt.Fprintf(stderr, "loadtest verify: %v\n", err)
				return 1
			}
			load.WriteTable(stdout, c.Baseline, c.Target, c.AtHalf, c.BaselineAtHalf)
			ok, why := c.Verdict()
			fmt.Fprintf(stdout, "single verification: ratio to baseline %.2f; %s\n", c.Ratio(), why)
			fmt.Fprintln(stdout, c.Reference())
			if !ok {
				code = 1
			}
		case "batch":
			s, err := newBatchScenario(t, *batch)
			if err != nil {
				fmt.Fprintf(stderr, "loadtest verify: %v\n", err)
				return 1
			}
			cfg := lf.config(0)
			cfg.Concurrency = *batchConc
			cfg.ServerPID = child.cmd.Process.Pid
			res, err := load.Run(ctx, client, s, cfg)
			if err != nil {
				fmt.Fprintf(stderr, "loadtest verify: %v\n", err)
				return 1
			}
			load.WriteTable(stdout, res)
			ids := res.Throughput() * float64(*batch)
			verdict := "meets"
			if ids < 200_000 || res.Failed() > 0 {
				verdict, code = "MISSES", 1
			}
			fmt.Fprintf(stdout, "batch verification: %.0f identifiers/s (%d per request); %s the 200,000/s target\n", ids, *batch, verdict)
		case "returns":
			cfg := lf.config(0)
			cfg.ServerPID = child.cmd.Process.Pid
			res, err := load.Run(ctx, client, &returnsScenario{t: t}, cfg)
			if err != nil {
				fmt.Fprintf(stderr, "loadtest verify: %v\n", err)
				return 1
			}
			load.WriteTable(stdout, res)
			if res.Failed() > 0 {
				code = 1
			}
		default:
			fmt.Fprintf(stderr, "loadtest verify: unknown scenario %q\n", sc)
			return 2
		}
	}
	return code
}

// singleScenario is GET /verify/01/{gtin}/21/V{seq mod serials} with lot and
// expiry, as a pharmacy's scanner asks.
type singleScenario struct{ t verifyTarget }

func (s *singleScenario) Name() string { return "verify single (LMS GET)" }

func (s *singleScenario) Request(seq uint64) (*http.Request, error) {
	u := s.t.URL + "/verify/01/" + verifyGTIN + "/21/V" + strconv.FormatUint(seq%uint64(s.t.Serials), 10) +
		"?10=" + verifyLot + "&17=" + verifyExpiry + "&linkType=verificationService"
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.t.Key)
	return req, nil
}

func (s *singleScenario) NeedsBody() bool { return true }

func (s *singleScenario) Check(status int, body []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("status %d", status)
	}
	if !bytes.Contains(body, []byte(`"verified":true`)) {
		return errors.New("not verified")
	}
	return nil
}

// batchScenario posts batches of identifiers, rotating through bodies
// prepared in advance so the client spends its time sending.
type batchScenario struct {
	t      verifyTarget
	bodies [][]byte
	size   int
}

func newBatchScenario(t verifyTarget, size int) (*batchScenario, error) {
	s := &batchScenario{t: t, size: size}
	next := 0
	for range 16 {
		reqs := make([]map[string]string, size)
		for i := range reqs {
			reqs[i] = map[string]string{"gtin": verifyGTIN, "serial": "V" + strconv.Itoa(next%t.Serials), "lot": verifyLot, "expiry": verifyExpiry}
			next++
		}
		b, err := json.Marshal(map[string]any{"requests": reqs})
		if err != nil {
			return nil, err
		}
		s.bodies = append(s.bodies, b)
	}
	return s, nil
}

func (s *batchScenario) Name() string { return fmt.Sprintf("verify batch of %d", s.size) }

func (s *batchScenario) Request(seq uint64) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, s.t.URL+"/verify/batch", bytes.NewReader(s.bodies[seq%uint64(len(s.bodies))]))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.t.Key)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func (s *batchScenario) NeedsBody() bool { return true }

func (s *batchScenario) Check(status int, body []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("status %d", status)
	}
	if n := bytes.Count(body, []byte(`"verified":true`)); n != s.size {
		return fmt.Errorf("%d of %d verified", n, s.size)
	}
	return nil
}

// returnsScenario is POST /returns/check of a package the wholesaler sold
// to the pharmacy: saleable.
type returnsScenario struct{ t verifyTarget }

func (s *returnsScenario) Name() string { return "returns check (single)" }

func (s *returnsScenario) Request(seq uint64) (*http.Request, error) {
	body := `{"gtin":"` + verifyGTIN + `","serial":"V` + strconv.FormatUint(seq%uint64(s.t.Serials), 10) +
		`","lot":"` + verifyLot + `","expiry":"` + verifyExpiry + `","returnedBy":"` + pharmacyGLN + `"}`
	req, err := http.NewRequest(http.MethodPost, s.t.URL+"/returns/check", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.t.Key)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func (s *returnsScenario) NeedsBody() bool { return true }

func (s *returnsScenario) Check(status int, body []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("status %d", status)
	}
	if !bytes.Contains(body, []byte(`"decision":"saleable"`)) {
		return errors.New("not saleable")
	}
	return nil
}

// runServeVerify is the hidden `serve-verify` command: it builds the verify
// harness, prints its target as one JSON line, and stops when its standard
// input closes. Its arguments come from verifyArgsEnv.
func runServeVerify(ctx context.Context, _ []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serials := fs.Int("serials", 20_000, "")
	redisURL := fs.String("redis", "", "")
	if err := fs.Parse(strings.Fields(os.Getenv(verifyArgsEnv))); err != nil {
		return 2
	}
	h, err := startVerifyHarness(ctx, *serials, *redisURL)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest serve-verify: %v\n", err)
		return 1
	}
	defer h.close()
	line, err := json.Marshal(h.target)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest serve-verify: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, string(line))
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	select {
	case <-eof:
	case <-ctx.Done():
	}
	return 0
}

// verifyProcess is the verify harness in a child process.
type verifyProcess struct {
	target verifyTarget
	cmd    *exec.Cmd
	stdin  io.Closer
}

// startVerifyProcess runs this executable's serve-verify command; like the
// baseline's child it is marked with childEnv and never started from a
// child.
func startVerifyProcess(serials int, redisURL string) (*verifyProcess, error) {
	if os.Getenv(childEnv) != "" {
		return nil, errors.New("verify process: refusing to start a child from a child process")
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the loadtest executable: %w", err)
	}
	cmd := exec.Command(exe, "serve-verify")
	childArgs := "-serials " + strconv.Itoa(serials)
	if redisURL != "" {
		childArgs += " -redis " + redisURL
	}
	cmd.Env = append(os.Environ(), childEnv+"=serve-verify", verifyArgsEnv+"="+childArgs)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("verify process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("verify process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the verify process: %w", err)
	}
	p := &verifyProcess{cmd: cmd, stdin: stdin}
	done := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, &p.target)
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(5 * time.Minute):
		err = errors.New("no answer in 5 minutes")
	}
	if err == nil {
		err = load.CheckLoopback(p.target.URL)
	}
	if err != nil {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("verify process: %w", err)
	}
	return p, nil
}

// Close stops the verify process and waits for it.
func (p *verifyProcess) Close() error {
	p.stdin.Close()
	return p.cmd.Wait()
}

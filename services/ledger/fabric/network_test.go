package fabric

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// The Fabric tests share one network per test binary: brought up by the
// first test that needs it (deploy/fabric/scripts/up, on free ports in a
// temporary directory) and brought down, its directory wiped, by TestMain.
// RXL_FABRIC_KEEP=1 leaves it running for inspection.

const howToRun = "the Fabric tests need Fabric v2.5 binaries (peer, orderer, osnadmin, configtxgen, cryptogen); " +
	"run them with FABRIC_BIN=/path/to/fabric/bin go test ./services/ledger/fabric/..."

var fabricBinaries = []string{"peer", "orderer", "osnadmin", "configtxgen", "cryptogen"}

// testNetwork is the package's shared network.
var testNetwork struct {
	once    sync.Once
	skip    string
	err     error
	env     []string // environment of the network scripts
	repo    string
	profile Profile
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testNetwork.profile != nil && os.Getenv("RXL_FABRIC_KEEP") != "1" {
		if out, err := runScript("down", "--wipe"); err != nil {
			fmt.Fprintf(os.Stderr, "fabric tests: bringing the network down: %v\n%s\n", err, out)
		}
	}
	os.Exit(code)
}

// network returns the connection profile of the shared network, bringing it
// up first if needed, or skips the test when Fabric's binaries are absent.
func network(t *testing.T) Profile {
	t.Helper()
	testNetwork.once.Do(startNetwork)
	if testNetwork.skip != "" {
		t.Skip(testNetwork.skip)
	}
	if testNetwork.err != nil {
		t.Fatalf("fabric test network: %v", testNetwork.err)
	}
	return testNetwork.profile
}

func startNetwork() {
	if bin := os.Getenv("FABRIC_BIN"); bin != "" {
		for _, name := range fabricBinaries {
			if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
				testNetwork.skip = fmt.Sprintf("FABRIC_BIN=%s has no %s; %s", bin, name, howToRun)
				return
			}
		}
	} else {
		for _, name := range fabricBinaries {
			if _, err := exec.LookPath(name); err != nil {
				testNetwork.skip = fmt.Sprintf("FABRIC_BIN is not set and %s is not on PATH; %s", name, howToRun)
				return
			}
		}
	}
	repo, err := repoRoot()
	if err != nil {
		testNetwork.err = err
		return
	}
	dir, err := os.MkdirTemp("", "rxl-fabric-test-")
	if err != nil {
		testNetwork.err = fmt.Errorf("data directory: %w", err)
		return
	}
	base, err := freePortBase(45)
	if err != nil {
		testNetwork.err = err
		return
	}
	chaincodes := "baseline"
	if _, err := os.Stat(filepath.Join(repo, "chaincode", "cmd", "rxledger-cc")); err == nil {
		chaincodes = "baseline rxledger"
	}
	testNetwork.repo = repo
	testNetwork.env = append(os.Environ(),
		"RXL_FABRIC_DIR="+dir,
		fmt.Sprintf("RXL_FABRIC_PORT_BASE=%d", base),
		"RXL_FABRIC_CHAINCODES="+chaincodes,
		"RXL_FABRIC_REBUILD=1",
	)
	if out, err := runScript("up"); err != nil {
		testNetwork.err = fmt.Errorf("deploy/fabric/scripts/up: %w\n%s", err, out)
		// Stop whatever did start.
		_, _ = runScript("down", "--wipe")
		return
	}
	testNetwork.profile, testNetwork.err = LoadProfile(filepath.Join(dir, "network.env"))
}

// runScript runs one of deploy/fabric/scripts on the shared network.
func runScript(name string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(testNetwork.repo, "deploy", "fabric", "scripts", name), args...)
	cmd.Env = testNetwork.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// ctl starts or stops one process of the shared network.
func ctl(t *testing.T, action, proc string) {
	t.Helper()
	if out, err := runScript("ctl", action, proc); err != nil {
		t.Fatalf("ctl %s %s: %v\n%s", action, proc, err, out)
	}
}

// repoRoot walks up from the working directory to go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// freePortBase finds n consecutive free loopback ports.
func freePortBase(n int) (int, error) {
	for range 50 {
		base := 20000 + 50*rand.IntN(800)
		var ls []net.Listener
		ok := true
		for p := base; p < base+n; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("no range of free ports found")
}

// newTestLedger opens a Ledger on the shared network for chaincode, acting
// for orgs (all four when none are given).
func newTestLedger(t *testing.T, chaincode string, orgs ...string) *Ledger {
	t.Helper()
	cfg, err := network(t).Config(chaincode, orgs...)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// uniqueKey returns a key no other test run uses.
func uniqueKey(t *testing.T, what string) string {
	return fmt.Sprintf("%s/%s/%d", t.Name(), what, rand.Uint64())
}

// eventually retries fn until it succeeds, failing the test if it has not
// within limit (a bound on waiting for the network, not a speed assertion).
func eventually(t *testing.T, limit time.Duration, what string, fn func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var last error
	for {
		callCtx, callCancel := context.WithTimeout(ctx, 20*time.Second)
		last = fn(callCtx)
		callCancel()
		if last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: still failing after %s: %v", what, limit, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// wantCode fails the test unless err is a *ledger.Error with code.
func wantCode(t *testing.T, err error, code problem.Code) *ledger.Error {
	t.Helper()
	var le *ledger.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T) is not a *ledger.Error", err, err)
	}
	if got := problem.CodeOf(err); got != code {
		t.Fatalf("code %q, want %q; error: %v", got, code, err)
	}
	return le
}

package embedded

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// holdDirEnv, when set, makes TestHoldLedgerHelperProcess hold the ledger
// in that directory open until its standard input closes.
const holdDirEnv = "RXLEDGER_EMBEDDED_HOLD_DIR"

// TestHoldLedgerHelperProcess is not a test: run by
// TestOpenInUseByAnotherProcess in a child process, it opens the ledger,
// prints "held" and keeps it open until its standard input closes.
func TestHoldLedgerHelperProcess(t *testing.T) {
	dir := os.Getenv(holdDirEnv)
	if dir == "" {
		t.Skip("helper process for TestOpenInUseByAnotherProcess")
	}
	l, err := Open(dir, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	os.Stdout.WriteString("held\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	l.Close()
}

// TestOpenInUseByAnotherProcess: a ledger directory another process has
// open is refused with an error that says so, not the bare lock error
// ("resource temporarily unavailable").
func TestOpenInUseByAnotherProcess(t *testing.T) {
	existing := t.TempDir()
	if err := openAt(t, existing, nil, Options{}).Close(); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{"a new ledger": t.TempDir(), "an existing ledger": existing} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHoldLedgerHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), holdDirEnv+"="+dir)
			cmd.Stderr = os.Stderr
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				if err := cmd.Wait(); err != nil {
					t.Errorf("helper: %v", err)
				}
			}()
			if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "held\n" {
				t.Fatalf("helper said %q, %v", line, err)
			}
			l, err := Open(dir, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
			if err == nil {
				l.Close()
				t.Fatal("opened a ledger another process holds")
			}
			if !strings.Contains(err.Error(), "in use by another process") {
				t.Errorf("error %q does not say the ledger is in use by another process", err)
			}
		})
	}
}

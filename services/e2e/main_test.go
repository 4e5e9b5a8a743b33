package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"rxledger/internal/testenv"
)

// binary is the rxledger binary TestMain built for the tests.
var binary string

// childEnv marks processes the tests start; a test binary that finds it
// set refuses to run, so nothing can start the tests from within a test.
const childEnv = "RXLEDGER_E2E_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		fmt.Fprintln(os.Stderr, "e2e: refusing to run inside a process started by the e2e tests ("+childEnv+" is set)")
		os.Exit(2)
	}
	os.Exit(run(m))
}

// run builds the binary into a temporary directory, runs the tests and
// removes the directory.
func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rxledger-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := testenv.FindRepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binary = filepath.Join(dir, "rxledger")
	build := exec.Command("go", "build", "-o", binary, "./services/cmd/rxledger")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build the rxledger binary:", err)
		return 1
	}
	return m.Run()
}

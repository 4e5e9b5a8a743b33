package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"rxledger/loadtest/load"
)

// runServeBaseline is the hidden `serve-baseline` command: it serves the
// baseline on a free loopback port, prints its URL, and stops when its
// standard input closes (the parent ended, however it ended).
func runServeBaseline(ctx context.Context, _ []string, stdout, stderr io.Writer) int {
	b, err := load.StartBaseline()
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, b.URL)
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	select {
	case <-eof:
	case <-ctx.Done():
	}
	if err := b.Close(); err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	return 0
}

// baselineProcess is the baseline server in a child process, so that it is
// scheduled like a target server in its own process.
type baselineProcess struct {
	URL   string
	cmd   *exec.Cmd
	stdin io.Closer
}

// childEnv marks a process started by startBaselineProcess; TestMain uses it
// to run the child's command instead of the tests.
const childEnv = "RXLEDGER_LOADTEST_CHILD"

// startBaselineProcess runs this executable's serve-baseline command.
func startBaselineProcess() (*baselineProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the loadtest executable: %w", err)
	}
	// A child never starts children: under `go test` os.Executable is the
	// test binary, which would run the tests (and this function) again.
	if os.Getenv(childEnv) != "" {
		return nil, fmt.Errorf("baseline process: refusing to start a child from a child process")
	}
	cmd := exec.Command(exe, "serve-baseline")
	cmd.Env = append(os.Environ(), childEnv+"=serve-baseline")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("baseline process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("baseline process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the baseline process: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("baseline process printed no URL: %w", err)
	}
	url := strings.TrimSpace(line)
	if err := load.CheckLoopback(url); err != nil {
		stdin.Close()
		_ = cmd.Wait()
		return nil, err
	}
	return &baselineProcess{URL: url, cmd: cmd, stdin: stdin}, nil
}

// PID is the baseline process's ID.
func (p *baselineProcess) PID() int { return p.cmd.Process.Pid }

// Close stops the baseline process and waits for it.
func (p *baselineProcess) Close() error {
	p.stdin.Close()
	if err := p.cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("baseline process: %w", err)
		}
		return err
	}
	return nil
}

package e2e

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// waitBound is how long a test waits for something that should happen
// soon (a process answering, a job finishing, a cache rebuilding) before
// it gives up: a safety net against a broken build, not a timing check.
const waitBound = 90 * time.Second

// node is one running `rxledger serve` process.
type node struct {
	t    *testing.T
	data string
	base string // http://127.0.0.1:port

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	mu   sync.Mutex
	out  bytes.Buffer // stdout and stderr, for failure messages
}

var servingLine = regexp.MustCompile(`rxledger serving (http://\S+)`)

// startNode starts the binary on data with --demo on a free port (and
// --redis when redisURL is set, and any extra flags), waits for /readyz
// and stops it when the test ends.
func startNode(t *testing.T, data, redisURL string, extra ...string) *node {
	t.Helper()
	args := []string{"--demo"}
	if redisURL != "" {
		args = append(args, "--redis", redisURL)
	}
	return startServe(t, data, append(args, extra...)...)
}

// startServe starts `rxledger serve --data data args...` on a free port,
// waits for /readyz and stops it when the test ends.
func startServe(t *testing.T, data string, args ...string) *node {
	t.Helper()
	args = append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, args...)
	n := &node{t: t, data: data, done: make(chan struct{})}
	n.cmd = exec.Command(binary, args...)
	n.cmd.Env = append(os.Environ(), childEnv+"=1", "OTEL_EXPORTER_OTLP_ENDPOINT=")
	addr := make(chan string, 1)
	n.cmd.Stdout = &lockedWriter{n: n, addr: addr}
	n.cmd.Stderr = &lockedWriter{n: n}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start rxledger: %v", err)
	}
	t.Cleanup(n.kill)
	go func() {
		_ = n.cmd.Wait()
		close(n.done)
	}()
	select {
	case n.base = <-addr:
	case <-n.done:
		t.Fatalf("rxledger exited before serving:\n%s", n.output())
	case <-time.After(waitBound):
		t.Fatalf("rxledger did not start serving:\n%s", n.output())
	}
	n.waitReady()
	return n
}

// waitReady polls /readyz until it answers 200.
func (n *node) waitReady() {
	n.t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		resp, err := http.Get(n.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-n.done:
			n.t.Fatalf("rxledger exited before it was ready:\n%s", n.output())
		default:
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("rxledger not ready (last: %v):\n%s", err, n.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process with SIGTERM (a clean shutdown) and waits for it.
func (n *node) stop() {
	n.t.Helper()
	n.signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(waitBound):
		n.kill()
		n.t.Fatalf("rxledger did not stop on SIGTERM:\n%s", n.output())
	}
	if code := n.cmd.ProcessState.ExitCode(); code != 0 {
		n.t.Fatalf("rxledger exited with %d on SIGTERM:\n%s", code, n.output())
	}
}

// kill ends the process with SIGKILL (a crash) and waits for it.
func (n *node) kill() {
	n.signal(syscall.SIGKILL)
	<-n.done
}

func (n *node) signal(sig syscall.Signal) {
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Signal(sig)
}

func (n *node) write(p []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.out.Write(p)
}

// output returns the end of what the process printed (its last 8 KiB),
// for failure messages.
func (n *node) output() string {
	s := n.logs()
	if len(s) > 8<<10 {
		s = s[len(s)-8<<10:]
	}
	return s
}

// logs returns everything the process printed.
func (n *node) logs() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.out.String()
}

// lockedWriter collects a stream of the process; the stdout one sends the
// address of the "rxledger serving" line on addr, once.
type lockedWriter struct {
	n    *node
	addr chan string
	line []byte
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.n.write(p)
	if w.addr == nil {
		return len(p), nil
	}
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		if m := servingLine.FindSubmatch(w.line[:i]); m != nil {
			w.addr <- string(m[1])
			w.addr = nil
			w.line = nil
			break
		}
		w.line = w.line[i+1:]
	}
	return len(p), nil
}

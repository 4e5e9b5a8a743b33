// Package redistest runs a real redis-server for tests: on a free loopback
// port, in a temporary directory, without persistence, stopped when the test
// ends. Stop, Kill and Restart let fault tests take Redis away and bring it
// back on the same address.
//
// When redis-server is not installed, Start skips the test with a message
// saying so (scripts/deps installs it).
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startTimeout bounds the wait for a started redis-server to answer PING.
const startTimeout = 15 * time.Second

// Server is a running (or stopped) redis-server owned by one test.
type Server struct {
	// Addr is host:port; URL is redis://Addr/0. Both stay the same across
	// Restart.
	Addr string
	URL  string

	t      testing.TB
	binary string
	dir    string
	port   int

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd has exited
}

// Start starts a redis-server for t and stops it when t ends. It skips t when
// redis-server is not installed and fails t if it cannot start.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("SKIPPING: redis-server is not installed (not on PATH); run scripts/deps to install it. " +
			"This test needs a real Redis.")
	}
	s := &Server{t: t, binary: bin, dir: t.TempDir()}
	var lastErr error
	for range 3 { // a free port can be taken between probe and bind
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: find a free port: %v", err)
		}
		s.port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.URL = "redis://" + s.Addr + "/0"
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Kill)
			return s
		}
	}
	t.Fatalf("redistest: start redis-server: %v", lastErr)
	return nil
}

// start runs redis-server on s.port and waits until it answers PING.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("already running")
	}
	logPath := filepath.Join(s.dir, "redis.log")
	cmd := exec.Command(s.binary,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--protected-mode", "yes",
		"--logfile", logPath,
	)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.binary, err)
	}
	exit := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exit)
	}()
	if err := waitReady(s.Addr, exit); err != nil {
		_ = cmd.Process.Kill()
		<-exit
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w; redis log:\n%s", err, log)
	}
	s.cmd, s.exit = cmd, exit
	return nil
}

// waitReady polls PING until it answers, the process exits, or startTimeout.
func waitReady(addr string, exit <-chan struct{}) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exit:
			return fmt.Errorf("redis-server exited during start: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer PING within %s: %w", startTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop shuts Redis down gracefully (SIGTERM) and waits for it to exit.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

// Kill kills Redis (SIGKILL), as a crash would, and waits for it to exit.
// Calling it on a stopped server does nothing.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	<-s.exit
	s.cmd, s.exit = nil, nil
}

// Pause stops Redis answering (SIGSTOP) without closing its connections, as
// a host swapping or a stuck script would; Resume lets it go on. Pause is
// undone when the test ends.
func (s *Server) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGSTOP)
		s.t.Cleanup(s.Resume)
	}
}

// Resume undoes Pause (SIGCONT).
func (s *Server) Resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// Restart starts a stopped or killed Redis again on the same address (empty:
// nothing is persisted). It fails the test if Redis is running or cannot start.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart redis-server on %s: %v", s.Addr, err)
	}
}

// Running reports whether the redis-server process is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Client returns a go-redis client for the server, closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Flush deletes every key in every database.
func (s *Server) Flush() {
	s.t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.FlushAll(ctx).Err(); err != nil {
		s.t.Fatalf("redistest: FLUSHALL on %s: %v", s.Addr, err)
	}
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

package redistest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rxledger/services/platform/redistest"
)

func TestServerLifecycle(t *testing.T) {
	s := redistest.Start(t)
	ctx := context.Background()

	opts, err := redis.ParseURL(s.URL)
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", s.URL, err)
	}
	if opts.Addr != s.Addr {
		t.Errorf("URL address %s, Addr %s", opts.Addr, s.Addr)
	}
	opts.MaxRetries = -1 // fail fast while Redis is down
	c := redis.NewClient(opts)
	defer c.Close()

	t.Run("serves commands", func(t *testing.T) {
		if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
			t.Errorf("GET k = %q, %v", got, err)
		}
	})
	t.Run("flush empties it", func(t *testing.T) {
		if err := c.Set(ctx, "k2", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		s.Flush()
		if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
			t.Errorf("DBSIZE after Flush = %d, %v", n, err)
		}
	})
	t.Run("kill takes it away", func(t *testing.T) {
		s.Kill()
		if s.Running() {
			t.Error("Running after Kill")
		}
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := c.Ping(short).Err(); err == nil {
			t.Error("PING answered after Kill")
		}
		s.Kill() // idempotent
	})
	t.Run("restart on the same address, empty", func(t *testing.T) {
		if err := c.Set(ctx, "before", "x", 0).Err(); err == nil {
			t.Fatal("SET succeeded while Redis was down")
		}
		s.Restart()
		if !s.Running() {
			t.Error("not Running after Restart")
		}
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatalf("PING after Restart: %v", err)
		}
		if _, err := c.Get(ctx, "k").Result(); !errors.Is(err, redis.Nil) {
			t.Errorf("GET k after restart = %v, want redis.Nil (nothing persisted)", err)
		}
	})
	t.Run("graceful stop", func(t *testing.T) {
		s.Stop()
		if s.Running() {
			t.Error("Running after Stop")
		}
		s.Restart()
		if err := s.Client().Ping(ctx).Err(); err != nil {
			t.Errorf("PING through Client after Stop and Restart: %v", err)
		}
	})
}

func TestServersAreIsolated(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("two servers share %s", a.Addr)
	}
	ctx := context.Background()
	if err := a.Client().Set(ctx, "only-in-a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Client().Get(ctx, "only-in-a").Result(); !errors.Is(err, redis.Nil) {
		t.Errorf("key written to a is visible in b: %v", err)
	}
}

func TestSkipsWithoutRedisServer(t *testing.T) {
	var inner *testing.T
	t.Run("no redis-server on PATH", func(t *testing.T) {
		inner = t
		t.Setenv("PATH", t.TempDir())
		redistest.Start(t)
		t.Error("Start returned without redis-server")
	})
	if !inner.Skipped() {
		t.Error("Start did not skip the test")
	}
}

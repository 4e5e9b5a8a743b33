package server

import (
	"context"
	"errors"
	"testing"
)

func TestDegradedCheckStaysReady(t *testing.T) {
	r := NewReadiness(nil)
	r.Add("ledger", func(context.Context) error { return nil })
	r.Add("cache", func(context.Context) error { return Degraded(errors.New("redis down")) })
	results, ok := r.Run(context.Background())
	if !ok {
		t.Fatalf("a degraded check made the process not ready: %+v", results)
	}
	if len(results) != 2 || results[1] != (CheckResult{Name: "cache", OK: true, Degraded: true, Reason: "failed (the reason is in the log)"}) || results[0].Degraded {
		t.Fatalf("results %+v", results)
	}
	r.Add("ledger", func(context.Context) error { return errors.New("down") })
	if _, ok := r.Run(context.Background()); ok {
		t.Fatal("a failing check left the process ready")
	}
}

// TestCheckReasons: /readyz shows the reason a check gives with Explain,
// never the error itself (it may name internal addresses).
func TestCheckReasons(t *testing.T) {
	r := NewReadiness(nil)
	r.Add("cache", func(context.Context) error {
		return Degraded(Explain(errors.New("dial tcp 10.0.0.7:6379: refused"), "Redis does not answer"))
	})
	r.Add("projection", func(context.Context) error { return Explain(errors.New("at 3 of 9"), "at block 3 of 9") })
	results, ok := r.Run(context.Background())
	if ok || results[0].Reason != "Redis does not answer" || !results[0].Degraded || results[1].Reason != "at block 3 of 9" || results[1].OK {
		t.Fatalf("results %+v", results)
	}
}

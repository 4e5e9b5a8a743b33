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
	if len(results) != 2 || results[1] != (CheckResult{Name: "cache", OK: true, Degraded: true}) || results[0].Degraded {
		t.Fatalf("results %+v", results)
	}
	r.Add("ledger", func(context.Context) error { return errors.New("down") })
	if _, ok := r.Run(context.Background()); ok {
		t.Fatal("a failing check left the process ready")
	}
}

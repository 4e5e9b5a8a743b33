package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary stand in for the loadtest binary when
// startBaselineProcess re-executes it as the baseline server's process.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "serve-baseline" {
		os.Exit(run(context.Background(), []string{"serve-baseline"}, os.Stdout, os.Stderr))
	}
	if os.Getenv(childEnv) == "serve-verify" {
		os.Exit(run(context.Background(), []string{"serve-verify"}, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestBaselineChildDoesNotRecurse(t *testing.T) {
	t.Setenv(childEnv, "serve-baseline")
	if p, err := startBaselineProcess(); err == nil {
		p.Close()
		t.Fatal("a baseline child process started another")
	}
}

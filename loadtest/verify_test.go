package main

import "testing"

func TestVerifyChildDoesNotRecurse(t *testing.T) {
	t.Setenv(childEnv, "serve-verify")
	if p, err := startVerifyProcess(10, ""); err == nil {
		p.Close()
		t.Fatal("a verify child process started another")
	}
}

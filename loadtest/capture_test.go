package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCaptureCommand runs a small capture measurement end to end and checks
// its report.
func TestCaptureCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"capture", "-docs", "3", "-epcs", "50", "-events", "2", "-c", "2", "-warmup", "1"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"3 documents of 50 EPCs in 2 event(s)", "150 EPCs in", "EPCs/s", "p99", "per EPC"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCaptureCommandFlags refuses out-of-range settings.
func TestCaptureCommandFlags(t *testing.T) {
	for _, args := range [][]string{
		{"capture", "-docs", "0"},
		{"capture", "-docs", "100000"},
		{"capture", "-epcs", "1", "-events", "2"},
		{"capture", "-c", "0"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), args, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, errOut.String())
			}
		})
	}
}

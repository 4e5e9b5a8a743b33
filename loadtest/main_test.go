package main

import (
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		outHas string
		errHas string
	}{
		{name: "usage", args: nil, code: 0, outHas: "baseline"},
		{name: "unknown command", args: []string{"fly"}, code: 2, errHas: "unknown command"},
		{name: "non-loopback target", args: []string{"http", "-url", "http://example.com/"}, code: 2, errHas: "loopback"},
		{name: "bad header", args: []string{"http", "-url", "http://127.0.0.1:1/", "-H", "nocolon"}, code: 2, errHas: "Name: value"},
		{name: "duration over the bound", args: []string{"baseline", "-d", "1h"}, code: 1, errHas: "at most 5m"},
		{name: "baseline runs and reports", args: []string{"baseline", "-c", "2", "-d", "100ms", "-warmup", "0"}, code: 0, outHas: "p99.9"},
		{name: "unreachable target fails", args: []string{"http", "-url", "http://127.0.0.1:1/", "-c", "1", "-d", "1m", "-warmup", "0", "-n", "3"}, code: 1, outHas: "transport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			code := run(context.Background(), tt.args, &out, &errOut)
			if code != tt.code || !strings.Contains(out.String(), tt.outHas) || !strings.Contains(errOut.String(), tt.errHas) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s\nwant stdout with %q, stderr with %q",
					code, tt.code, out.String(), errOut.String(), tt.outHas, tt.errHas)
			}
		})
	}
}

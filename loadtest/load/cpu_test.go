package load

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		line string
		want time.Duration
		bad  bool
	}{
		{name: "plain", line: "4242 (loadtest) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 37 0 0 20 0 9 0 100 0 0",
			want: 287 * clockTick},
		{name: "spaces and parentheses in the name", line: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 0 0",
			want: 7 * clockTick},
		{name: "no name", line: "7 R 1 2 3", bad: true},
		{name: "too short", line: "7 (x) R 1 2 3", bad: true},
		{name: "not a number", line: "7 (x) S 1 7 7 0 -1 0 0 0 0 0 ab 4 0 0 20 0 1 0 5 0 0", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.line + "\n"))
			if tt.bad {
				if err == nil {
					t.Errorf("parseStatCPU = %v, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseStatCPU = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestPIDCPUSeesWork checks PIDCPU against this process's own rusage: after
// burning CPU both have grown by about as much.
func TestPIDCPUSeesWork(t *testing.T) {
	before, err := PIDCPU(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	self := processCPU()
	x := 0
	for processCPU()-self < 200*time.Millisecond {
		for i := range 1_000_000 {
			x += i
		}
	}
	after, err := PIDCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if grown := after - before; grown < 100*time.Millisecond || grown > 2*time.Second {
		t.Errorf("PIDCPU grew by %v while the process burnt at least 200ms (x=%d)", grown, x)
	}
}

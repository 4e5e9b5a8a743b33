package server

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	tests := []struct {
		name string
		env  map[string]string
		want int // GC percent afterwards
	}{
		{name: "nothing set", env: nil, want: DefaultGCPercent},
		{name: "GOGC set", env: map[string]string{"GOGC": "50"}, want: 100},
		{name: "GOMEMLIMIT set", env: map[string]string{"GOMEMLIMIT": "1GiB"}, want: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			applied := TuneGC(func(k string) string { return tt.env[k] })
			if got := debug.SetGCPercent(100); got != tt.want || applied != (tt.want == DefaultGCPercent) {
				t.Errorf("TuneGC: GC percent %d, applied %v; want %d", got, applied, tt.want)
			}
		})
	}
}

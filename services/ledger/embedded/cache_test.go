package embedded

import (
	"runtime"
	"testing"
)

func TestDefaultCacheBytes(t *testing.T) {
	const gib = int64(1) << 30
	tests := []struct {
		name     string
		physical int64
		want     int64
	}{
		{"unknown memory", 0, gib},
		{"small machine gets the floor", 2 * gib, gib},
		{"quarter of memory", 24 * gib, 6 * gib},
		{"large machine gets the ceiling", 256 * gib, 8 * gib},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := defaultCacheBytes(tc.physical); got != tc.want {
				t.Errorf("defaultCacheBytes(%d) = %d, want %d", tc.physical, got, tc.want)
			}
		})
	}
}

func TestPhysicalMemoryKnownOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("physical memory is only read on Linux, not %s", runtime.GOOS)
	}
	if got := physicalMemory(); got < 64<<20 {
		t.Errorf("physicalMemory() = %d bytes, want at least 64 MiB", got)
	}
}

func TestOptionsDefaultCache(t *testing.T) {
	if got, want := (Options{}).withDefaults().CacheBytes, defaultCacheBytes(physicalMemory()); got != want {
		t.Errorf("default CacheBytes = %d, want %d", got, want)
	}
	if got := (Options{CacheBytes: 32 << 20}).withDefaults().CacheBytes; got != 32<<20 {
		t.Errorf("explicit CacheBytes = %d, want %d", got, 32<<20)
	}
}

//go:build unix

package epcis

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time (user + system) the test process has
// used, so that benchmarks on a shared machine can report throughput per
// CPU-second alongside wall-clock throughput.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

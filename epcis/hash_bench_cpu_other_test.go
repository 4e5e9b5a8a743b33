//go:build !unix

package epcis

import "time"

// processCPUTime is not available here; benchmarks report wall-clock
// throughput only.
func processCPUTime() (time.Duration, bool) { return 0, false }

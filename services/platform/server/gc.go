package server

import "runtime/debug"

// DefaultGCPercent is the garbage collector's target (GOGC) a server
// process uses when its operator set neither GOGC nor GOMEMLIMIT.
//
// Go's default, 100, collects each time the heap doubles. A verify process
// under load allocates several hundred MB/s of short-lived request garbage
// over a small live heap (about 26 MB in the load test), so it collected
// two to three times a second, each cycle taking 15 to 25 ms of CPU and
// slowing the requests it overlapped (mark assists, write barriers). At 200
// the heap may grow to three times the live heap before a collection, so
// it collects half as often, for memory that stays small next to what the
// process's caches hold. An operator who wants otherwise sets GOGC or
// GOMEMLIMIT, which always win.
const DefaultGCPercent = 200

// TuneGC sets DefaultGCPercent unless the environment (getenv) sets GOGC or
// GOMEMLIMIT, and reports whether it did.
func TuneGC(getenv func(string) string) bool {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetGCPercent(DefaultGCPercent)
	return true
}

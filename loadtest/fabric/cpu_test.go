package main

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestKind(t *testing.T) {
	for name, want := range map[string]string{
		"orderer0":                "orderer0",
		"peer-manufacturer":       "peer",
		"cc-baseline-pharmacy":    "cc-baseline",
		"cc-rxledger-regulator":   "cc-rxledger",
		"cc-rxl-2-wholesaler":     "cc-rxl-2",
		"cc-":                     "cc-",
		"something-else-entirely": "something-else-entirely",
	} {
		if got := kind(name); got != want {
			t.Errorf("kind(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestProcCPUOfThisProcess reads this process's CPU time from /proc and
// checks it against getrusage, which counts the same (at a finer grain).
func TestProcCPUOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	got, err := procCPU(strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatalf("procCPU: %v", err)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	rusage := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	// /proc counts whole clock ticks of each of user and system time.
	if got < 0 || got > rusage+2*clockTick {
		t.Errorf("procCPU = %s, getrusage %s", got, rusage)
	}
	if _, err := procCPU("0"); err == nil {
		t.Error("procCPU of PID 0 succeeded")
	}
}

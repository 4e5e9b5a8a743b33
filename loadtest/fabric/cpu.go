package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSample is the CPU time spent so far by the network's processes, grouped
// by kind (orderer0, peer, cc-<chaincode>), and by this process.
type cpuSample struct {
	network               map[string]time.Duration
	clientUser, clientSys time.Duration
}

// clockTick is the unit of /proc/<pid>/stat's times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// sampleCPU reads the user+system CPU time of every process the network
// scripts started in dir (the PIDs in dir/pids; a PID whose environment does
// not carry the network's marker, a reused one, is skipped) and of this
// process.
func sampleCPU(dir string) (cpuSample, error) {
	s := cpuSample{network: map[string]time.Duration{}}
	files, err := filepath.Glob(filepath.Join(dir, "pids", "*.pid"))
	if err != nil {
		return s, err
	}
	if len(files) == 0 {
		return s, fmt.Errorf("no network process IDs in %s/pids: is the network up?", dir)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".pid")
		raw, err := os.ReadFile(f)
		if err != nil {
			return s, err
		}
		pid := strings.TrimSpace(string(raw))
		env, err := os.ReadFile(filepath.Join("/proc", pid, "environ"))
		if err != nil || !slices.Contains(strings.Split(string(env), "\x00"), "RXL_FABRIC_PROC="+filepath.Join(dir, name)) {
			continue // not running, or not ours
		}
		used, err := procCPU(pid)
		if err != nil {
			return s, fmt.Errorf("CPU of %s (pid %s): %w", name, pid, err)
		}
		s.network[kind(name)] += used
	}
	if len(s.network) == 0 {
		return s, fmt.Errorf("none of the processes in %s/pids is running as part of the network in %s", dir, dir)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		s.clientUser = time.Duration(ru.Utime.Nano())
		s.clientSys = time.Duration(ru.Stime.Nano())
	}
	return s, nil
}

// kind groups process names: peer-<org> is peer, cc-<chaincode>-<org> is
// cc-<chaincode>.
func kind(name string) string {
	switch {
	case strings.HasPrefix(name, "peer-"):
		return "peer"
	case strings.HasPrefix(name, "cc-"):
		if i := strings.LastIndexByte(name, '-'); i > len("cc-") {
			return name[:i]
		}
	}
	return name
}

// procCPU returns the user+system time of process pid from /proc/<pid>/stat.
func procCPU(pid string) (time.Duration, error) {
	raw, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after it start
	// with the state (field 3); utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("unreadable stat %q", raw)
	}
	fields := strings.Fields(string(raw[i+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("short stat %q", raw)
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable times in stat %q", raw)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// printCPU prints the CPU time spent between two samples, in total, per
// committed transaction and, for transactions of several items, per item.
func printCPU(out io.Writer, before, after cpuSample, committed, itemsPerTx int) {
	fmt.Fprintf(out, "client cpu %.2f+%.2f s\n", (after.clientUser - before.clientUser).Seconds(), (after.clientSys - before.clientSys).Seconds())
	line := func(name string, used time.Duration) {
		fmt.Fprintf(out, "  %-14s %6.2f s", name, used.Seconds())
		if committed > 0 {
			perTx := used / time.Duration(committed)
			fmt.Fprintf(out, "  %8.2f ms/tx", float64(perTx)/float64(time.Millisecond))
			if itemsPerTx > 1 {
				fmt.Fprintf(out, "  %7.1f µs/item", float64(perTx)/float64(itemsPerTx)/float64(time.Microsecond))
			}
		}
		fmt.Fprintln(out)
	}
	var names []string
	for name := range after.network {
		names = append(names, name)
	}
	slices.Sort(names)
	var total time.Duration
	for _, name := range names {
		used := after.network[name] - before.network[name]
		total += used
		line(name, used)
	}
	line("network total", total)
}

// Command loadtest drives HTTP load at rxledger (or any loopback server) and
// prints throughput and latency percentiles.
//
//	go run ./loadtest baseline            measure a minimal net/http server (the reference)
//	go run ./loadtest http -url URL ...   measure any loopback endpoint; -compare puts it
//	                                      side by side with the baseline in one run
//
// Every run is bounded (duration at most 5 minutes, a request cap) and stops
// by itself. Only loopback targets are accepted.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"rxledger/loadtest/load"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"baseline": {summary: "measure a minimal net/http server answering a fixed JSON body", run: runBaseline},
		"http":     {summary: "measure a loopback HTTP endpoint (-compare: side by side with the baseline)", run: runHTTP},
		"capture":  {summary: "measure EPCIS capture over HTTP on the embedded ledger (EPCs/s)", run: runCapture},
		// serve-baseline is internal: the baseline server in its own process.
		"serve-baseline": {summary: "", run: runServeBaseline},
		"verify":         {summary: "measure the verify service (single beside the baseline, batch) and the returns check", run: runVerify},
		// serve-verify is internal: the verify service in its own process.
		"serve-verify": {summary: "", run: runServeVerify},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, cmds)
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "loadtest: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: go run ./loadtest <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if cmds[n].summary == "" {
			continue // internal
		}
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
}

// loadFlags are the flags every measuring command shares.
type loadFlags struct {
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	maxRequests uint64
	timeout     time.Duration
}

func (f *loadFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.concurrency, "c", 64, "concurrent workers (keep-alive connections)")
	fs.DurationVar(&f.duration, "d", 10*time.Second, "measured duration of each phase (at most 5m)")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "unmeasured warm-up before each phase")
	fs.Uint64Var(&f.maxRequests, "n", load.DefaultMaxRequests, "at most this many requests per phase")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Second, "per-request timeout")
}

func (f *loadFlags) config(rate float64) load.Config {
	return load.Config{Concurrency: f.concurrency, Rate: rate, Duration: f.duration, Warmup: f.warmup,
		MaxRequests: f.maxRequests, Timeout: f.timeout}
}

// parse parses args into fs, reporting whether to go on and the exit code if not.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %v\n", fs.Args())
		return 2, false
	}
	return 0, true
}

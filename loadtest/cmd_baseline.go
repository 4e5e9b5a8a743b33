package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"

	"rxledger/loadtest/load"
)

// runBaseline measures the baseline server as fast as the workers go, then
// at half that rate, and prints both. The server runs in its own process
// unless -inprocess (CPU per request then covers client and server).
func runBaseline(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf loadFlags
	lf.register(fs)
	inProcess := fs.Bool("inprocess", false, "run the baseline server in this process instead of its own")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	var url string
	var closer io.Closer
	pid := 0 // the server's process when it has its own
	if *inProcess {
		b, err := load.StartBaseline()
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 1
		}
		url, closer = b.URL, b
	} else {
		b, err := startBaselineProcess()
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 1
		}
		url, closer, pid = b.URL, b, b.PID()
	}
	defer closer.Close()
	s, err := load.NewTemplate(load.Template{Label: "baseline net/http", URL: url, Expect: http.StatusOK})
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	client := load.NewClient(lf.concurrency, lf.timeout)
	where := "its own process"
	if *inProcess {
		where = "this process"
	}
	fmt.Fprintf(stdout, "baseline: %s in %s, %d CPUs, %d workers, %s per phase after %s warm-up\n",
		url, where, runtime.NumCPU(), lf.concurrency, lf.duration, lf.warmup)
	cfg := lf.config(0)
	cfg.ServerPID = pid
	fastest, err := load.Run(ctx, client, s, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	cfg.Rate = fastest.Throughput() / 2
	half, err := load.Run(ctx, client, s, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	half.Scenario += fmt.Sprintf(" @ %.0f req/s", fastest.Throughput()/2)
	load.WriteTable(stdout, fastest, half)
	if fastest.Failed()+half.Failed() > 0 {
		return 1
	}
	return 0
}

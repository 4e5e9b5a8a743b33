package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"rxledger/loadtest/load"
)

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags http.Header

func (h headerFlags) String() string { return fmt.Sprint(http.Header(h)) }

func (h headerFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q: want \"Name: value\"", s)
	}
	http.Header(h).Add(strings.TrimSpace(name), strings.TrimSpace(value))
	return nil
}

// runHTTP measures one loopback endpoint described by flags.
func runHTTP(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf loadFlags
	lf.register(fs)
	var (
		t        load.Template
		bodyFile string
		rate     float64
		compare  bool
	)
	header := headerFlags{}
	fs.StringVar(&t.URL, "url", "", "target `URL` (loopback only); "+load.SeqPlaceholder+" is replaced by the request number")
	fs.StringVar(&t.Method, "method", "GET", "HTTP method")
	fs.Var(header, "H", "request header \"Name: value\" (repeatable)")
	fs.StringVar(&t.Body, "body", "", "request body; "+load.SeqPlaceholder+" is replaced by the request number")
	fs.StringVar(&bodyFile, "body-file", "", "read the request body from `file`")
	fs.IntVar(&t.Expect, "expect", 0, "the status that counts as success (default any 2xx)")
	fs.StringVar(&t.Label, "name", "", "scenario name in the report")
	fs.Float64Var(&rate, "rate", 0, "fixed rate in requests/s over all workers (default: as fast as they go)")
	fs.BoolVar(&compare, "compare", false, "measure the baseline server (in its own process) first with the same client, then the target as fast as it goes and at half the baseline's rate, and judge the targets")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if bodyFile != "" {
		b, err := os.ReadFile(bodyFile)
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 2
		}
		t.Body = string(b)
	}
	t.Header = http.Header(header)
	s, err := load.NewTemplate(t)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	client := load.NewClient(lf.concurrency, lf.timeout)
	if compare {
		b, err := startBaselineProcess()
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 1
		}
		defer b.Close()
		c, err := load.Compare(ctx, client, b.URL, b.PID(), s, lf.config(0))
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 1
		}
		load.WriteTable(stdout, c.Baseline, c.Target, c.AtHalf, c.BaselineAtHalf)
		ok, why := c.Verdict()
		fmt.Fprintf(stdout, "ratio to baseline %.2f; %s\n", c.Ratio(), why)
		fmt.Fprintln(stdout, c.Reference())
		if !ok {
			return 1
		}
		return 0
	}
	res, err := load.Run(ctx, client, s, lf.config(rate))
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	load.WriteTable(stdout, res)
	if res.Failed() > 0 {
		return 1
	}
	return 0
}

// Command rxledger is the one rxledger binary: it serves the services (all roles
// or chosen ones) and carries the operator and developer tools.
//
// Each subcommand lives in a file of its own (cmd_*.go) and is listed in the
// commands table below; main only dispatches.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: run gets the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands is the table of subcommands. Add one line per subcommand.
func commands() map[string]command {
	return map[string]command{
		"barcode": {summary: "GS1 barcode tools: parse a scan, bracketed text or Digital Link", run: runBarcode},
		"epcis":   {summary: "EPCIS document tools: hash, convert, validate, t3", run: runEpcis},
		"ledger":  {summary: "embedded ledger tools: verify, info", run: runLedger},
		"keys":    {summary: "API keys: issue, list, revoke", run: runKeys},
		"serve":   {summary: "serve the HTTP services (all roles or chosen ones)", run: runServe},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "rxledger: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(ctx, args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: rxledger <command> [arguments]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nrun 'rxledger <command> -h' for a command's flags")
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"rxledger/services/ledger/embedded"
)

// runLedger is `rxledger ledger`: operator tools for an embedded ledger's
// data directory (the ledger must not be running).
//
//	rxledger ledger verify --data DIR   recompute the hash chain and check the
//	                                    state, history and private data against
//	                                    the blocks; exit 1 naming the first bad block
//	rxledger ledger info --data DIR     height, last block hash and time
func runLedger(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		ledgerUsage(stderr)
		return 2
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "verify":
		return ledgerVerify(rest, stdout, stderr)
	case "info":
		return ledgerInfo(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "rxledger ledger: unknown subcommand %q\n\n", sub)
	ledgerUsage(stderr)
	return 2
}

func ledgerUsage(w io.Writer) {
	fmt.Fprint(w, `usage: rxledger ledger <subcommand> --data DIR

subcommands:
  verify --data DIR   recompute every block's hashes and the hash chain, and check the
                      world state, history and private data against the blocks;
                      exit 1 naming the first block that does not match
  info --data DIR     print the height, the last block's hash and time

The embedded ledger must not be running while these read its directory.
`)
}

// dataFlag parses the --data flag shared by the subcommands.
func dataFlag(name string, args []string, stderr io.Writer) (string, bool) {
	fs := flag.NewFlagSet("rxledger ledger "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "the embedded ledger's data directory")
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if *dir == "" || fs.NArg() != 0 {
		fmt.Fprintf(stderr, "rxledger ledger %s: want --data DIR and no other arguments\n", name)
		return "", false
	}
	return *dir, true
}

func ledgerVerify(args []string, stdout, stderr io.Writer) int {
	dir, ok := dataFlag("verify", args, stderr)
	if !ok {
		return 2
	}
	report, err := embedded.Verify(dir)
	var bad *embedded.VerifyError
	switch {
	case errors.As(err, &bad):
		fmt.Fprintf(stderr, "rxledger ledger verify: FAILED at block %d: %s\n", bad.Block, bad.Detail)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "rxledger ledger verify: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "ok: %d blocks, tip %s\n", report.Height, report.Tip)
	fmt.Fprintf(stdout, "%d transactions (%d valid), %d writes, %d state keys, %d private values\n",
		report.Transactions, report.Valid, report.Writes, report.StateKeys, report.PrivateKeys)
	return 0
}

func ledgerInfo(args []string, stdout, stderr io.Writer) int {
	dir, ok := dataFlag("info", args, stderr)
	if !ok {
		return 2
	}
	info, err := embedded.Inspect(dir)
	if err != nil {
		fmt.Fprintf(stderr, "rxledger ledger info: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "consortium: %s\nheight: %d\ntip: %s\nlast block: %s\n",
		info.Consortium, info.Height, info.Tip, info.LastBlock.Format(time.RFC3339Nano))
	return 0
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"rxledger/services/ledger/embedded"
)

// runLedger is `rxledger ledger`: operator tools for an embedded ledger's
// data directory (the ledger must not be running).
//
//	rxledger ledger verify --data DIR   recompute the hash chain and check the
//	                                    state, history and private data against
//	                                    the blocks, and that no block the chain
//	                                    tip record names is lost; exit 1 naming
//	                                    the first bad or missing block
//	rxledger ledger info --data DIR     height, last block hash and time, chain tip record
//	rxledger ledger keygen --out FILE   a new ed25519 signing key for an
//	                                    organisation: private seed to FILE,
//	                                    public key (for the consortium file) to stdout
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
	case "keygen":
		return ledgerKeygen(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "rxledger ledger: unknown subcommand %q\n\n", sub)
	ledgerUsage(stderr)
	return 2
}

func ledgerUsage(w io.Writer) {
	fmt.Fprint(w, `usage: rxledger ledger <subcommand> --data DIR

DIR is the data directory of 'rxledger serve' (its ledger/ subdirectory is
read) or the embedded ledger's own directory.

subcommands:
  verify --data DIR   recompute every block's hashes and the hash chain, check the
                      world state, history and private data against the blocks, and
                      check that the store holds every block its chain tip record
                      (CHAIN-TIP) says was committed; exit 1 naming the first block
                      that does not match or is missing
  verify --data DIR --consortium FILE
                      also check transaction signatures against an independent copy
                      of the consortium file (default: the one in the genesis block)
  info --data DIR     print the height, the last block's hash and time, and what the
                      chain tip record says against the store; exit 1 if it names
                      blocks the store lost
  keygen --out FILE   write a new ed25519 private key (base64 seed, mode 0600) to FILE
                      and print its public key for the consortium file's publicKey;
                      'rxledger serve --signing-keys DIR' reads it as DIR/<mspId>.key

The embedded ledger must not be running while these read its directory.
`)
}

// dataFlag parses the --data flag shared by the subcommands, and the
// --consortium flag when consortium is not nil.
func dataFlag(name string, args []string, stderr io.Writer, consortium *string) (string, bool) {
	fs := flag.NewFlagSet("rxledger ledger "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "the data directory of 'rxledger serve', or the embedded ledger's own directory")
	if consortium != nil {
		fs.StringVar(consortium, "consortium", "", "check signatures against this consortium file")
	}
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if *dir == "" || fs.NArg() != 0 {
		fmt.Fprintf(stderr, "rxledger ledger %s: want --data DIR and no other arguments\n", name)
		return "", false
	}
	return ledgerStore(*dir), true
}

// ledgerStore is the embedded ledger's directory for --data dir: dir itself
// when it holds a store, else its ledger/ subdirectory when that does (dir
// is then the data directory of serve, the one its --data names), else dir.
func ledgerStore(dir string) string {
	if hasStore(dir) {
		return dir
	}
	if sub := filepath.Join(dir, LedgerDir); hasStore(sub) {
		return sub
	}
	return dir
}

// hasStore reports whether dir holds a Pebble store, reading it without
// locking or creating anything.
func hasStore(dir string) bool {
	desc, err := pebble.Peek(dir, vfs.Default)
	return err == nil && desc.Exists
}

func ledgerVerify(args []string, stdout, stderr io.Writer) int {
	var consFile string
	dir, ok := dataFlag("verify", args, stderr, &consFile)
	if !ok {
		return 2
	}
	var cons *embedded.Consortium
	if consFile != "" {
		c, err := embedded.LoadConsortium(consFile)
		if err != nil {
			fmt.Fprintf(stderr, "rxledger ledger verify: %v\n", err)
			return 2
		}
		cons = c
	}
	report, err := embedded.VerifyWith(dir, cons)
	var bad *embedded.VerifyError
	var damaged *embedded.DamagedStoreError
	switch {
	case errors.As(err, &bad):
		fmt.Fprintf(stderr, "rxledger ledger verify: FAILED at block %d: %s\n", bad.Block, bad.Detail)
		return 1
	case errors.As(err, &damaged):
		fmt.Fprintf(stderr, "rxledger ledger verify: FAILED: %v\n", damaged)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "rxledger ledger verify: %v\n", err)
		return 1
	}
	for _, note := range report.Notes {
		fmt.Fprintf(stderr, "rxledger ledger verify: note: %s\n", note)
	}
	fmt.Fprintf(stdout, "ok: %d blocks, tip %s\n", report.Height, report.Tip)
	fmt.Fprintf(stdout, "%d transactions (%d valid), %d writes, %d state keys, %d private values\n",
		report.Transactions, report.Valid, report.Writes, report.StateKeys, report.PrivateKeys)
	return 0
}

func ledgerInfo(args []string, stdout, stderr io.Writer) int {
	dir, ok := dataFlag("info", args, stderr, nil)
	if !ok {
		return 2
	}
	info, err := embedded.Inspect(dir)
	if err != nil {
		fmt.Fprintf(stderr, "rxledger ledger info: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "consortium: %s\nheight: %d\ntip: %s\nlast block: %s\nchain tip record: %s\n",
		info.Consortium, info.Height, info.Tip, info.LastBlock.Format(time.RFC3339Nano), info.TipRecord)
	if info.Lost != nil {
		fmt.Fprintf(stderr, "rxledger ledger info: this ledger lost blocks it had acknowledged (from block %d on); serve and ledger verify refuse it\n",
			info.Lost.FirstMissing())
		return 1
	}
	return 0
}

func ledgerKeygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rxledger ledger keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "file to write the private key to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "rxledger ledger keygen: want --out FILE and no other arguments")
		return 2
	}
	public, private, err := embedded.GenerateSigningKey()
	if err != nil {
		fmt.Fprintf(stderr, "rxledger ledger keygen: %v\n", err)
		return 1
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		fmt.Fprintf(stderr, "rxledger ledger keygen: %v\n", err)
		return 1
	}
	if _, err := fmt.Fprintln(f, private); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "rxledger ledger keygen: write %s: %v\n", *out, err)
		return 1
	}
	if err := f.Close(); err != nil {
		fmt.Fprintf(stderr, "rxledger ledger keygen: write %s: %v\n", *out, err)
		return 1
	}
	fmt.Fprintln(stdout, public)
	return 0
}

// Command fabric drives load through the Fabric ledger adapter
// (services/ledger/fabric) against a network started by
// deploy/fabric/scripts/up, as one organisation (the manufacturer) through
// one gateway connection, and prints committed transactions per second,
// commit latencies and the CPU time the network's processes (read from
// /proc through the PIDs the scripts record in the profile's directory) and
// the client spent while the load ran, per transaction and per item. The figures in deploy/fabric/RESULTS.md come from it.
//
// Workloads:
//
//	put         the baseline chaincode's put: what the network costs per transaction
//	putmany     the baseline's putmany: -batch keys (200-byte values) written in one transaction
//	readputmany the baseline's readputmany: putmany reading each key first, as commissioning does
//	capture     rxledger Capture of one commissioning event with one serial
//	commission  rxledger Capture of one commissioning event with -batch serials
//
// Usage:
//
//	go run ./loadtest/fabric -profile $RXL_FABRIC_DIR/network.env -workload put -n 2000 -c 64
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"rxledger/services/ledger/fabric"
)

func main() {
	profilePath := flag.String("profile", os.ExpandEnv("${RXL_FABRIC_DIR}/network.env"), "connection profile written by deploy/fabric/scripts/up")
	workload := flag.String("workload", "put", "put, putmany, readputmany, capture or commission")
	n := flag.Int("n", 2000, "transactions to submit")
	concurrency := flag.Int("c", 64, "concurrent submitters")
	batch := flag.Int("batch", 100, "serials per commissioning event (commission), keys per transaction (putmany, readputmany)")
	serials := flag.String("serials", "sequential", "how commission numbers serials: sequential (a range per worker) or random (12 random digits)")
	chaincodeName := flag.String("chaincode", "", "chaincode name (default: baseline for put, rxledger otherwise)")
	flag.Parse()

	if err := run(*profilePath, *workload, *chaincodeName, *serials, *n, *concurrency, *batch); err != nil {
		log.Fatalf("fabric load: %v", err)
	}
}

func run(profilePath, workload, chaincodeName, serials string, n, concurrency, batch int) error {
	w, err := newWorkload(workload, batch, serials)
	if err != nil {
		return err
	}
	if chaincodeName == "" {
		chaincodeName = w.chaincode
	}
	profile, err := fabric.LoadProfile(profilePath)
	if err != nil {
		return err
	}
	cfg, err := profile.Config(chaincodeName, submitter, regulator)
	if err != nil {
		return err
	}
	l, err := fabric.New(cfg)
	if err != nil {
		return err
	}
	defer l.Close()

	ctx := context.Background()
	if err := w.setup(ctx, l, concurrency); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	netDir := filepath.Dir(profilePath)
	before, err := sampleCPU(netDir)
	if err != nil {
		return err
	}
	r := drive(ctx, l, w, n, concurrency)
	after, err := sampleCPU(netDir)
	if err != nil {
		return err
	}
	fmt.Printf("workload=%s chaincode=%s n=%d concurrency=%d", workload, chaincodeName, n, concurrency)
	if w.itemsPerTx > 1 {
		fmt.Printf(" batch=%d", batch)
	}
	fmt.Println()
	r.print(os.Stdout, w.itemsPerTx)
	printCPU(os.Stdout, before, after, len(r.latencies), w.itemsPerTx)
	return nil
}

// submitter is the organisation the load runs as.
const submitter = "ManufacturerMSP"

// regulator attests the submitter's partner record.
const regulator = "RegulatorMSP"

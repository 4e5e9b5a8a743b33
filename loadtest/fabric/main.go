// Command fabric drives load through the Fabric ledger adapter
// (services/ledger/fabric) against a network started by
// deploy/fabric/scripts/up, as one organisation (the manufacturer) through
// one gateway connection, and prints committed transactions per second and
// commit latencies. The figures in deploy/fabric/RESULTS.md come from it.
//
// Workloads:
//
//	put         the baseline chaincode's put: what the network costs per transaction
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

	"rxledger/services/ledger/fabric"
)

func main() {
	profilePath := flag.String("profile", os.ExpandEnv("${RXL_FABRIC_DIR}/network.env"), "connection profile written by deploy/fabric/scripts/up")
	workload := flag.String("workload", "put", "put, capture or commission")
	n := flag.Int("n", 2000, "transactions to submit")
	concurrency := flag.Int("c", 64, "concurrent submitters")
	batch := flag.Int("batch", 100, "serials per commissioning event (commission)")
	chaincodeName := flag.String("chaincode", "", "chaincode name (default: baseline for put, rxledger otherwise)")
	flag.Parse()

	if err := run(*profilePath, *workload, *chaincodeName, *n, *concurrency, *batch); err != nil {
		log.Fatalf("fabric load: %v", err)
	}
}

func run(profilePath, workload, chaincodeName string, n, concurrency, batch int) error {
	w, err := newWorkload(workload, batch)
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
	r := drive(ctx, l, w, n, concurrency)
	fmt.Printf("workload=%s chaincode=%s n=%d concurrency=%d", workload, chaincodeName, n, concurrency)
	if workload == "commission" {
		fmt.Printf(" batch=%d", batch)
	}
	fmt.Println()
	r.print(os.Stdout, w.itemsPerTx)
	return nil
}

// submitter is the organisation the load runs as.
const submitter = "ManufacturerMSP"

// regulator attests the submitter's partner record.
const regulator = "RegulatorMSP"

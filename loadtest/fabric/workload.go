package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
)

// workload builds the transactions of one kind of load.
type workload struct {
	chaincode  string
	itemsPerTx int
	// setup prepares the ledger for workers 0..workers-1.
	setup func(ctx context.Context, l ledger.Ledger, workers int) error
	// tx returns transaction i of worker w.
	tx func(w, i int) (ledger.Transaction, error)
}

// manyValueSize is the size of each value putmany and readputmany write:
// about a serial record's JSON in the rxledger chaincode.
const manyValueSize = 200

// run is a per-process prefix that keeps keys and serials of separate runs
// on one network apart.
var runID = fmt.Sprintf("%x", time.Now().UnixNano()&0xffffffffff)

// newWorkload returns the named workload. serials says how commission
// numbers its serials: "sequential" (each worker counts up, as a
// serialisation system allocating ranges does) or "random" (12 random
// digits each, as a system allocating randomised serials does).
func newWorkload(name string, batch int, serials string) (*workload, error) {
	if serials != "sequential" && serials != "random" {
		return nil, fmt.Errorf("serials %q: want sequential or random", serials)
	}
	switch name {
	case "put":
		return &workload{
			chaincode:  "baseline",
			itemsPerTx: 1,
			setup:      func(context.Context, ledger.Ledger, int) error { return nil },
			tx: func(w, i int) (ledger.Transaction, error) {
				return ledger.Transaction{Function: "put", Args: []string{fmt.Sprintf("%s/%d/%d", runID, w, i), "value"}}, nil
			},
		}, nil
	case "putmany", "readputmany":
		if batch < 1 {
			return nil, fmt.Errorf("batch %d: want at least 1", batch)
		}
		return &workload{
			chaincode:  "baseline",
			itemsPerTx: batch,
			setup:      func(context.Context, ledger.Ledger, int) error { return nil },
			tx: func(w, i int) (ledger.Transaction, error) {
				return ledger.Transaction{Function: name, Args: []string{
					fmt.Sprintf("%s/%d/%d", runID, w, i), strconv.Itoa(batch), strconv.Itoa(manyValueSize),
				}}, nil
			},
		}, nil
	case "capture":
		return commissioning(1, serials), nil
	case "commission":
		if batch < 1 {
			return nil, fmt.Errorf("batch %d: want at least 1", batch)
		}
		return commissioning(batch, serials), nil
	default:
		return nil, fmt.Errorf("unknown workload %q (put, putmany, readputmany, capture, commission)", name)
	}
}

// commissioning captures commissioning events of size serials each. Every
// worker commissions into its own lot: commissionings of one lot update its
// record, so concurrent ones would conflict; the setup creates each lot.
func commissioning(size int, serials string) *workload {
	w := &workload{chaincode: "rxledger", itemsPerTx: size}
	w.tx = func(worker, i int) (ledger.Transaction, error) {
		return commissionTx(worker, i, size, serials)
	}
	w.setup = func(ctx context.Context, l ledger.Ledger, workers int) error {
		if err := registerManufacturer(ctx, l); err != nil {
			return err
		}
		for worker := range workers {
			tx, err := commissionTx(worker, -1, 1, serials)
			if err != nil {
				return err
			}
			if _, err := submit(ctx, l, tx); err != nil {
				return fmt.Errorf("create lot of worker %d: %w", worker, err)
			}
		}
		return nil
	}
	return w
}

// commissionTx is transaction i of worker (i = -1: the setup's, which
// creates the worker's lot).
func commissionTx(worker, i, size int, serials string) (ledger.Transaction, error) {
	epcs := make([]string, size)
	for k := range epcs {
		// At most 20 characters (GS1): the run's last hex digits, the
		// worker, and the number.
		var serial string
		switch {
		case i < 0:
			serial = fmt.Sprintf("%sW%dS%d", runID[len(runID)-6:], worker, k)
		case serials == "random":
			serial = fmt.Sprintf("%sW%dR%012d", runID[len(runID)-4:], worker, rand.Uint64N(1e12))
		default:
			serial = fmt.Sprintf("%sW%dQ%09d", runID[len(runID)-6:], worker, i*size+k)
		}
		epcs[k] = "urn:epc:id:sgtin:0312345.067890." + serial
	}
	e := epcis.Event{
		Type: epcis.ObjectEventType, Action: epcis.ActionAdd, BizStep: "commissioning", EPCList: epcs,
		EventTime:           time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i+1) * time.Second),
		EventTimeZoneOffset: "+00:00",
		ILMD: []epcis.Element{
			{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: fmt.Sprintf("L%s%d", runID, worker)},
			{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: "2099-12-31"},
		},
	}
	raw, err := json.Marshal([]epcis.Event{e})
	if err != nil {
		return ledger.Transaction{}, fmt.Errorf("encode event: %w", err)
	}
	return ledger.Transaction{Function: chaincode.FnCapture, Transient: map[string][]byte{
		chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}}, nil
}

// registerManufacturer writes the submitter's partner record and has the
// regulator attest it, which a commissioning needs (its company prefix).
func registerManufacturer(ctx context.Context, l ledger.Ledger) error {
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	p := chaincode.Partner{
		ID: submitter, Name: "Load test manufacturer", Roles: []chaincode.Role{chaincode.RoleManufacturer},
		GLNs: []string{"0312345000004"}, CompanyPrefixes: []string{"0312345"},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "load-1", Expiry: far}},
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode partner: %w", err)
	}
	if _, err := l.Submit(ctx, submitter, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(raw)}}); err != nil {
		return fmt.Errorf("register %s: %w", submitter, err)
	}
	att, err := json.Marshal(p.Claims())
	if err != nil {
		return fmt.Errorf("encode attestation: %w", err)
	}
	if _, err := l.Submit(ctx, regulator, ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{submitter, string(att)}}); err != nil {
		return fmt.Errorf("attest %s: %w", submitter, err)
	}
	return nil
}

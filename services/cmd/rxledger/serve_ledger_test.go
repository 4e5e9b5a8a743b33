package main

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"rxledger/internal/testenv"
	"rxledger/services/ledger/embedded"
)

// TestDemoConsortiumIsDemoJSON: the consortium serve opens without
// --consortium is the one deploy/consortium/demo.json documents, field for
// field (it is recorded in the genesis block of every demo ledger).
func TestDemoConsortiumIsDemoJSON(t *testing.T) {
	file, err := embedded.LoadConsortium(filepath.Join(testenv.RepoRoot(t), "deploy", "consortium", "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := demoConsortium(); !reflect.DeepEqual(got, file) {
		t.Errorf("built-in demo consortium\n %+v\ndiffers from deploy/consortium/demo.json\n %+v", got, file)
	}
}

// failedLedger is a ledger that has failed, as embedded.Ledger reports it
// (TestFailedStoreMakesTheLedgerUnavailable breaks a real one).
type failedLedger struct{ ch chan struct{} }

func (f failedLedger) Failed() <-chan struct{} { return f.ch }
func (f failedLedger) Err() error {
	return errors.New("commit block 7: pebble: fatal commit error: no space left on device")
}

// TestServeStopsOnLedgerFailure: the worker serve runs beside the embedded
// ledger ends with an error saying what to do once the ledger fails, so
// that serve exits and its supervisor restarts it, and returns nothing
// while it works.
func TestServeStopsOnLedgerFailure(t *testing.T) {
	l := failedLedger{ch: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := stopOnLedgerFailure(ctx, l); err != nil {
		t.Errorf("at shutdown with a working ledger: %v", err)
	}
	close(l.ch)
	err := stopOnLedgerFailure(context.Background(), l)
	for _, want := range []string{"no space left on device", "stopping so that the process is restarted", "free space first", "Nothing acknowledged is lost"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to say %q", err, want)
		}
	}
}

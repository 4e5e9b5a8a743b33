package main

import (
	"path/filepath"
	"reflect"
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

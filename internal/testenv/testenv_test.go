package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRootHoldsGoMod(t *testing.T) {
	root := RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot %s has no go.mod: %v", root, err)
	}
}

func TestTestdataDirFollowsTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("RXLEDGER_TESTDATA", dir)
	if got := TestdataDir(t); got != dir {
		t.Fatalf("TestdataDir = %s, want %s", got, dir)
	}
	if err := os.WriteFile(filepath.Join(dir, "present.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := Testdata(t, "present.txt"); got != filepath.Join(dir, "present.txt") {
		t.Fatalf("Testdata = %s", got)
	}
}

func TestTestdataSkipsWhenMissing(t *testing.T) {
	t.Setenv("RXLEDGER_TESTDATA", t.TempDir())
	skipped := false
	t.Run("missing", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Testdata(t, "absent.txt")
	})
	if !skipped {
		t.Fatal("Testdata did not skip for a missing file")
	}
}

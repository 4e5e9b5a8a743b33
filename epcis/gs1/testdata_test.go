package gs1

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// testdataDir returns the shared third-party test data directory: the value
// of RXLEDGER_TESTDATA, else ../shared/testdata next to the repository root
// (the directory holding go.mod). It skips the test loudly when the
// directory holding sub is missing.
func testdataDir(t testing.TB, sub string) string {
	t.Helper()
	base := os.Getenv("RXLEDGER_TESTDATA")
	if base == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatalf("getwd: %v", err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				t.Fatalf("no go.mod above the test directory")
			}
			dir = parent
		}
		base = filepath.Join(dir, "..", "shared", "testdata")
	}
	path := filepath.Join(base, sub)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("SKIPPING: third-party test data %s is missing (%v); set RXLEDGER_TESTDATA to the shared testdata directory to run this test", path, err)
	}
	return path
}

// loadJSON decodes the JSON file at path into v.
func loadJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

// jsonUnmarshal is json.Unmarshal (a seam so fuzz seeding shares one import).
var jsonUnmarshal = json.Unmarshal

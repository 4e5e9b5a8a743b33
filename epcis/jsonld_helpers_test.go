package epcis

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sharedTestdata returns the directory of third-party test data sub (a path
// under /work/shared/testdata), from $RXLEDGER_TESTDATA or ../shared/testdata
// next to the repository root, and skips the test loudly when it is absent.
func sharedTestdata(t testing.TB, sub string) string {
	t.Helper()
	root := os.Getenv("RXLEDGER_TESTDATA")
	if root == "" {
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
				t.Skipf("SKIPPING: no go.mod above the test directory; set RXLEDGER_TESTDATA to the shared testdata folder to run this test")
			}
			dir = parent
		}
		root = filepath.Join(dir, "..", "shared", "testdata")
	}
	path := filepath.Join(root, sub)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("SKIPPING: third-party test data %s not found (%v); set RXLEDGER_TESTDATA to the shared testdata folder to run this test", path, err)
	}
	return path
}

// filesUnder lists the files below dir whose names end in one of exts,
// sorted, as paths relative to dir.
func filesUnder(t testing.TB, dir string, exts ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, ext := range exts {
			if strings.HasSuffix(path, ext) {
				rel, _ := filepath.Rel(dir, path)
				out = append(out, rel)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	sort.Strings(out)
	return out
}

// decodeJSONFile decodes one JSON-LD file with the given decoder.
func decodeJSONFile(t testing.TB, dec JSONDecoder, path string) (*Document, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return dec.DecodeBytes(data)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return data
}

package epcis

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

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

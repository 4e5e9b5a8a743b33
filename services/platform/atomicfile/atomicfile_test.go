package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndCreateRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := Write(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatalf("after Write: %q", b)
	}
	if err := Create(path, []byte("three")); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatalf("Create replaced the file: %q", b)
	}
	if err := Create(filepath.Join(dir, "g"), []byte("new")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "g"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

// TestIsTemp: the temporary files a write makes are told by IsTemp; the
// file written is not.
func TestIsTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.json")
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+tempMark+"*")
	if err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	if !IsTemp(filepath.Base(tmp.Name())) {
		t.Errorf("%s is not told a temporary file", tmp.Name())
	}
	if err := Write(path, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if IsTemp(filepath.Base(path)) || IsTemp("job.tmp-1") {
		t.Error("a written file, or one not hidden, is told a temporary file")
	}
}

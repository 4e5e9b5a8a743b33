// Package atomicfile writes small files (key stores, credentials, job
// records, keys) so that a reader or a crash never sees a part of one: the
// data is written in full and synced under a temporary name beside the file
// (mode 0600), put in place, and the directory is synced.
package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
)

// Write replaces path with data (or creates it).
func Write(path string, data []byte) error { return store(path, data, os.Rename) }

// Create stores data at path, which must not exist: the file is linked into
// place, so a concurrent writer never replaces it (an error that is
// fs.ErrExist when one already did).
func Create(path string, data []byte) error { return store(path, data, os.Link) }

// tempMark is in the name of every temporary file, "."+base+tempMark+random.
const tempMark = ".tmp-"

// IsTemp reports whether a file name is that of one of Write's or Create's
// temporary files, which a crash during a write leaves behind.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMark)
}

func store(path string, data []byte, place func(tmp, path string) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+tempMark+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // nothing left to remove after a rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := place(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

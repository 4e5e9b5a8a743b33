package embedded

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/vfs"

	"rxledger/services/ledger"
)

// holdFlushFS holds the creation of tables while hold is set: a flush
// started meanwhile cannot finish, so its write-ahead log stays live beside
// the next one, as when a node stops (or is killed) during a flush.
type holdFlushFS struct {
	vfs.FS
	hold    atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (h *holdFlushFS) Create(name string) (vfs.File, error) {
	if h.hold.Load() && strings.HasSuffix(name, ".sst") {
		h.entered <- struct{}{}
		<-h.release
	}
	return h.FS.Create(name)
}

// TestDamagedOlderLogNamesTheBlock: a byte altered in a write-ahead log
// that a newer one follows keeps the store from opening at all (it must be
// replayed whole). Open and Verify say so with a *DamagedStoreError naming
// the log and, from the intact records around the damage, the block.
func TestDamagedOlderLogNamesTheBlock(t *testing.T) {
	fs := &holdFlushFS{FS: vfs.Default, entered: make(chan struct{}, 1), release: make(chan struct{})}
	opts := quietOptions()
	opts.fs = fs
	dir := t.TempDir()
	l, err := Open(dir, testConsortium(), (&kvChaincode{}).invoke, opts)
	if err != nil {
		t.Fatal(err)
	}
	var rs []ledger.Receipt
	for i := 0; i < 5; i++ {
		rs = append(rs, submit(t, l, mfr, "put", "a"+strconv.Itoa(i), "v"))
	}
	fs.hold.Store(true)
	l.db.AsyncFlush() // a new log; the old one's flush is held
	<-fs.entered
	for i := 0; i < 5; i++ {
		rs = append(rs, submit(t, l, mfr, "put", "b"+strconv.Itoa(i), "v"))
	}
	image := copyDir(t, dir) // what a kill -9 now would leave
	close(fs.release)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	logs, _ := filepath.Glob(filepath.Join(image, "*.log"))
	if len(logs) < 2 {
		t.Fatalf("the image has write-ahead logs %q, want two live ones", logs)
	}
	height := rs[len(rs)-1].Block + 1
	if report, err := Verify(copyDir(t, image)); err != nil || report.Height != height {
		t.Fatalf("the intact image: %v, %+v; want %d blocks", err, report, height)
	}

	target := rs[2] // in the older log
	d := copyDir(t, image)
	damageLog(t, d, target.TxID, func(b []byte, at int) { b[at] ^= 0x5a })
	before := dirContents(t, d)
	want := func(what string, err error) {
		t.Helper()
		var de *DamagedStoreError
		if !errors.As(err, &de) {
			t.Fatalf("%s returned %v, want a *DamagedStoreError", what, err)
		}
		if de.Log == "" || de.LastBlock != int64(target.Block)-1 || de.NextBlock != int64(target.Block)+1 || de.Recorded != height {
			t.Errorf("%s: %+v, want the log named, blocks %d and %d around the damage, %d recorded", what, de, target.Block-1, target.Block+1, height)
		}
		for _, s := range []string{"write-ahead log " + de.Log, "The damage is in block " + strconv.FormatUint(target.Block, 10),
			"cannot say for certain", "Nothing was changed", "Do not serve", "restore it from a backup"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s says %q, want it to say %q", what, err, s)
			}
		}
	}
	_, err = Verify(d)
	want("verify", err)
	_, err = Open(d, testConsortium(), (&kvChaincode{}).invoke, quietOptions())
	want("open", err)
	after := dirContents(t, d)
	for name, raw := range before {
		if after[name] != raw {
			t.Errorf("the refused open changed %s", name)
		}
	}
}

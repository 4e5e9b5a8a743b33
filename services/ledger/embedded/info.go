package embedded

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// Info describes a stored ledger at a glance.
type Info struct {
	Height     uint64    // committed blocks
	Tip        Hash      // hash of the last block
	LastBlock  time.Time // when the last block was cut
	Consortium string    // name of the consortium in the genesis block
	// TipRecord says what the chain tip record (TipRecordFile) holds against
	// the store: in step, lagging, torn or missing (as Verify's notes say).
	TipRecord string
	// Lost is set when the record names blocks the store does not hold, or
	// another block at its height: the directory lost acknowledged blocks,
	// and Open and Verify refuse it.
	Lost *LostBlocksError
}

// Inspect reads a ledger directory's chain tip and genesis block without
// verifying anything (the ledger must not be open).
func Inspect(dir string) (*Info, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	rec, err := readTipRecord(vfs.Default, dir) // before the store (see readTipRecord)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	db, err := openReadOnly(dir)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	defer db.Close()
	height, tip, err := readTip(db)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	if height == 0 {
		return nil, fmt.Errorf("inspect %s: no chain tip: not a ledger directory", dir)
	}
	cons, err := genesisConsortium(db, dir)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	last, err := readBlock(db, height-1)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	info := &Info{Height: height, Tip: tip, LastBlock: last.Time, Consortium: cons.Name, TipRecord: rec.note(dir, height)}
	if err := checkTipRecord(db, vfs.Default, dir, rec, height, tip); err != nil {
		if !errors.As(err, &info.Lost) {
			return nil, fmt.Errorf("inspect: %w", err)
		}
		info.TipRecord = info.Lost.Error()
	}
	if info.TipRecord == "" {
		info.TipRecord = fmt.Sprintf("names block %d, the store's tip", height-1)
	}
	return info, nil
}

// RecordedConsortium returns the consortium recorded in the genesis block
// of the ledger stored in dir: the one the ledger was created with. It
// returns nil when dir holds no ledger yet (Open then creates one that
// records the consortium it is given). The ledger must not be open; a
// store of another format is a *FormatError. Nothing is verified: see
// Verify.
func RecordedConsortium(dir string) (*Consortium, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	desc, err := pebble.Peek(dir, vfs.Default)
	if err != nil {
		return nil, fmt.Errorf("read the recorded consortium: %w", err)
	}
	if !desc.Exists {
		return nil, nil
	}
	db, err := openReadOnly(dir)
	if err != nil {
		return nil, fmt.Errorf("read the recorded consortium: %w", err)
	}
	defer db.Close()
	height, _, err := readTip(db)
	if err != nil {
		return nil, fmt.Errorf("read the recorded consortium: %w", err)
	}
	if height == 0 {
		return nil, nil // no genesis block yet: Open writes it
	}
	cons, err := genesisConsortium(db, dir)
	if err != nil {
		return nil, fmt.Errorf("read the recorded consortium: %w", err)
	}
	return cons, nil
}

// openReadOnly opens the store in dir to read it only, quietly, with a
// small block cache.
func openReadOnly(dir string) (*pebble.DB, error) {
	return openStore(dir, Options{Logger: slog.New(slog.DiscardHandler), CacheBytes: scanCacheBytes}.withDefaults(), true)
}

// genesisConsortium reads the consortium the genesis block of db, the
// store in dir, records, once it has checked the store's format.
func genesisConsortium(db *pebble.DB, dir string) (*Consortium, error) {
	if err := checkFormat(db, dir); err != nil {
		return nil, err
	}
	genesis, err := readBlock(db, 0)
	if err != nil {
		return nil, err
	}
	cons, err := ParseConsortium(genesis.Config)
	if err != nil {
		return nil, fmt.Errorf("genesis block: %w", err)
	}
	return cons, nil
}

package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/record"
	"github.com/cockroachdb/pebble/vfs"
)

// DamagedStoreError is the refusal of a store that Pebble will not open
// because a file of it is damaged. The usual case is a write-ahead log that
// is not the newest: Pebble must replay such a log whole (only the newest
// may end in a torn record, from a crash), so one unreadable record stops
// the store from opening. The blocks concerned cannot always be named: the
// damaged bytes are what would name them. The error says what can be told.
type DamagedStoreError struct {
	Dir string
	// Log is the write-ahead log that cannot be replayed, from Offset on
	// (the start of its unreadable record), of its Size bytes; "" when the
	// damage is elsewhere or the store did not say where.
	Log    string
	Offset int64
	Size   int64
	// LastBlock is the last block the logs hold intact before the damage
	// (in that log, or else an earlier one), -1 for none (the blocks
	// before it are in the store's tables);
	// NextBlock the first block intact after it, in that log or a later
	// one, -1 for none. Between them is what the damage hides.
	LastBlock int64
	NextBlock int64
	// Recorded is the number of blocks the chain tip record says were
	// committed (0: no valid record).
	Recorded uint64
	Err      error // the store's own error
}

func (e *DamagedStoreError) Unwrap() error { return e.Err }

func (e *DamagedStoreError) Error() string {
	var b strings.Builder
	if e.Log == "" {
		fmt.Fprintf(&b, "the store in %s is damaged and cannot be opened (%v). Which blocks are affected cannot be told", e.Dir, e.Err)
		if e.Recorded > 0 {
			fmt.Fprintf(&b, " (the chain tip record says %d blocks, 0 to %d, were committed)", e.Recorded, e.Recorded-1)
		}
		b.WriteString(". ")
	} else {
		fmt.Fprintf(&b, "the store in %s is damaged and cannot be opened: its write-ahead log %s cannot be read from offset %d (of %d bytes), "+
			"and a log that later logs follow must be replayed whole (%v). ", e.Dir, e.Log, e.Offset, e.Size, e.Err)
		b.WriteString(e.damagedBlocks())
		b.WriteString(". This is told by the intact records around the damage: the damaged bytes themselves cannot be read, " +
			"and the store cannot say for certain which blocks it lost")
		if e.Recorded > 0 {
			fmt.Fprintf(&b, " (the chain tip record says %d blocks, 0 to %d, were committed and acknowledged)", e.Recorded, e.Recorded-1)
		}
		b.WriteString(". ")
	}
	b.WriteString("Nothing was changed. Do not serve from this directory: restore it from a backup, or from another node's copy of this ledger, " +
		"and keep this copy to investigate")
	return b.String()
}

// damagedBlocks says which blocks the damaged part of the log holds, as far
// as the intact blocks around it (and the chain tip record, when no intact
// block follows) tell.
func (e *DamagedStoreError) damagedBlocks() string {
	var before, after string
	lo, hi := e.LastBlock+1, int64(-1)
	if e.LastBlock >= 0 {
		before = fmt.Sprintf("the logs hold block %d intact before it", e.LastBlock)
	} else {
		before = "the logs hold no intact block before it"
	}
	switch {
	case e.NextBlock >= 0:
		hi, after = e.NextBlock-1, fmt.Sprintf("block %d after it", e.NextBlock)
	case e.Recorded > 0:
		hi, after = int64(e.Recorded)-1, fmt.Sprintf("none after it, and the chain tip record says block %d was the last committed", e.Recorded-1)
	default:
		after = "none after it"
	}
	why := before + ", " + after
	switch {
	case e.LastBlock >= 0 && hi >= lo && hi == lo:
		return fmt.Sprintf("The damage is in block %d: %s", lo, why)
	case e.LastBlock >= 0 && hi >= lo:
		return fmt.Sprintf("The damage is in blocks %d to %d: %s", lo, hi, why)
	case e.LastBlock >= 0:
		return fmt.Sprintf("The damage is in a block after block %d: %s", e.LastBlock, why)
	case hi >= 0:
		return fmt.Sprintf("The damage is in block %d or an earlier one: %s", hi, why)
	}
	return "Which blocks the damage is in cannot be told: " + why
}

// damagedStore describes err, the store in dir failing to open because a
// file of it is damaged (pebble.IsCorruptionError).
func damagedStore(fs vfs.FS, dir string, err error) *DamagedStoreError {
	e := &DamagedStoreError{Dir: dir, LastBlock: -1, NextBlock: -1, Err: err}
	if rec, rerr := readTipRecord(fs, dir); rerr == nil && rec.state == tipValid {
		e.Recorded = rec.height
	}
	num, offset, ok := replayedLog(err)
	if !ok {
		return e
	}
	logs, lerr := walLogs(fs, dir)
	i, found := slices.BinarySearch(logs, num)
	if lerr != nil || !found {
		return e
	}
	e.Log, e.Offset = walLogName(num), offset
	// The numbers of the logs before it, newest first, and after it.
	earlier, later := slices.Clone(logs[:i]), logs[i+1:]
	slices.Reverse(earlier)
	f, oerr := fs.Open(fs.PathJoin(dir, e.Log))
	if oerr != nil {
		return e
	}
	defer f.Close()
	if info, serr := f.Stat(); serr == nil {
		e.Size = info.Size()
	}
	e.LastBlock = lastBlockBefore(f, num, offset)
	if at, found, aerr := intactRecordAfter(f, e.Size, int(offset), uint32(num)); aerr == nil && found {
		if repr, ok := readRecordAt(f, e.Size, at, uint32(num)); ok {
			e.NextBlock = blockIn(repr)
		}
	}
	for _, n := range earlier {
		if e.LastBlock >= 0 {
			break
		}
		if g, err := fs.Open(fs.PathJoin(dir, walLogName(n))); err == nil {
			e.LastBlock = lastBlockBefore(g, n, math.MaxInt64)
			g.Close()
		}
	}
	for _, n := range later {
		if e.NextBlock >= 0 {
			break
		}
		e.NextBlock = firstBlockOf(fs, fs.PathJoin(dir, walLogName(n)), n)
	}
	return e
}

// replayedLog returns the number of the log and the offset of the record
// the store stopped replaying at, as its error's detail says ("replaying
// log 000004, offset 1234").
func replayedLog(err error) (num uint64, offset int64, ok bool) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		d, has := e.(interface{ ErrorDetail() string })
		if !has {
			continue
		}
		if n, _ := fmt.Sscanf(d.ErrorDetail(), "replaying log %d, offset %d", &num, &offset); n == 2 {
			return num, offset, true
		}
	}
	return 0, 0, false
}

// lastBlockBefore returns the highest block number the intact records of
// log num before offset write, or -1.
func lastBlockBefore(log io.Reader, num uint64, offset int64) int64 {
	last := int64(-1)
	rr := record.NewReader(log, pebble.FileNum(num))
	for rr.Offset() < offset {
		r, err := rr.Next()
		if err != nil {
			break
		}
		repr, err := io.ReadAll(r)
		if err != nil {
			break
		}
		last = max(last, blockIn(repr))
	}
	return last
}

// firstBlockOf returns the first block the log at path (number num) writes
// in the records it can read from its start, or -1.
func firstBlockOf(fs vfs.FS, path string, num uint64) int64 {
	f, err := fs.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	rr := record.NewReader(f, pebble.FileNum(num))
	for {
		r, err := rr.Next()
		if err != nil {
			return -1
		}
		repr, err := io.ReadAll(r)
		if err != nil {
			return -1
		}
		if n := blockIn(repr); n >= 0 {
			return n
		}
	}
}

// blockIn returns the number of the block a write-ahead log record (a
// Pebble batch) writes, or -1: each block is committed in one batch.
func blockIn(repr []byte) int64 {
	n := int64(-1)
	br, _ := pebble.ReadBatch(repr)
	for {
		kind, key, _, ok, err := br.Next()
		if err != nil || !ok {
			return n
		}
		if kind == pebble.InternalKeyKindSet && len(key) == 9 && key[0] == spaceBlock {
			n = max(n, int64(binary.BigEndian.Uint64(key[1:])))
		}
	}
}

// readRecordAt reads the record of log num (size bytes) whose first chunk
// starts at offset at, following its chunks across blocks; false if one of
// them is not intact.
func readRecordAt(log io.ReaderAt, size int64, at int, num uint32) ([]byte, bool) {
	var payload []byte
	buf := make([]byte, walBlockSize)
	first := true
	for pos := at; int64(pos) < size; {
		block := pos / walBlockSize * walBlockSize
		n, err := log.ReadAt(buf, int64(block))
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false
		}
		raw, p := buf[:n], pos-block
		if p+walHeaderLen > len(raw) { // the block's zero trailer
			pos = block + walBlockSize
			continue
		}
		typ, next, intact := walChunk(raw, p, num)
		starts := typ == walFullChunk || typ == walFirstChunk
		if !intact || starts != first {
			return nil, false
		}
		payload = append(payload, raw[p+walHeaderLen:next]...)
		if typ == walFullChunk || typ == walLastChunkOf {
			return payload, true
		}
		first, pos = false, block+next
	}
	return nil, false
}

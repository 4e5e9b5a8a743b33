package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/record"
	"github.com/cockroachdb/pebble/vfs"
)

// checkWALTail looks for blocks that a damaged write-ahead log hides.
//
// Pebble replays its last write-ahead log up to the first record it cannot
// read and treats the rest as the torn tail of an interrupted write: a byte
// altered in the middle of the log silently drops every block committed
// after it (each block, with its chain tip, is one record), and the chain
// that remains is whole and verifies. A torn tail, though, never has an
// intact record after it: the committer writes one block at a time and waits
// for it to be durable. So an unreadable record followed by an intact one of
// the same log is damage, reported as a *VerifyError naming the first block
// missing (height, the chain's height as replayed). Damage to the very last
// record looks exactly like a torn write and is not found here (the chain
// tip record finds it: checkTipRecord); damage to an
// earlier log makes the store refuse to open. Open runs the check too, so
// that a node does not start on the shorter chain (writing new blocks under
// the numbers of the lost ones, and flushing the log away) but says what is
// wrong.
func checkWALTail(fs vfs.FS, dir string, height uint64) error {
	name, num, err := newestLog(fs, dir)
	if err != nil || name == "" {
		return err
	}
	f, err := fs.Open(fs.PathJoin(dir, name))
	if err != nil {
		return fmt.Errorf("read write-ahead log: %w", err)
	}
	defer f.Close()
	// Read as a stream and then a block at a time: the log may be as large
	// as a memtable, and Open runs this on every start.
	stop, ok := walStop(f, num)
	if !ok {
		return nil
	}
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read write-ahead log %s: %w", name, err)
	}
	at, found, err := intactRecordAfter(f, info.Size(), stop, uint32(num))
	if err != nil {
		return fmt.Errorf("read write-ahead log %s: %w", name, err)
	}
	if found {
		return badBlock(height, "missing: write-ahead log %s cannot be read at offset %d, yet holds an intact record at offset %d: "+
			"the store drops every block committed from there on, so the chain ends at height %d; restore the directory from a copy",
			name, stop, at, height)
	}
	return nil
}

// newestLog returns the name and number of the newest write-ahead log in
// dir ("" when there is none).
func newestLog(fs vfs.FS, dir string) (string, uint64, error) {
	logs, err := walLogs(fs, dir)
	if err != nil || len(logs) == 0 {
		return "", 0, err
	}
	num := logs[len(logs)-1]
	return walLogName(num), num, nil
}

// walLogs returns the numbers of the write-ahead logs in dir, in order.
func walLogs(fs vfs.FS, dir string) ([]uint64, error) {
	names, err := fs.List(dir)
	if err != nil {
		return nil, fmt.Errorf("read write-ahead logs: %w", err)
	}
	var nums []uint64
	for _, f := range names {
		n, err := strconv.ParseUint(strings.TrimSuffix(f, ".log"), 10, 64)
		if err == nil && strings.HasSuffix(f, ".log") {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	return nums, nil
}

// walLogName is the file name of write-ahead log num, as Pebble names it.
func walLogName(num uint64) string { return fmt.Sprintf("%06d.log", num) }

// walStop returns the offset of the first record of the log that cannot be
// read, or false when it reads to its end.
func walStop(log io.Reader, num uint64) (int, bool) {
	rr := record.NewReader(log, pebble.FileNum(num))
	for {
		off := rr.Offset()
		r, err := rr.Next()
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return 0, false
		default:
			return int(off), true
		}
	}
}

// The write-ahead log's record format (github.com/cockroachdb/pebble/record):
// 32 KiB blocks of chunks, each a header (CRC-32C, masked, of the type, log
// number and payload; payload length; type; log number) and its payload.
const (
	walBlockSize   = 32 << 10
	walHeaderLen   = 11
	walFullChunk   = 5 // recyclable full record
	walFirstChunk  = 6 // recyclable first chunk of a record
	walLastChunkOf = 8 // highest recyclable chunk type
)

// walCRC is the Castagnoli table of Pebble's log records, and of the chain
// tip record.
var walCRC = crc32.MakeTable(crc32.Castagnoli)

// walChunk reads the header of the chunk at pos of raw, a block of log num:
// its type, where the next chunk starts (-1: not a chunk of a recyclable
// log, or longer than the block), and whether its checksum and log number
// hold.
func walChunk(raw []byte, pos int, num uint32) (typ byte, next int, intact bool) {
	h := raw[pos : pos+walHeaderLen]
	length, typ := int(binary.LittleEndian.Uint16(h[4:6])), h[6]
	next = pos + walHeaderLen + length
	if typ < walFullChunk || typ > walLastChunkOf || next > len(raw) {
		return typ, -1, false
	}
	c := crc32.Checksum(raw[pos+6:next], walCRC)
	intact = binary.LittleEndian.Uint32(h[0:4]) == (c>>15|c<<17)+0xa282ead8 &&
		binary.LittleEndian.Uint32(h[7:11]) == num
	return typ, next, intact
}

// intactRecordAfter returns the offset of the first intact start of a
// record (a full or first chunk of log num, whose checksum holds) after the
// record at stop, walking the chunks of every block of the log (size
// bytes) from there on.
func intactRecordAfter(log io.ReaderAt, size int64, stop int, num uint32) (int, bool, error) {
	buf := make([]byte, walBlockSize)
	for block := stop / walBlockSize * walBlockSize; int64(block) < size; block += walBlockSize {
		n, err := log.ReadAt(buf, int64(block))
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, false, err
		}
		raw := buf[:n] // the block; offsets below are within it
		pos, skip := 0, false
		if block <= stop {
			pos, skip = stop-block, true // the unreadable record's own first chunk
		}
		for pos+walHeaderLen <= len(raw) {
			typ, next, intact := walChunk(raw, pos, num)
			if next < 0 {
				break
			}
			if !intact && !skip {
				break
			}
			if intact && !skip && (typ == walFullChunk || typ == walFirstChunk) {
				return block + pos, true, nil
			}
			pos, skip = next, false
		}
	}
	return 0, false, nil
}

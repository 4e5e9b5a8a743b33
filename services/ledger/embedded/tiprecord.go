package embedded

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// TipRecordFile is the chain tip record: a small file in the ledger
// directory, beside the store's own files, naming the last block the ledger
// acknowledged (its height and block hash, with a checksum).
//
// Why: the store replays its newest write-ahead log up to the first record
// it cannot read and takes the rest for the torn tail of an interrupted
// write. A byte altered in the last record (the last block committed) is
// therefore indistinguishable, in the store alone, from a crash before that
// block was written: the store opens one block shorter, and the shorter
// chain is whole and verifies (checkWALTail finds damage only when an intact
// record follows it). The record is what the ledger remembers outside the
// store: the committer writes it after each block's batch is durable and
// before the block's submitters are answered, so it never leads the store,
// and a record above the store's height (or naming another block at its
// height) means blocks the ledger acknowledged are gone (*LostBlocksError).
//
// It is written in place, one small pwrite per block, not synced (it is
// synced once at Open): after a crash or power loss it may lag the store,
// which is harmless and brought up to date at the next Open; a write torn by
// a power loss fails its checksum and is ignored with a warning. A store
// without the file (written before it existed) gets one at its next Open.
//
// An operator who restores an older copy of a ledger on purpose, giving up
// the blocks after it, deletes the file to accept it (the error says so);
// restoring the whole directory, the file with it, needs nothing.
const TipRecordFile = "CHAIN-TIP"

// The record is one line of fixed length, readable with cat:
//
//	rxledger chain tip v1 height 00000000000000000034 hash <64 hex digits> crc32c <8 hex digits>
//
// height is the number of blocks (the last is block height-1), hash that
// block's hash, and the checksum (CRC-32C) covers everything before " crc32c".
const (
	tipRecordPrefix = "rxledger chain tip v1 height "
	tipRecordHash   = " hash "
	tipRecordCRC    = " crc32c "
	tipHeightDigits = 20
	tipRecordLen    = len(tipRecordPrefix) + tipHeightDigits + len(tipRecordHash) + 2*len(Hash{}) + len(tipRecordCRC) + 8 + 1
)

// encodeTipRecord appends the record of (height, h) to buf[:0].
func encodeTipRecord(buf []byte, height uint64, h Hash) []byte {
	b := append(buf[:0], tipRecordPrefix...)
	var digits [tipHeightDigits]byte
	n := strconv.AppendUint(digits[:0], height, 10)
	b = append(b, "00000000000000000000"[:tipHeightDigits-len(n)]...)
	b = append(b, n...)
	b = append(b, tipRecordHash...)
	b = hex.AppendEncode(b, h[:])
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(b, walCRC))
	b = append(b, tipRecordCRC...)
	b = hex.AppendEncode(b, sum[:])
	return append(b, '\n')
}

// tipState is what the ledger directory holds of the record.
type tipState int

const (
	tipMissing tipState = iota // no file
	tipTorn                    // a file that is not a whole, intact record
	tipValid
)

// tipRecord is the record as read from the ledger directory.
type tipRecord struct {
	state  tipState
	height uint64 // blocks, when valid
	hash   Hash   // of block height-1, when valid
	why    string // what is wrong with a torn record
}

// decodeTipRecord parses a record; a record that does not parse or whose
// checksum fails is torn.
func decodeTipRecord(raw []byte) tipRecord {
	torn := func(why string) tipRecord { return tipRecord{state: tipTorn, why: why} }
	if len(raw) != tipRecordLen {
		return torn(fmt.Sprintf("%d bytes, not %d", len(raw), tipRecordLen))
	}
	body := len(raw) - len(tipRecordCRC) - 8 - 1
	var sum [4]byte
	if string(raw[body:body+len(tipRecordCRC)]) != tipRecordCRC || raw[len(raw)-1] != '\n' ||
		hexDecodeInto(sum[:], raw[body+len(tipRecordCRC):len(raw)-1]) != nil {
		return torn("no checksum")
	}
	if binary.BigEndian.Uint32(sum[:]) != crc32.Checksum(raw[:body], walCRC) {
		return torn("its checksum fails")
	}
	// The checksum holds: the rest is as encodeTipRecord wrote it, unless
	// another program wrote a record of its own.
	rest, ok := bytes.CutPrefix(raw[:body], []byte(tipRecordPrefix))
	if !ok {
		return torn("not a chain tip record")
	}
	height, err := strconv.ParseUint(string(rest[:tipHeightDigits]), 10, 64)
	if err != nil || height == 0 || string(rest[tipHeightDigits:tipHeightDigits+len(tipRecordHash)]) != tipRecordHash {
		return torn("no height")
	}
	var h Hash
	if hexDecodeInto(h[:], rest[tipHeightDigits+len(tipRecordHash):]) != nil {
		return torn("no block hash")
	}
	return tipRecord{state: tipValid, height: height, hash: h}
}

// hexDecodeInto decodes src, which must be exactly len(dst) bytes of hex,
// into dst.
func hexDecodeInto(dst, src []byte) error {
	if hex.DecodedLen(len(src)) != len(dst) {
		return errors.New("wrong length")
	}
	_, err := hex.Decode(dst, src)
	return err
}

// readTipRecord reads the record of the ledger in dir. Read it before
// opening the store: the record never leads the store, so a store read
// after it holds at least the blocks it names, even if a ledger (which the
// store's lock keeps out) were committing meanwhile.
func readTipRecord(fs vfs.FS, dir string) (tipRecord, error) {
	f, err := fs.Open(fs.PathJoin(dir, TipRecordFile))
	if errors.Is(err, os.ErrNotExist) {
		return tipRecord{state: tipMissing}, nil
	}
	if err != nil {
		return tipRecord{}, fmt.Errorf("read the chain tip record: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, 4*int64(tipRecordLen)))
	if err != nil {
		return tipRecord{}, fmt.Errorf("read the chain tip record: %w", err)
	}
	return decodeTipRecord(raw), nil
}

// note describes a record that is not simply in step with a store holding
// height blocks (missing, torn or lagging), or returns "".
func (r tipRecord) note(dir string, height uint64) string {
	path := filepath.Join(dir, TipRecordFile)
	switch {
	case r.state == tipMissing:
		return fmt.Sprintf("no chain tip record (%s): a ledger written before there was one, or one restored on purpose; "+
			"blocks lost at the end of the chain cannot be detected until the next open writes it", path)
	case r.state == tipTorn:
		return fmt.Sprintf("the chain tip record %s is ignored: %s (a write torn by a crash or power loss); "+
			"the next open writes it again", path, r.why)
	case r.height < height:
		return fmt.Sprintf("the chain tip record %s names %d blocks, the store holds %d: it lags, as after a crash or power loss "+
			"(it is written after each block without waiting for the disk); the next open brings it up to date", path, r.height, height)
	}
	return ""
}

// LostBlocksError is the refusal of a ledger directory whose store holds
// fewer blocks than the ledger acknowledged as committed (or, at the height
// the chain tip record names, another block than the one acknowledged):
// blocks were lost after they were committed, by damage to the store's
// files (such as its write-ahead log) or by a store replaced with an older
// copy. Open refuses such a directory, changing nothing, and Verify reports
// it as a *VerifyError that wraps it.
type LostBlocksError struct {
	Dir      string
	Held     uint64 // blocks the store holds
	Recorded uint64 // blocks the chain tip record says were committed
	// RecordedHash is the hash of block Recorded-1 as committed.
	RecordedHash Hash
	// Differs: the store holds block Recorded-1, but it hashes to
	// StoredHash, not RecordedHash.
	Differs    bool
	StoredHash Hash
	// Log says where the store's newest write-ahead log stops being
	// readable, when it does before its end ("" otherwise).
	Log string
}

// FirstMissing is the first block the store lacks (or holds another of).
func (e *LostBlocksError) FirstMissing() uint64 {
	if e.Differs {
		return e.Recorded - 1
	}
	return e.Held
}

// Detail says what is lost, without the directory and the advice.
func (e *LostBlocksError) Detail() string {
	if e.Differs {
		return fmt.Sprintf("not the block acknowledged: the store's block %d hashes to %s, but the chain tip record says the block %d "+
			"committed and acknowledged hashed to %s: the store was replaced or rewritten since", e.Recorded-1, e.StoredHash, e.Recorded-1, e.RecordedHash)
	}
	lost := fmt.Sprintf("block %d is", e.Held)
	if e.Recorded-e.Held > 1 {
		lost = fmt.Sprintf("blocks %d to %d are", e.Held, e.Recorded-1)
	}
	s := fmt.Sprintf("missing: the chain tip record says %d blocks were committed and acknowledged, the last hashing to %s, "+
		"but the store holds %d: %s lost", e.Recorded, e.RecordedHash, e.Held, lost)
	if e.Log != "" {
		s += ". " + e.Log
	}
	return s
}

// Advice says what to do.
func (e *LostBlocksError) Advice() string {
	return fmt.Sprintf("Do not serve from this directory: restore it from a backup, or from another node's copy of this ledger, "+
		"and keep this copy to investigate. If this directory is a backup restored on purpose and the blocks after it are "+
		"knowingly given up, delete %s to accept it: the next open records its chain tip again", filepath.Join(e.Dir, TipRecordFile))
}

func (e *LostBlocksError) Error() string {
	return fmt.Sprintf("the ledger in %s lost blocks it had acknowledged as committed, from block %d on: %s. "+
		"It was not opened, and nothing was changed. %s", e.Dir, e.FirstMissing(), e.Detail(), e.Advice())
}

// checkTipRecord compares rec, read before the store was opened, with the
// store r of the ledger in dir, which holds height blocks, the last hashing
// to tip (r may be nil when height is 0). A valid record above height, or
// naming another block at its height, is a *LostBlocksError; a missing,
// torn or lagging one passes.
func checkTipRecord(r pebble.Reader, fs vfs.FS, dir string, rec tipRecord, height uint64, tip Hash) error {
	if rec.state != tipValid {
		return nil
	}
	if rec.height > height {
		return &LostBlocksError{Dir: dir, Held: height, Recorded: rec.height, RecordedHash: rec.hash, Log: newestLogStop(fs, dir)}
	}
	// The usual case, a record of the store's own tip, compares tip; a
	// lagging record the hash of the block it names.
	h := tip
	if rec.height < height {
		b, err := readBlock(r, rec.height-1)
		if err != nil {
			return fmt.Errorf("check the chain tip record: %w", err)
		}
		h = b.hash()
	}
	if h != rec.hash {
		return &LostBlocksError{Dir: dir, Held: height, Recorded: rec.height, RecordedHash: rec.hash, Differs: true, StoredHash: h}
	}
	return nil
}

// newestLogStop says where the newest write-ahead log of dir cannot be
// read, if it cannot be read to its end ("" otherwise, or when it cannot
// tell).
func newestLogStop(fs vfs.FS, dir string) string {
	name, num, err := newestLog(fs, dir)
	if err != nil || name == "" {
		return ""
	}
	f, err := fs.Open(fs.PathJoin(dir, name))
	if err != nil {
		return ""
	}
	defer f.Close()
	stop, ok := walStop(f, num)
	if !ok {
		return ""
	}
	size := "?"
	if info, err := f.Stat(); err == nil {
		size = strconv.FormatInt(info.Size(), 10)
	}
	return fmt.Sprintf("The store's newest write-ahead log, %s, cannot be read from offset %d of its %s bytes: "+
		"the store took that for the torn tail of an interrupted write and dropped what follows", name, stop, size)
}

// tipRecorder writes the chain tip record of an open ledger: at Open, and
// then from the committer only, after each block is durable.
type tipRecorder struct {
	f       vfs.File
	path    string
	buf     []byte
	log     *slog.Logger
	failing bool // the last write failed (logged once until one succeeds)
}

// openTipRecorder writes the record of (height, tip) for the ledger in dir,
// whose record was rec before it was opened, and makes it durable: a
// missing or torn record is replaced by a new file, and the directory
// synced so that it stays.
func openTipRecorder(fs vfs.FS, dir string, rec tipRecord, height uint64, tip Hash, log *slog.Logger) (*tipRecorder, error) {
	path := fs.PathJoin(dir, TipRecordFile)
	var f vfs.File
	var err error
	fresh := rec.state != tipValid
	if fresh {
		f, err = fs.Create(path)
	} else {
		f, err = fs.OpenReadWrite(path)
	}
	if err != nil {
		return nil, fmt.Errorf("write the chain tip record: %w", err)
	}
	t := &tipRecorder{f: f, path: path, buf: make([]byte, 0, tipRecordLen), log: log}
	err = t.write(height, tip)
	if err == nil {
		err = f.Sync()
	}
	if err == nil && fresh {
		err = syncDir(fs, dir)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write the chain tip record %s: %w", path, err)
	}
	return t, nil
}

func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

func (t *tipRecorder) write(height uint64, h Hash) error {
	t.buf = encodeTipRecord(t.buf, height, h)
	_, err := t.f.WriteAt(t.buf, 0)
	return err
}

// record writes the record of block height-1, hashing to h, once it is
// durable in the store. A failed write is logged, not fatal: the record then
// lags the store, which is never mistaken for lost blocks (and a partial
// write fails its checksum).
func (t *tipRecorder) record(height uint64, h Hash) {
	if err := t.write(height, h); err != nil {
		if !t.failing {
			t.log.Error("cannot write the chain tip record: blocks lost at the end of the chain would not be detected", "file", t.path, "height", height, "err", err)
		}
		t.failing = true
		return
	}
	if t.failing {
		t.log.Info("the chain tip record is written again", "file", t.path, "height", height)
		t.failing = false
	}
}

func (t *tipRecorder) close() error {
	return t.f.Close()
}

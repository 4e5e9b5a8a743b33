package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble"

	"rxledger/chaincode"
)

// History records are an index into the blocks, as in Fabric's history
// database: the record of a write is stored under historyKey(key, version),
// which names the block and the transaction, and its value says where the
// write and its transaction are in the block's data region and whether the
// write was a delete: uvarint(write offset << 1 | delete), then
// uvarint(write offset - transaction offset). The transaction ID, time and
// value are read from the block when the history is asked for, so the store
// keeps one copy of each written value in the blocks (plus the current one
// in the state), not a third in the history. Verify recomputes every record
// from the blocks.

// encodeHistory returns the history record of a write at offset write of a
// block's data region, in the transaction at offset tx.
func encodeHistory(write, tx int, del bool) []byte { return appendHistory(nil, write, tx, del) }

// appendHistory is encodeHistory appending to b.
func appendHistory(b []byte, write, tx int, del bool) []byte {
	v := uint64(write) << 1
	if del {
		v |= 1
	}
	b = binary.AppendUvarint(b, v)
	return binary.AppendUvarint(b, uint64(write-tx))
}

// decodeHistory returns the write and transaction offsets and the delete
// flag of a history record.
func decodeHistory(raw []byte) (write, tx int, del bool, err error) {
	v, n := binary.Uvarint(raw)
	if n <= 0 || v>>1 > maxOffset {
		return 0, 0, false, fmt.Errorf("bad history record %x", raw)
	}
	back, m := binary.Uvarint(raw[n:])
	if m <= 0 || n+m != len(raw) || back > v>>1 {
		return 0, 0, false, fmt.Errorf("bad history record %x", raw)
	}
	write = int(v >> 1)
	return write, write - int(back), v&1 == 1, nil
}

// maxOffset bounds the offsets a history record may hold.
const maxOffset = 1 << 40

// historyReader resolves history records to entries, reading each block
// once for consecutive records in it.
type historyReader struct {
	r     pebble.Reader
	num   uint64
	raw   []byte // block num, as stored; nil: none read yet
	close func() error
}

func (h *historyReader) release() {
	if h.close != nil {
		h.close()
		h.close = nil
	}
	h.raw = nil
}

// entry returns the history entry of key's write recorded at v with the
// given record value.
func (h *historyReader) entry(key string, v Version, record []byte) (chaincode.HistoryEntry, error) {
	if h.raw == nil || h.num != v.Block {
		h.release()
		raw, closer, err := h.r.Get(blockKey(v.Block))
		if errors.Is(err, pebble.ErrNotFound) {
			return chaincode.HistoryEntry{}, fmt.Errorf("history names block %d, which is not stored", v.Block)
		}
		if err != nil {
			return chaincode.HistoryEntry{}, fmt.Errorf("read block %d: %w", v.Block, err)
		}
		h.raw, h.num, h.close = raw, v.Block, closer.Close
	}
	w, err := locateWrite(h.raw, v.Tx, record)
	if err != nil {
		return chaincode.HistoryEntry{}, fmt.Errorf("block %d: %w", v.Block, err)
	}
	if w.key != key {
		return chaincode.HistoryEntry{}, fmt.Errorf("block %d transaction %d: the recorded write is of %q, not %q", v.Block, v.Tx, w.key, key)
	}
	e := chaincode.HistoryEntry{TxID: w.txID, Block: v.Block, Timestamp: w.time, IsDelete: w.del}
	if !w.del {
		e.Value = append([]byte{}, w.value...)
	}
	return e, nil
}

// locatedWrite is one write as locateWrite finds it in a stored block. value
// refers to the block's bytes.
type locatedWrite struct {
	txID  string
	time  time.Time
	key   string
	value []byte
	del   bool
}

// locateWrite reads the write a history record points to in a stored block,
// and its transaction's ID and time, without decoding the rest of the
// block. Transaction tx must be a valid one. It trusts the record's offsets
// as far as they decode to a write (Verify checks them against the blocks).
func locateWrite(raw []byte, tx uint32, record []byte) (locatedWrite, error) {
	writeAt, txAt, del, err := decodeHistory(record)
	if err != nil {
		return locatedWrite{}, err
	}
	d := &decoder{b: raw}
	d.take(headerLen)
	data := d.bytes()
	n := d.count()
	codes := d.take(n)
	if err := d.done(); err != nil {
		return locatedWrite{}, fmt.Errorf("decode block: %w", err)
	}
	if uint64(tx) >= uint64(n) {
		return locatedWrite{}, fmt.Errorf("no transaction %d (%d in the block)", tx, n)
	}
	if ValidationCode(codes[tx]) != TxValid {
		return locatedWrite{}, fmt.Errorf("transaction %d is not valid (%s)", tx, ValidationCode(codes[tx]))
	}
	if writeAt >= len(data) {
		return locatedWrite{}, fmt.Errorf("history record points past the block's data (%d of %d bytes)", writeAt, len(data))
	}
	var w locatedWrite
	td := &decoder{b: data[txAt:writeAt]}
	w.txID = string(td.bytes())
	td.bytes() // creator
	w.time = time.Unix(0, int64(td.u64())).UTC()
	wd := &decoder{b: data[writeAt:]}
	w.key = string(wd.bytes())
	switch wd.u8() {
	case 0:
		w.value = wd.bytes()
	case 1:
		w.del = true
	default:
		wd.fail(fmt.Errorf("bad write flag"))
	}
	if td.err != nil || wd.err != nil {
		return locatedWrite{}, fmt.Errorf("history record does not point to a write: %w", errors.Join(td.err, wd.err))
	}
	if w.del != del {
		return locatedWrite{}, fmt.Errorf("history record's delete flag differs from the write of %q", w.key)
	}
	return w, nil
}

// dataPositions walks a block's data region (as stored) and returns where
// its transactions and their writes are: what sealData recorded when the
// block was written, recomputed from the bytes themselves.
func dataPositions(data []byte) (*positions, error) {
	d := &decoder{b: data}
	p := &positions{}
	d.bytes() // config
	n := d.count()
	first := make([]int, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		p.tx = append(p.tx, len(data)-len(d.b))
		first = append(first, len(p.flat))
		skipTxBody(d, data, &p.flat)
	}
	if err := d.done(); err != nil {
		return nil, fmt.Errorf("decode block transactions: %w", err)
	}
	p.split(first)
	return p, nil
}

// skipTxBody steps over one encoded transaction body (see encodeTxBody),
// appending where each of its writes starts in data (which d reads) to
// *writeAt.
func skipTxBody(d *decoder, data []byte, writeAt *[]int) {
	d.bytes() // ID
	d.bytes() // creator
	d.u64()   // time
	d.bytes() // function
	for n := d.count(); n > 0 && d.err == nil; n-- {
		d.bytes()
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		*writeAt = append(*writeAt, len(data)-len(d.b))
		d.bytes()
		switch d.u8() {
		case 0:
			d.bytes()
		case 1:
		default:
			d.fail(fmt.Errorf("bad write flag"))
		}
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		d.bytes()
		d.bytes()
		d.take(32)
	}
	switch d.u8() {
	case 0:
	case 1:
		d.bytes()
		d.bytes()
	default:
		d.fail(fmt.Errorf("bad event flag"))
	}
	d.bytes() // signature
}

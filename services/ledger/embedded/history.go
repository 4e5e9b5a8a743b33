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
// write is in that transaction and whether it was a delete:
// uvarint(write index << 1 | delete). The transaction ID, time and value are
// read from the block when the history is asked for, so the store keeps one
// copy of each written value in the blocks (plus the current one in the
// state), not a third in the history.

// encodeHistory returns the history record of write number index of a
// transaction.
func encodeHistory(index int, del bool) []byte { return appendHistory(nil, index, del) }

// appendHistory is encodeHistory appending to b.
func appendHistory(b []byte, index int, del bool) []byte {
	v := uint64(index) << 1
	if del {
		v |= 1
	}
	return binary.AppendUvarint(b, v)
}

// decodeHistory returns the write index and delete flag of a history record.
func decodeHistory(raw []byte) (index int, del bool, err error) {
	v, n := binary.Uvarint(raw)
	if n <= 0 || n != len(raw) || v>>1 > uint64(maxWritesPerTx) {
		return 0, false, fmt.Errorf("bad history record %x", raw)
	}
	return int(v >> 1), v&1 == 1, nil
}

// maxWritesPerTx bounds the write index a history record may name (a
// decoded count is bounded by the bytes of its block anyway).
const maxWritesPerTx = 1 << 31

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
	wi, del, err := decodeHistory(record)
	if err != nil {
		return chaincode.HistoryEntry{}, err
	}
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
	w, err := locateWrite(h.raw, v.Tx, wi)
	if err != nil {
		return chaincode.HistoryEntry{}, fmt.Errorf("block %d: %w", v.Block, err)
	}
	if w.key != key || w.del != del {
		return chaincode.HistoryEntry{}, fmt.Errorf("block %d transaction %d write %d is not the recorded write of %q", v.Block, v.Tx, wi, key)
	}
	e := chaincode.HistoryEntry{TxID: w.txID, Block: v.Block, Timestamp: w.time, IsDelete: del}
	if !del {
		e.Value = append([]byte{}, w.value...)
	}
	return e, nil
}

// locatedWrite is one write as locateWrite finds it in a stored block. key
// and value refer to the block's bytes.
type locatedWrite struct {
	txID  string
	time  time.Time
	key   string
	value []byte
	del   bool
}

// locateWrite finds write number wi of transaction tx in a stored block
// without decoding the rest of it: it steps over the transactions before
// tx and the writes before wi. The transaction must be a valid one.
func locateWrite(raw []byte, tx uint32, wi int) (locatedWrite, error) {
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
	dd := &decoder{b: data}
	dd.bytes() // config
	if cnt := dd.count(); cnt != n {
		return locatedWrite{}, fmt.Errorf("decode block: %d transactions but %d validation codes", cnt, n)
	}
	for i := uint32(0); i < tx && dd.err == nil; i++ {
		skipTxBody(dd)
	}
	var w locatedWrite
	w.txID = string(dd.bytes())
	dd.bytes() // creator
	w.time = time.Unix(0, int64(dd.u64())).UTC()
	dd.bytes() // function
	for a := dd.count(); a > 0 && dd.err == nil; a-- {
		dd.bytes()
	}
	nw := dd.count()
	if dd.err == nil && wi >= nw {
		return locatedWrite{}, fmt.Errorf("transaction %d has %d writes, not %d", tx, nw, wi+1)
	}
	for i := 0; i < wi && dd.err == nil; i++ {
		skipWrite(dd)
	}
	w.key = string(dd.bytes())
	switch dd.u8() {
	case 0:
		w.value = dd.bytes()
	case 1:
		w.del = true
	default:
		dd.fail(fmt.Errorf("bad write flag"))
	}
	if dd.err != nil {
		return locatedWrite{}, fmt.Errorf("decode block transactions: %w", dd.err)
	}
	return w, nil
}

// skipWrite steps over one encoded write (see encodeTxSigned).
func skipWrite(d *decoder) {
	d.bytes()
	switch d.u8() {
	case 0:
		d.bytes()
	case 1:
	default:
		d.fail(fmt.Errorf("bad write flag"))
	}
}

// skipTxBody steps over one encoded transaction body (see encodeTxBody and
// decodeTxBody).
func skipTxBody(d *decoder) {
	d.bytes() // ID
	d.bytes() // creator
	d.u64()   // time
	d.bytes() // function
	for n := d.count(); n > 0 && d.err == nil; n-- {
		d.bytes()
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		skipWrite(d)
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

package embedded

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble"
)

// commitLoop is the committer: the one goroutine that cuts executed
// transactions into blocks, validates and commits them. It runs until Close
// closes the queue, and commits whatever was queued before that.
func (l *Ledger) commitLoop() {
	defer close(l.committerDone)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		first, ok := <-l.queue
		if !ok {
			return
		}
		batch, open := l.collect(first, timer)
		l.commitBlock(batch)
		if !open {
			return
		}
	}
}

// collect gathers a block's transactions after its first: what is queued,
// and what arrives within MaxBlockWait, up to MaxBlockTxs. open is false once
// the queue is closed.
func (l *Ledger) collect(first *executed, timer *time.Timer) (batch []*executed, open bool) {
	batch = []*executed{first}
	var expired <-chan time.Time // nil: never (no wait configured)
	if l.opts.MaxBlockWait > 0 {
		timer.Reset(l.opts.MaxBlockWait)
		defer timer.Stop()
		expired = timer.C
	}
	for len(batch) < l.opts.MaxBlockTxs {
		select {
		case ex, ok := <-l.queue:
			if !ok {
				return batch, false
			}
			batch = append(batch, ex)
			continue
		default:
		}
		if expired == nil {
			return batch, true
		}
		select {
		case ex, ok := <-l.queue:
			if !ok {
				return batch, false
			}
			batch = append(batch, ex)
		case <-expired:
			return batch, true
		}
	}
	return batch, true
}

// commitBlock validates the batch as the next block, writes it with its
// state changes in one synced batch, and answers the waiting submitters.
func (l *Ledger) commitBlock(batch []*executed) {
	l.mu.Lock()
	failed := l.failed
	num, prev := l.height, l.tip
	l.mu.Unlock()
	if failed != nil {
		for _, ex := range batch {
			ex.done <- commitResult{err: failed}
		}
		return
	}

	b, wb, err := l.buildBlock(num, batch)
	if err == nil {
		err = l.stageBlock(wb, b, prev)
		if err == nil {
			err = wb.Set(tipKey, encodeTip(num+1, b.hash()), nil)
		}
		if err == nil {
			// Cached values of the keys this block writes go before the
			// batch reaches the store (see stateCache).
			l.values.commitStart(l.written)
			err = guard(func() error { return wb.Commit(pebble.Sync) })
			if err == nil {
				l.values.commitEnd(l.written, l.writtenValues)
			} else {
				l.values.commitEnd(l.written, nil)
			}
		}
		l.written, l.writtenValues = nil, nil
	}
	wb.Close()
	if err != nil {
		err = fmt.Errorf("commit block %d: %w", num, err)
		l.log.Error("ledger failed", "err", err)
		l.mu.Lock()
		l.failed = err
		close(l.failedCh)
		l.mu.Unlock()
		for _, ex := range batch {
			ex.done <- commitResult{err: err}
		}
		return
	}

	// The block is durable: record it as the chain tip outside the store
	// before anyone is told it committed (see TipRecordFile).
	h := b.hash()
	l.tipRec.record(num+1, h)
	l.recent.trim(num + 1)
	l.mu.Lock()
	l.height, l.tip = num+1, h
	if !l.closed {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	l.mu.Unlock()
	for i, ex := range batch {
		ex.done <- commitResult{block: num, code: b.Txs[i].Code}
	}
}

// sealBufMax is the largest data-region buffer the committer keeps between
// blocks.
const sealBufMax = 16 << 20

// stageBlock seals b after prev and stages the history records of its
// valid writes, which point into it, and the block itself, encoded directly
// into the batch.
func (l *Ledger) stageBlock(wb *pebble.Batch, b *Block, prev Hash) error {
	data := b.sealData(prev, l.sealBuf, &l.sealPos)
	if cap(data) <= sealBufMax {
		l.sealBuf = data[:0]
	} else {
		l.sealBuf = nil
	}
	var hk []byte
	var hv [2 * binary.MaxVarintLen64]byte
	for i := range b.Txs {
		tx := &b.Txs[i]
		if tx.Code != TxValid {
			continue
		}
		v := Version{Block: b.Number, Tx: uint32(i)}
		for wi := range tx.Writes {
			w := &tx.Writes[wi]
			hk = v.append(appendEscaped(append(hk[:0], spaceHistory), w.Key))
			if err := wb.Set(hk, appendHistory(hv[:0], l.sealPos.writes[i][wi], l.sealPos.tx[i], w.Delete), nil); err != nil {
				return fmt.Errorf("stage history of %q: %w", w.Key, err)
			}
		}
	}
	key := blockKey(b.Number)
	n := b.storedLen(data)
	op := wb.SetDeferred(len(key), n)
	copy(op.Key, key)
	if out := b.appendStored(op.Value[:0], data); len(out) != n || &out[0] != &op.Value[0] {
		return fmt.Errorf("block %d: encoded %d bytes, expected %d", b.Number, len(out), n)
	}
	return op.Finish()
}

// batchSize estimates the bytes a block's batch takes: each write's state
// entry, history record and share of the block, each private value and its
// hash, and the transactions' other content.
func batchSize(batch []*executed) int {
	n := 4096
	for _, ex := range batch {
		n += 256 + len(ex.tx.ID) + len(ex.tx.Function) + len(ex.tx.Signature) + len(ex.result)
		for _, a := range ex.tx.Args {
			n += len(a) + 4
		}
		for i := range ex.tx.Writes {
			n += 3*len(ex.tx.Writes[i].Key) + 2*len(ex.tx.Writes[i].Value) + 64
		}
		for i := range ex.private {
			p := &ex.private[i]
			n += 2*(len(p.Collection)+len(p.Key)) + len(p.value) + 96
		}
		if ex.tx.Event != nil {
			n += len(ex.tx.Event.Name) + len(ex.tx.Event.Payload) + 8
		}
	}
	return n
}

// buildBlock validates each transaction against the committed state and the
// writes of the valid transactions before it in the block, and stages the
// valid ones' state, history index records and private data in a batch.
func (l *Ledger) buildBlock(num uint64, batch []*executed) (*Block, *pebble.Batch, error) {
	b := &Block{Header: Header{Number: num, Time: time.Now().UTC()}, Txs: make([]Tx, len(batch))}
	wb := l.db.NewBatchWithSize(batchSize(batch))
	var written [][]byte       // store keys written earlier in this block, for range checks
	var writtenValues [][]byte // their stored values (see Ledger.writtenValues)
	var scratch []byte
	for i, ex := range batch {
		code, err := l.validate(ex, num, written)
		if err != nil {
			return nil, wb, err
		}
		ex.tx.Code = code
		b.Txs[i] = ex.tx
		if code != TxValid {
			continue
		}
		v := Version{Block: num, Tx: uint32(i)}
		var vb [versionLen]byte
		v.append(vb[:0])
		// The state entries of a transaction are in key order (and its
		// history records are staged together after the block is sealed),
		// so the memtable inserts each next to the one before rather than
		// searching from its top.
		for wi := range ex.tx.Writes {
			w := &ex.tx.Writes[wi]
			sk := stateKey(w.Key)
			var stored []byte // the versioned value, in the batch's memory; nil for a deletion
			if w.Delete {
				err = wb.Delete(sk, nil)
			} else {
				op := wb.SetDeferred(len(sk), versionLen+len(w.Value))
				copy(op.Key, sk)
				copy(op.Value, vb[:])
				copy(op.Value[versionLen:], w.Value)
				stored = op.Value
				err = op.Finish()
			}
			if err != nil {
				return nil, wb, fmt.Errorf("stage write %q: %w", w.Key, err)
			}
			if w.Delete {
				// A reader of a deleted key sees no version (as in the
				// store), so that is what later validations must compare with.
				l.recent.note(sk, Version{})
			} else {
				l.recent.note(sk, v)
			}
			written = append(written, sk)
			writtenValues = append(writtenValues, stored)
		}
		for _, p := range ex.private {
			pk := privateKey(p.Collection, p.Key)
			scratch = append(v.append(scratch[:0]), p.value...)
			if err := wb.Set(pk, scratch, nil); err != nil {
				return nil, wb, fmt.Errorf("stage private write %q: %w", p.Key, err)
			}
			l.recent.note(pk, v)
		}
	}
	l.written, l.writtenValues = written, writtenValues
	return b, wb, nil
}

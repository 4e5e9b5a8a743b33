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
		raw := b.seal(prev)
		err = wb.Set(blockKey(num), raw, nil)
		if err == nil {
			err = wb.Set(tipKey, encodeTip(num+1, b.hash()), nil)
		}
		if err == nil {
			err = guard(func() error { return wb.Commit(pebble.Sync) })
		}
	}
	wb.Close()
	if err != nil {
		err = fmt.Errorf("commit block %d: %w", num, err)
		l.log.Error("ledger failed", "err", err)
		l.mu.Lock()
		l.failed = err
		l.mu.Unlock()
		for _, ex := range batch {
			ex.done <- commitResult{err: err}
		}
		return
	}

	l.recent.trim(num + 1)
	l.mu.Lock()
	l.height, l.tip = num+1, b.hash()
	if !l.closed {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	l.mu.Unlock()
	for i, ex := range batch {
		ex.done <- commitResult{block: num, code: b.Txs[i].Code}
	}
}

// buildBlock validates each transaction against the committed state and the
// writes of the valid transactions before it in the block, and stages the
// valid ones' state, history index records and private data in a batch.
func (l *Ledger) buildBlock(num uint64, batch []*executed) (*Block, *pebble.Batch, error) {
	b := &Block{Header: Header{Number: num, Time: time.Now().UTC()}, Txs: make([]Tx, len(batch))}
	wb := l.db.NewBatch()
	var written [][]byte // store keys written earlier in this block, for range checks
	var scratch, hk []byte
	var hv [binary.MaxVarintLen64]byte
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
		for wi := range ex.tx.Writes {
			w := &ex.tx.Writes[wi]
			sk := stateKey(w.Key)
			if w.Delete {
				err = wb.Delete(sk, nil)
			} else {
				scratch = append(v.append(scratch[:0]), w.Value...)
				err = wb.Set(sk, scratch, nil)
			}
			if err == nil {
				hk = v.append(appendEscaped(append(hk[:0], spaceHistory), w.Key))
				err = wb.Set(hk, appendHistory(hv[:0], wi, w.Delete), nil)
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
	return b, wb, nil
}

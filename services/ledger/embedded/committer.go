package embedded

import (
	"bytes"
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
			err = wb.Commit(pebble.Sync)
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
// valid ones' state, history and private data in a batch.
func (l *Ledger) buildBlock(num uint64, batch []*executed) (*Block, *pebble.Batch, error) {
	b := &Block{Header: Header{Number: num, Time: time.Now().UTC()}, Txs: make([]Tx, len(batch))}
	wb := l.db.NewBatch()
	var written [][]byte // store keys written earlier in this block, for range checks
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
				err = wb.Set(historyKey(w.Key, v), encodeHistory(ex.tx.ID, ex.tx.Time, w), nil)
			}
			if err != nil {
				return nil, wb, fmt.Errorf("stage write %q: %w", w.Key, err)
			}
			l.recent.note(sk, v)
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

// validate checks a transaction's reads: every key must still have the
// version it read, and every range must still hold the same keys at the same
// versions. Keys written by recent blocks (and earlier in this one) are
// checked in memory; the store is consulted only for the other keys of a
// transaction whose snapshot predates the recent-writes window.
func (l *Ledger) validate(ex *executed, num uint64, written [][]byte) (ValidationCode, error) {
	fast := l.recent.covers(ex.snapHeight)
	for k, seen := range ex.reads {
		if cur, ok := l.recent.versions[k]; ok {
			if cur != seen {
				return TxMVCCConflict, nil
			}
			continue
		}
		if fast {
			continue // not written since the snapshot
		}
		cur, err := getVersion(l.db, []byte(k))
		if err != nil {
			return 0, fmt.Errorf("validate %s: %w", ex.tx.ID, err)
		}
		if cur != seen {
			return TxMVCCConflict, nil
		}
	}
	for _, rr := range ex.ranges {
		ok, err := l.rangeUnchanged(rr, written)
		if err != nil {
			return 0, fmt.Errorf("validate %s: %w", ex.tx.ID, err)
		}
		if !ok {
			return TxPhantomConflict, nil
		}
	}
	return TxValid, nil
}

func (l *Ledger) rangeUnchanged(rr rangeRead, written [][]byte) (bool, error) {
	hi := rr.hi
	if rr.stopped && len(rr.keys) > 0 {
		hi = append(bytes.Clone(rr.keys[len(rr.keys)-1]), 0) // through the last key seen
	}
	for _, k := range written {
		if bytes.Compare(k, rr.lo) >= 0 && bytes.Compare(k, hi) < 0 {
			return false, nil
		}
	}
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: rr.lo, UpperBound: hi})
	if err != nil {
		return false, err
	}
	defer it.Close()
	i := 0
	for ok := it.First(); ok; ok = it.Next() {
		if i >= len(rr.keys) || !bytes.Equal(it.Key(), rr.keys[i]) {
			return false, nil
		}
		v, _, err := splitVersioned(it.Value())
		if err != nil {
			return false, err
		}
		if v != rr.versions[i] {
			return false, nil
		}
		i++
	}
	if err := it.Error(); err != nil {
		return false, err
	}
	return i == len(rr.keys), nil
}

// recentWrites remembers the last version written of every key changed by
// the blocks since from, so most read-set checks need no store lookup. It is
// owned by the committer goroutine.
type recentWrites struct {
	from     uint64 // first block covered
	limit    int    // keys kept before the window restarts
	versions map[string]Version
}

func newRecentWrites(height uint64, limit int) *recentWrites {
	return &recentWrites{from: height, limit: limit, versions: make(map[string]Version)}
}

// covers reports whether every write after a snapshot taken at height
// snapHeight (or later) is in the window.
func (r *recentWrites) covers(snapHeight uint64) bool { return snapHeight >= r.from }

func (r *recentWrites) note(storeKey []byte, v Version) { r.versions[string(storeKey)] = v }

// trim restarts the window at block next when it holds too many keys.
func (r *recentWrites) trim(next uint64) {
	if len(r.versions) > r.limit {
		clear(r.versions)
		r.from = next
	}
}

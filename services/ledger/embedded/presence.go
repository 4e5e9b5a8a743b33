package embedded

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	"github.com/cockroachdb/pebble"
)

// presence is a Bloom filter of every state key the store holds or has held
// since Open, so that a read of a key that was never written (the DSCSA
// chaincode reads a serial's own record, absent until the serial first
// moves, on every verification) is answered without searching the store.
// A key the filter does not hold is absent; a key it holds may be present,
// and is read from the store as before.
//
// Consistency with snapshots. Keys are only ever added: the committer adds
// the keys a block writes (stateCache.commitStart) before the block's batch
// reaches the store, and a background scan at Open adds every key already
// stored. The filter is used only once that scan has ended. So a key present
// in any reader's snapshot was added before the snapshot was taken, either
// by the scan or by its block's commit, and the filter holds it; a key the
// filter lacks is absent from every snapshot, with the zero Version, which
// is what the store would answer, so read sets and MVCC validation are
// unchanged. Deleted keys stay in the filter and are read from the store.
//
// The filter is sized at Open for the keys the store may hold (from its
// size), with a 1 % false positive rate; a ledger that grows far beyond that
// gets more false positives (more store reads), never a wrong answer.
type presence struct {
	ready atomic.Bool // the scan of the stored keys has ended
	mu    sync.RWMutex
	f     *bloom.BloomFilter

	stop chan struct{} // closed by stopScan
	done chan struct{} // closed when the scan has ended
}

const (
	// presenceMinKeys is the smallest number of keys a filter is sized for.
	presenceMinKeys = 1 << 16
	// presenceBytesPerKey estimates the keys of a store from its size: a
	// state key with its value, history index entries and block bytes take
	// at least this much (17.6 bytes per serial of a ledger of consecutive
	// serials counts blocks of a thousand).
	presenceBytesPerKey = 64
	// presenceFPRate is the filter's false positive rate at its size.
	presenceFPRate = 0.01
)

// newPresence returns a filter sized for a store of storeBytes.
func newPresence(storeBytes uint64) *presence {
	n := max(storeBytes/presenceBytesPerKey, presenceMinKeys)
	return &presence{f: bloom.NewWithEstimates(uint(n), presenceFPRate),
		stop: make(chan struct{}), done: make(chan struct{})}
}

// absent reports whether sk is certainly absent from every snapshot.
func (p *presence) absent(sk []byte) bool {
	if p == nil || !p.ready.Load() {
		return false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return !p.f.Test(sk)
}

// add records keys that are, or are about to be, stored.
func (p *presence) add(keys [][]byte) {
	if p == nil || len(keys) == 0 {
		return
	}
	p.mu.Lock()
	for _, k := range keys {
		p.f.Add(k)
	}
	p.mu.Unlock()
}

// presenceBatch is how many keys the scan adds per lock.
const presenceBatch = 4096

// scan adds every state key of db, then marks the filter ready, unless
// stopScan ends it first (the filter then stays unused).
func (p *presence) scan(db *pebble.DB, l *Ledger) {
	defer close(p.done)
	start := time.Now()
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceState}, UpperBound: []byte{spaceState + 1}})
	if err != nil {
		l.log.Warn("state key filter: scan", "err", err)
		return
	}
	defer it.Close()
	batch := make([][]byte, 0, presenceBatch)
	keys := 0
	for it.First(); it.Valid(); it.Next() {
		batch = append(batch, append([]byte(nil), it.Key()...))
		if len(batch) == presenceBatch {
			p.add(batch)
			keys += len(batch)
			batch = batch[:0]
			select {
			case <-p.stop:
				return
			default:
			}
		}
	}
	if err := it.Error(); err != nil {
		l.log.Warn("state key filter: scan", "err", err)
		return
	}
	p.add(batch)
	keys += len(batch)
	p.ready.Store(true)
	l.log.Debug("state key filter ready", "keys", keys, "took", time.Since(start).Round(time.Millisecond))
}

// stopScan ends a running scan and waits for it (before the store is closed
// under it).
func (p *presence) stopScan() {
	close(p.stop)
	<-p.done
}

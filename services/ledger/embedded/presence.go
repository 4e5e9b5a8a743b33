package embedded

import (
	"hash/maphash"
	"sync/atomic"

	"github.com/greatroar/blobloom"
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
// reaches the store, and the pass over the state at Open (scanState, only
// with Options.WarmCache) adds every key already stored. The filter is used
// only once that pass has ended, or at once for a new store, which holds no
// state; an Open without WarmCache keeps no filter (see warm.go). So a key present
// in any reader's snapshot was added before the snapshot was taken, either
// by the scan or by its block's commit, and the filter holds it; a key the
// filter lacks is absent from every snapshot, with the zero Version, which
// is what the store would answer, so read sets and MVCC validation are
// unchanged. Deleted keys stay in the filter and are read from the store.
//
// The filter is sized at Open for the keys the store may hold (from its
// size), with a 1 % false positive rate; a ledger that grows far beyond that
// gets more false positives (more store reads), never a wrong answer.
//
// It is a blocked Bloom filter (blobloom): all the bits of a key lie in one
// 64-byte block, so a lookup in the filter of ten million keys (tens of
// megabytes, far beyond the CPU's caches) costs one cache miss where a
// classic filter costs one for each bit it tests. Its bits are set and read
// atomically, so readers take no lock; the ordering the consistency
// argument needs comes from the store: a key's Add happens before its
// block's batch is committed, which happens before any snapshot that holds
// it is taken.
type presence struct {
	ready atomic.Bool // the scan of the stored keys has ended
	seed  maphash.Seed
	f     *blobloom.SyncFilter
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
	return &presence{seed: maphash.MakeSeed(), f: blobloom.NewSyncOptimized(blobloom.Config{Capacity: n, FPRate: presenceFPRate})}
}

// absent reports whether sk is certainly absent from every snapshot.
func (p *presence) absent(sk []byte) bool {
	if p == nil || !p.ready.Load() {
		return false
	}
	return !p.f.Has(maphash.Bytes(p.seed, sk))
}

// add records keys that are, or are about to be, stored.
func (p *presence) add(keys [][]byte) {
	if p == nil || len(keys) == 0 {
		return
	}
	for _, k := range keys {
		p.f.Add(maphash.Bytes(p.seed, k))
	}
}

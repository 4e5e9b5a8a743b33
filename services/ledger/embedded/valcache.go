package embedded

import (
	"bytes"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// stateCache holds the current committed value and version of state keys
// that are read again and again (a trading partner's record, a lot's record),
// so that reading them does not search the store. Keys read once (a random
// serial among millions) are not admitted: a key enters only on its second
// read within a while, checked by a lossy table of key hashes.
//
// Consistency with snapshots. Every entry is the key's current committed
// value: each block commit bumps gen to odd and deletes the keys the block
// writes (under mu) before its batch reaches the store, and bumps gen to even
// once it is there. A reader notes gen before it takes its snapshot (an odd
// gen means a commit is in flight, and the reader does not use the cache at
// all). While gen still equals what the reader noted, no commit has started
// since its snapshot was taken, so the current committed state is exactly
// the snapshot's view and a current entry is what the snapshot would return.
// A reader therefore uses an entry, and adds one it read from its snapshot,
// only if gen is unchanged; both checks follow the entry access under mu,
// and a commit bumps gen before it deletes anything (also under mu).
type stateCache struct {
	gen  atomic.Uint64
	mu   sync.RWMutex
	m    map[string]cachedValue
	seed maphash.Seed
	seen [stateCacheDoor]atomic.Uint64
	// keys tells absent keys without a store read (see presence); nil: no
	// filter.
	keys *presence
}

type cachedValue struct {
	v   Version
	val []byte
}

const (
	// stateCacheEntries bounds the cache (about 20 MB of typical records);
	// when full, a random entry makes room.
	stateCacheEntries = 65536
	// stateCacheDoor is the number of slots of the admission table.
	stateCacheDoor = 1 << 16
	// stateCacheMaxValue is the largest value cached, so that the cache
	// stays below about 64 MiB of values whatever a chaincode stores.
	stateCacheMaxValue = 4 << 10
)

func newStateCache() *stateCache {
	return &stateCache{m: make(map[string]cachedValue), seed: maphash.MakeSeed()}
}

// begin returns the generation a reader notes before taking its snapshot,
// and whether it may use the cache (no commit in flight).
func (c *stateCache) begin() (uint64, bool) {
	g := c.gen.Load()
	return g, g%2 == 0
}

// get returns a copy of sk's cached value for a reader that noted gen g.
func (c *stateCache) get(sk []byte, g uint64) (Version, []byte, bool) {
	c.mu.RLock()
	e, ok := c.m[string(sk)]
	c.mu.RUnlock()
	if !ok || c.gen.Load() != g {
		return Version{}, nil, false
	}
	return e.v, bytes.Clone(e.val), true
}

// offer adds the value a reader that noted gen g read from its snapshot, if
// sk has been read before and nothing was committed since the snapshot.
// Absent keys and values larger than stateCacheMaxValue are not cached.
func (c *stateCache) offer(sk []byte, g uint64, v Version, val []byte) {
	if val == nil || len(val) > stateCacheMaxValue {
		return
	}
	h := maphash.Bytes(c.seed, sk) | 1 // never 0, the empty slot
	slot := &c.seen[h%stateCacheDoor]
	if slot.Load() != h {
		slot.Store(h)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != g {
		return
	}
	if _, ok := c.m[string(sk)]; ok {
		return
	}
	if len(c.m) >= stateCacheEntries {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[string(sk)] = cachedValue{v: v, val: bytes.Clone(val)}
}

// commitStart is called by the committer before a block's batch is
// committed, with the store keys of the state the block writes.
func (c *stateCache) commitStart(written [][]byte) {
	c.keys.add(written) // before the batch reaches the store (see presence)
	c.mu.Lock()
	c.gen.Add(1) // odd: in flight; readers that noted the old gen stop using the cache
	for _, sk := range written {
		delete(c.m, string(sk))
	}
	c.mu.Unlock()
}

// commitEnd is called by the committer once the batch was committed (or
// failed).
func (c *stateCache) commitEnd() {
	c.gen.Add(1)
}

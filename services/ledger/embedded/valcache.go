package embedded

import (
	"bytes"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/fastcache"
)

// stateCache holds the current committed value and version of state keys,
// so that reading them does not search the store. It has two tiers:
//   - hot: a Go map of the keys read again and again (a trading partner's
//     record, a lot's record). A key read by a transaction, from the store
//     or from the bulk tier, enters on its second read within a while,
//     checked by a lossy table of key hashes, so that keys read once (a
//     random serial among millions) do not push the others out; when full,
//     a random entry makes room. A lookup there stays in the CPU's caches,
//     where one in a bulk tier of millions of records does not.
//   - bulk: the whole state, as far as its budget goes: what the pass over
//     the state at Open reads (Options.WarmCache, warm.go), and every value
//     a block writes, as the block commits. Its values live
//     outside the Go heap (fastcache: 512 locked buckets of 64 KiB chunks,
//     each a ring that drops its oldest chunk when full), so that millions
//     of records cost the garbage collector nothing. A node whose budget
//     holds its state answers a uniformly random read of ten million
//     serials from memory, as it answers one of ten thousand.
//
// Consistency with snapshots. Every entry is the key's current committed
// value whenever gen is even: each block commit bumps gen to odd (under mu)
// and deletes the hot tier's entries of the keys the block writes before its
// batch reaches the store; once the batch is there (or has failed), it
// replaces or drops the bulk tier's entries of those keys and bumps gen to
// even, under mu again. A reader notes gen before it takes its
// snapshot (an odd gen means a commit is in flight, and the reader does not
// use the cache at all). While gen still equals what the reader noted, no
// commit has started since its snapshot was taken, so the current committed
// state is exactly the snapshot's view and a current entry is what the
// snapshot would return. A reader therefore uses an entry only if gen is
// unchanged after it read the entry, and adds one it read from its snapshot
// only if gen is unchanged under mu; a commit bumps gen under mu before it
// changes anything, and changes nothing once gen is even again.
type stateCache struct {
	gen atomic.Uint64
	mu  sync.RWMutex // orders additions against commits; guards hot
	hot map[string]cachedValue
	c   *fastcache.Cache // the bulk tier
	// budget is the cache's size in bytes; filled, the bytes the pass at
	// Open has added.
	budget, filled int64
	seed           maphash.Seed
	seen           [stateCacheDoor]atomic.Uint64
	// keys tells absent keys without a store read (see presence); nil: no
	// filter.
	keys *presence
	// misses counts the reads of state keys the cache could not answer,
	// which went to the store (absent keys the filter tells excepted).
	misses atomic.Int64
}

type cachedValue struct {
	v   Version
	val []byte
}

const (
	// stateCacheEntries bounds the hot tier (about 20 MB of typical
	// records).
	stateCacheEntries = 65536
	// stateCacheDoor is the number of slots of the admission table.
	stateCacheDoor = 1 << 16
	// stateCacheMaxValue is the largest value cached: larger ones are rare
	// (a block of serials is a few hundred bytes) and would crowd out many
	// small ones.
	stateCacheMaxValue = 4 << 10
	// minStateCacheBytes is the smallest cache: one 64 KiB chunk for each of
	// fastcache's 512 buckets.
	minStateCacheBytes = 32 << 20
	// stateFillShare is the share of the budget the pass at Open may fill,
	// keeping room for the keys read later without evicting what it read.
	stateFillShare = 0.75
	// fastcacheEntryOverhead is what fastcache stores with an entry besides
	// its key and value (the two lengths).
	fastcacheEntryOverhead = 4
	// fastcacheMaxEntry bounds an entry fastcache stores: it silently
	// ignores a Set of a key and value whose size with the overhead reaches
	// its 64 KiB chunk, leaving any earlier entry of the key in place.
	fastcacheMaxEntry = 64 << 10
)

// bulkFits reports whether the bulk tier takes sk's stored value raw: a
// value of at most stateCacheMaxValue bytes, in an entry fastcache stores
// (a very long key may not fit with it).
func bulkFits(sk, raw []byte) bool {
	return len(raw) <= versionLen+stateCacheMaxValue && len(sk)+len(raw)+fastcacheEntryOverhead < fastcacheMaxEntry
}

func newStateCache(budget int64) *stateCache {
	budget = max(budget, minStateCacheBytes)
	return &stateCache{hot: make(map[string]cachedValue), c: fastcache.New(int(budget)), budget: budget, seed: maphash.MakeSeed()}
}

// close gives the cache's memory back for reuse by later caches.
func (c *stateCache) close() {
	c.c.Reset()
}

// begin returns the generation a reader notes before taking its snapshot,
// and whether it may use the cache (no commit in flight).
func (c *stateCache) begin() (uint64, bool) {
	g := c.gen.Load()
	return g, g%2 == 0
}

// get returns sk's cached version and a copy of its value for a reader that
// noted gen g.
func (c *stateCache) get(sk []byte, g uint64) (Version, []byte, bool) {
	c.mu.RLock()
	e, ok := c.hot[string(sk)]
	c.mu.RUnlock()
	if ok {
		if c.gen.Load() != g {
			return Version{}, nil, false
		}
		return e.v, bytes.Clone(e.val), true
	}
	raw, ok := c.c.HasGet(nil, sk)
	if !ok || c.gen.Load() != g {
		return Version{}, nil, false
	}
	v, val, err := splitVersioned(raw)
	if err != nil { // only the cache writes entries: never
		return Version{}, nil, false
	}
	// A key read again and again (a lot, a partner) moves up to the hot
	// tier, as one read from the store does: a lookup in the bulk tier of
	// millions of records misses the CPU's caches every time.
	c.offer(sk, g, v, val)
	return v, val, true
}

// offer adds the value a reader that noted gen g read from its snapshot (or
// from the bulk tier), if sk has been read before and nothing was committed
// since the snapshot.
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
	if _, ok := c.hot[string(sk)]; ok {
		return
	}
	if len(c.hot) >= stateCacheEntries {
		for k := range c.hot {
			delete(c.hot, k)
			break
		}
	}
	c.hot[string(sk)] = cachedValue{v: v, val: bytes.Clone(val)}
}

// fill adds stored entries (key and versioned value, as the store holds
// them) that a pass over a snapshot taken after noting gen g read; it
// reports false, adding nothing, once a commit has started since.
func (c *stateCache) fill(g uint64, keys, raws [][]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != g {
		return false
	}
	for i, sk := range keys {
		if bulkFits(sk, raws[i]) {
			c.c.Set(sk, raws[i])
			c.filled += int64(len(sk) + len(raws[i]) + fastcacheEntryOverhead)
		}
	}
	return true
}

// full reports whether the pass at Open has filled its share of the budget.
func (c *stateCache) full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return float64(c.filled) >= stateFillShare*float64(c.budget)
}

// commitStart is called by the committer before a block's batch is
// committed, with the store keys of the state the block writes.
func (c *stateCache) commitStart(written [][]byte) {
	c.keys.add(written) // before the batch reaches the store (see presence)
	c.mu.Lock()
	c.gen.Add(1) // odd: in flight; readers that noted the old gen stop using the cache
	for _, sk := range written {
		delete(c.hot, string(sk)) // the bulk tier is brought up to date by commitEnd
	}
	c.mu.Unlock()
}

// commitEnd is called by the committer once the batch was committed, with
// the store keys the block wrote and their stored values (nil for a
// deletion), or once it failed, with stored nil: the bulk tier takes the
// new values, or drops the keys, before gen turns even, so it stays
// complete as the ledger grows and never keeps a value the block replaced.
func (c *stateCache) commitEnd(written, stored [][]byte) {
	c.mu.Lock()
	for i, sk := range written { // in block order: a key's last write wins
		var raw []byte
		if stored != nil {
			raw = stored[i]
		}
		switch {
		case raw == nil:
			c.c.Del(sk)
		case bulkFits(sk, raw):
			c.c.Set(sk, raw)
		default:
			c.c.Del(sk) // an earlier write in this block may be cached (fastcache ignores a Set that does not fit)
		}
	}
	c.gen.Add(1)
	c.mu.Unlock()
}

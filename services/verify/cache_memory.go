package verify

import (
	"context"
	"sync"
)

// MemoryMaxAbsent is how many records of absence (a serial asked about
// that the ledger has never seen) a MemoryCache holds; writing one more
// forgets the oldest written. Anyone allowed to verify can ask about
// made-up serials, and each would otherwise stay in the serving process's
// memory for good. One costs about 170 bytes with a 20-character serial
// (its map entry, its key's bytes, its slot in the ring; measured on Go
// 1.26), so the cap holds about 11 MB: little beside the ledger's caches,
// and at ordinary rates (a few unknown serials a second) hours of them,
// so a retry or a package scanned again is still answered from the cache.
// Under a flood of made-up serials they push each other out, never a real
// record.
const MemoryMaxAbsent = 1 << 16

// MemoryCache is the in-process Cache, used when no Redis is configured. It
// lives and dies with the process: a restart rebuilds it from block 0.
//
// Records of absence are held apart from real records, at most
// MemoryMaxAbsent of them: a flood of unknown serials evicts only other
// absences, and a lookup of a known serial reads the real records alone.
type MemoryCache struct {
	mu         sync.RWMutex
	records    map[Key]memRecord
	absent     map[Key]memAbsent
	checkpoint Checkpoint

	// ring holds the keys of absences in the order they were written, up
	// to maxAbsent slots; once full, the next absence takes slot next,
	// the oldest, and evicts the absence written there if that slot is
	// still its own (an absence replaced or evicted leaves its slot
	// stale). Each absence held owns one slot, so len(absent) <=
	// maxAbsent.
	ring      []Key
	next      int
	maxAbsent int
}

type memRecord struct {
	version uint64
	record  []byte // never modified once stored
	lot     string
}

// memAbsent is a record of absence: its version and its slot in the ring.
type memAbsent struct {
	version uint64
	slot    int
}

var _ Cache = (*MemoryCache)(nil)

// NewMemoryCache returns an empty in-process cache.
func NewMemoryCache() *MemoryCache {
	return &MemoryCache{records: make(map[Key]memRecord), absent: make(map[Key]memAbsent), maxAbsent: MemoryMaxAbsent}
}

// Lookup implements Cache.
func (m *MemoryCache) Lookup(_ context.Context, requester string, serials []Key, _ []string, into *Lookup) error {
	into.Items = resize(into.Items, len(serials))
	m.mu.RLock()
	defer m.mu.RUnlock()
	into.Checkpoint = m.checkpoint
	into.Requester = m.found(PartnerKey(requester))
	for i, k := range serials {
		r, ok := m.records[k]
		if !ok {
			if a, ok := m.absent[k]; ok {
				into.Items[i].Serial = Found{Cached: true, Version: a.version}
			}
			continue
		}
		it := &into.Items[i]
		it.Serial = Found{Cached: true, Version: r.version, Record: r.record}
		if r.record != nil && r.lot != "" {
			it.Lot = m.found(Key{KindLot, r.lot})
		}
	}
	return nil
}

func (m *MemoryCache) found(k Key) Found {
	if r, ok := m.records[k]; ok {
		return Found{Cached: true, Version: r.version, Record: r.record}
	}
	if a, ok := m.absent[k]; ok {
		return Found{Cached: true, Version: a.version}
	}
	return Found{}
}

// Put implements Cache.
func (m *MemoryCache) Put(_ context.Context, after Checkpoint, entries []Entry, block uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.checkpoint != after {
		return &CheckpointMoved{Found: m.checkpoint}
	}
	m.writeLocked(entries)
	m.checkpoint = Checkpoint{Block: block, Set: true}
	return nil
}

// Fill implements Cache.
func (m *MemoryCache) Fill(_ context.Context, entries []Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writeLocked(entries)
	return nil
}

func (m *MemoryCache) writeLocked(entries []Entry) {
	for _, e := range entries {
		if old, ok := m.records[e.Key]; ok && old.version > e.Version {
			continue
		}
		if old, ok := m.absent[e.Key]; ok && old.version > e.Version {
			continue
		}
		if e.Record == nil {
			delete(m.records, e.Key)
			m.putAbsentLocked(e.Key, e.Version)
			continue
		}
		delete(m.absent, e.Key) // its ring slot goes stale
		m.records[e.Key] = memRecord{version: e.Version, record: append(make([]byte, 0, len(e.Record)), e.Record...), lot: e.Lot}
	}
}

// putAbsentLocked records that the ledger holds no record of k at version,
// evicting the oldest absence when maxAbsent are held.
func (m *MemoryCache) putAbsentLocked(k Key, version uint64) {
	if a, ok := m.absent[k]; ok {
		a.version = version
		m.absent[k] = a
		return
	}
	slot := len(m.ring)
	if slot < m.maxAbsent {
		m.ring = append(m.ring, k)
	} else {
		slot = m.next
		m.next = (slot + 1) % m.maxAbsent
		if old, ok := m.absent[m.ring[slot]]; ok && old.slot == slot {
			delete(m.absent, m.ring[slot])
		}
		m.ring[slot] = k
	}
	m.absent[k] = memAbsent{version: version, slot: slot}
}

// Checkpoint implements Cache.
func (m *MemoryCache) Checkpoint(context.Context) (Checkpoint, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.checkpoint, nil
}

// Evict implements Cache.
func (m *MemoryCache) Evict(_ context.Context, keys ...Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		delete(m.records, k)
		delete(m.absent, k)
	}
	return nil
}

// Flush forgets everything, checkpoint included, as a flushed Redis would.
func (m *MemoryCache) Flush() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.records)
	clear(m.absent)
	clear(m.ring)
	m.ring, m.next = m.ring[:0], 0
	m.checkpoint = Checkpoint{}
}

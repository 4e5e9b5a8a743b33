package verify

import (
	"context"
	"sync"
)

// MemoryCache is the in-process Cache, used when no Redis is configured. It
// lives and dies with the process: a restart rebuilds it from block 0.
type MemoryCache struct {
	mu         sync.RWMutex
	records    map[Key]memRecord
	checkpoint Checkpoint
}

type memRecord struct {
	version uint64
	record  []byte // never modified once stored
	lot     string
}

var _ Cache = (*MemoryCache)(nil)

// NewMemoryCache returns an empty in-process cache.
func NewMemoryCache() *MemoryCache {
	return &MemoryCache{records: make(map[Key]memRecord)}
}

// Lookup implements Cache.
func (m *MemoryCache) Lookup(_ context.Context, requester string, serials []Key, into *Lookup) error {
	into.Items = resize(into.Items, len(serials))
	m.mu.RLock()
	defer m.mu.RUnlock()
	into.Checkpoint = m.checkpoint
	into.Requester = m.found(PartnerKey(requester))
	for i, k := range serials {
		r, ok := m.records[k]
		if !ok {
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
	r, ok := m.records[k]
	if !ok {
		return Found{}
	}
	return Found{Cached: true, Version: r.version, Record: r.record}
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
		var rec []byte
		if e.Record != nil {
			rec = append(make([]byte, 0, len(e.Record)), e.Record...)
		}
		m.records[e.Key] = memRecord{version: e.Version, record: rec, lot: e.Lot}
	}
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
	}
	return nil
}

// Flush forgets everything, checkpoint included, as a flushed Redis would.
func (m *MemoryCache) Flush() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.records)
	m.checkpoint = Checkpoint{}
}

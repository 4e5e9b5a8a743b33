package verify

import (
	"encoding/json"
	"hash/maphash"
	"sync"
)

// memo remembers decoded records by their JSON bytes: the cache hands the
// same bytes back on every hit, and decoding them again would be most of a
// hit's CPU. Decoded values are shared and must not be modified. Each shard
// holds at most a bounded number of values and starts afresh when full.
type memo[T any] struct {
	seed   maphash.Seed
	shards [16]memoShard[T]
	limit  int
}

type memoShard[T any] struct {
	mu sync.RWMutex
	m  map[string]*T
}

func newMemo[T any](limit int) *memo[T] {
	m := &memo[T]{seed: maphash.MakeSeed(), limit: max(limit/16, 16)}
	for i := range m.shards {
		m.shards[i].m = make(map[string]*T)
	}
	return m
}

// decode returns raw decoded, from memory when it was decoded before.
func (m *memo[T]) decode(raw []byte) (*T, error) {
	sh := &m.shards[maphash.Bytes(m.seed, raw)&15]
	sh.mu.RLock()
	v, ok := sh.m[string(raw)]
	sh.mu.RUnlock()
	if ok {
		return v, nil
	}
	v = new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, err
	}
	sh.mu.Lock()
	if len(sh.m) >= m.limit {
		clear(sh.m)
	}
	sh.m[string(raw)] = v
	sh.mu.Unlock()
	return v, nil
}

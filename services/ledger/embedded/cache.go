package embedded

// Block cache sizing. Pebble allocates the cache as blocks are read, so the
// size is a ceiling, not a reservation: a small ledger uses little of it.
const (
	// minDefaultCache and maxDefaultCache bound the default block cache.
	minDefaultCache = 1 << 30
	maxDefaultCache = 8 << 30

	// scanCacheBytes is the cache of the read-only tools (Verify, Info):
	// they read the store once, in order, so a large cache would only hold
	// memory.
	scanCacheBytes = 256 << 20
)

// defaultCacheBytes is the default block cache size: a quarter of the
// machine's memory, at least 1 GiB and at most 8 GiB (1 GiB where the
// memory size is unknown). The world state of 10 million commissioned
// serials is about 2.5 GB uncompressed; a cache that holds it keeps random
// verifications at that scale as fast as on a small ledger (BENCHMARKS.md).
func defaultCacheBytes(physical int64) int64 {
	return min(max(physical/4, minDefaultCache), maxDefaultCache)
}

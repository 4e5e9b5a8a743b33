package embedded

import (
	"time"

	"github.com/cockroachdb/pebble"
)

// warmer reads the world state once in the background after Open
// (Options.WarmCache), so that the block cache holds it before the first
// verifications ask for it: a uniformly random read of a large ledger then
// costs what it costs on a small one.
type warmer struct {
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the warm-up has ended
}

// warmBatch is how many keys the warm-up reads between checks for Close.
const warmBatch = 4096

// startWarmer starts the warm-up of l's block cache.
func (l *Ledger) startWarmer() {
	l.warm = &warmer{stop: make(chan struct{}), done: make(chan struct{})}
	go l.warmCache()
}

// stopWarmer ends a running warm-up and waits for it (before the store is
// closed under it).
func (l *Ledger) stopWarmer() {
	if l.warm == nil {
		return
	}
	close(l.warm.stop)
	<-l.warm.done
}

// warmCache reads the state keyspace in key order until it is read, the
// bytes read reach half the cache (more would only evict what it read), or
// the ledger closes.
func (l *Ledger) warmCache() {
	defer close(l.warm.done)
	start := time.Now()
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceState}, UpperBound: []byte{spaceState + 1}})
	if err != nil {
		l.log.Warn("block cache warm-up", "err", err)
		return
	}
	var keys, bytes int64
	limit := l.opts.CacheBytes / 2
	for it.First(); it.Valid() && bytes < limit; it.Next() {
		keys++
		bytes += int64(len(it.Key()) + len(it.Value()))
		if keys%warmBatch == 0 {
			select {
			case <-l.warm.stop:
				it.Close()
				return
			default:
			}
		}
	}
	if err := it.Close(); err != nil {
		l.log.Warn("block cache warm-up", "err", err)
		return
	}
	l.log.Info("block cache warmed", "keys", keys, "bytes", bytes, "complete", bytes < limit, "took", time.Since(start).Round(time.Millisecond))
}

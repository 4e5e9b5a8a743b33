package embedded

import (
	"time"

	"github.com/cockroachdb/pebble"
)

// At Open the ledger may read its world state once in the background. The
// one pass does two things:
//   - it fills the state key filter (presence), which is used only once it
//     holds every stored key;
//   - it warms the block cache (Options.WarmCache), so that the block cache
//     holds the state before the first verifications ask for it: a uniformly
//     random read of a large ledger then costs what it costs on a small one.
//
// Reading the state fills the block cache whatever the reason, so the pass
// runs only when warming is asked for (Options.WarmCache). A new store has no
// state yet: its filter is complete at once. Any other Open without
// WarmCache uses no filter, and reads of absent keys search the store.

// warmer is the warm-up part of the pass.
type warmer struct {
	done chan struct{} // closed when the warm-up has ended (the cache holds what it read)
}

// scanBatch is how many keys the pass reads between checks for Close.
const scanBatch = 4096

// startStateScan sets up the state key filter and, with WarmCache, starts the
// pass over the state; created says the store was new.
func (l *Ledger) startStateScan(created bool) {
	switch {
	case created:
		l.values.keys = newPresence(0)
		l.values.keys.ready.Store(true)
	case l.opts.WarmCache:
		l.values.keys = newPresence(uint64(max(l.db.Metrics().Total().Size, 0)))
		l.warm = &warmer{done: make(chan struct{})}
		l.scan = &scanner{stop: make(chan struct{}), done: make(chan struct{})}
		go l.scanState()
	}
}

// scanner is a running pass over the state.
type scanner struct {
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the pass has ended
}

// stopStateScan ends a running pass and waits for it (before the store is
// closed under it).
func (l *Ledger) stopStateScan() {
	if l.scan == nil {
		return
	}
	close(l.scan.stop)
	<-l.scan.done
}

// scanState reads the state keyspace in key order, adding every key to the
// filter and marking it ready at the end; the warm-up ends when the bytes
// read reach half the cache (more would only evict what it read) or the
// state is read. Close ends the pass early: the filter then stays unused.
func (l *Ledger) scanState() {
	defer close(l.scan.done)
	warmed := false
	warmEnd := func(keys, bytes int64, complete bool) {
		if !warmed {
			warmed = true
			close(l.warm.done)
			l.log.Info("block cache warmed", "keys", keys, "bytes", bytes, "complete", complete)
		}
	}
	var keys, bytes int64
	defer func() { warmEnd(keys, bytes, false) }()
	start := time.Now()
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceState}, UpperBound: []byte{spaceState + 1}})
	if err != nil {
		l.log.Warn("state scan", "err", err)
		return
	}
	defer it.Close()
	limit := l.opts.CacheBytes / 2
	batch := make([][]byte, 0, scanBatch)
	for it.First(); it.Valid(); it.Next() {
		keys++
		bytes += int64(len(it.Key()) + len(it.Value()))
		if bytes >= limit {
			warmEnd(keys, bytes, false)
		}
		batch = append(batch, append([]byte(nil), it.Key()...))
		if len(batch) == scanBatch {
			l.values.keys.add(batch)
			batch = batch[:0]
			select {
			case <-l.scan.stop:
				return
			default:
			}
		}
	}
	if err := it.Error(); err != nil {
		l.log.Warn("state scan", "err", err)
		return
	}
	l.values.keys.add(batch)
	warmEnd(keys, bytes, true)
	l.values.keys.ready.Store(true)
	l.log.Debug("state key filter ready", "keys", keys, "took", time.Since(start).Round(time.Millisecond))
}

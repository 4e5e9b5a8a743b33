package embedded

import (
	"time"

	"github.com/cockroachdb/pebble"
)

// At Open the ledger may read its world state once in the background. The
// one pass does three things:
//   - it fills the state key filter (presence), which is used only once it
//     holds every stored key;
//   - it fills the state cache's bulk tier (valcache.go) as far as its
//     budget goes, so that a uniformly random read of a large ledger is
//     answered from memory, as on a small one;
//   - it warms the block cache, which serves what the state cache does not
//     hold.
//
// Reading the state fills the block cache whatever the reason, so the pass
// runs only when warming is asked for (Options.WarmCache). A new store has no
// state yet: its filter is complete at once. Any other Open without
// WarmCache uses no filter, and reads of absent keys search the store.

// warmer is the warm-up part of the pass.
type warmer struct {
	done chan struct{} // closed when the warm-up has ended (the cache holds what it read)
}

const (
	// scanBatch is how many keys the pass reads between checks for Close.
	scanBatch = 4096
	// scanFillBatch is how many values the pass adds to the state cache at
	// once: small, so that a batch seldom meets a commit.
	scanFillBatch = 256
)

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
// filter and marking it ready at the end, and adding every value to the
// state cache until the cache holds its share of the budget. The warm-up
// of the block cache ends when the bytes read reach half the block cache
// (more would only evict what it read) or the state is read. Close ends the
// pass early: the filter then stays unused.
//
// The values go to the state cache only while no commit has started since
// the pass's iterator was opened (see stateCache); after a commit the pass
// opens a new iterator on the latest state after the last key it read, so
// that it goes on filling the cache under a steady stream of commits (the
// keys of the batch that met the commit are left to be cached when read).
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
	var keys, bytes, cached int64
	defer func() { warmEnd(keys, bytes, false) }()
	start := time.Now()
	limit := l.opts.CacheBytes / 2
	filling := true
	batch := make([][]byte, 0, scanBatch)
	var fillKeys, fillRaws [][]byte
	lower := []byte{spaceState}
	var gen uint64
	var genOK bool
	for done := false; !done; {
		gen, genOK = l.values.begin() // before the iterator's view (see stateCache)
		it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: []byte{spaceState + 1}})
		if err != nil {
			l.log.Warn("state scan", "err", err)
			return
		}
		done = true
		for it.First(); it.Valid(); it.Next() {
			keys++
			bytes += int64(len(it.Key()) + len(it.Value()))
			if bytes >= limit {
				warmEnd(keys, bytes, false)
			}
			k := append([]byte(nil), it.Key()...)
			batch = append(batch, k)
			if filling {
				fillKeys = append(fillKeys, k)
				fillRaws = append(fillRaws, append([]byte(nil), it.Value()...))
				if len(fillKeys) == scanFillBatch {
					if genOK && l.values.fill(gen, fillKeys, fillRaws) {
						cached += int64(len(fillKeys))
					} else {
						// A commit started: go on after this key on the
						// latest state.
						lower, done = append(append([]byte(nil), k...), 0), false
					}
					fillKeys, fillRaws = fillKeys[:0], fillRaws[:0]
					filling = !l.values.full()
					if l.opts.afterFill != nil {
						l.opts.afterFill()
					}
				}
			}
			if len(batch) == scanBatch || !done {
				l.values.keys.add(batch)
				batch = batch[:0]
				select {
				case <-l.scan.stop:
					it.Close()
					return
				default:
				}
			}
			if !done {
				break
			}
		}
		if err := it.Error(); err != nil {
			it.Close()
			l.log.Warn("state scan", "err", err)
			return
		}
		it.Close()
	}
	if filling && genOK && len(fillKeys) > 0 && l.values.fill(gen, fillKeys, fillRaws) {
		cached += int64(len(fillKeys))
	}
	l.values.keys.add(batch)
	warmEnd(keys, bytes, true)
	l.values.keys.ready.Store(true)
	l.log.Debug("state key filter ready", "keys", keys, "cached", cached, "took", time.Since(start).Round(time.Millisecond))
}

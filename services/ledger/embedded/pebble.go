package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"syscall"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
)

// openStore opens the Pebble store with the ledger's settings: bloom filters
// on every level (most MVCC checks look up keys that do not exist yet) on
// small tables, large memtables (128 MiB: commissioning writes about 1 KB per
// serial, and fewer, larger flushes cut compaction work; measured about 10 %
// less CPU per commissioned serial than 64 MiB, see BENCHMARKS.md), and the
// store's own log lines routed to slog. A store that does not open because
// a file of it is damaged is a *DamagedStoreError.
func openStore(dir string, opts Options, readOnly bool) (*pebble.DB, error) {
	cache := pebble.NewCache(opts.CacheBytes)
	defer cache.Unref()
	po := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                128 << 20,
		MemTableStopWritesThreshold: 4,
		L0CompactionThreshold:       4,
		L0StopWritesThreshold:       24,
		LBaseMaxBytes:               256 << 20,
		MaxConcurrentCompactions:    func() int { return 2 },
		MaxOpenFiles:                4096,
		ReadOnly:                    readOnly,
		Logger:                      pebbleLogger{opts.Logger.With("component", "ledger.pebble")},
	}
	if opts.fs != nil {
		po.FS = opts.fs
	}
	po.Levels = make([]pebble.LevelOptions, 7)
	for i := range po.Levels {
		l := &po.Levels[i]
		// Small data blocks: a verification's random point read that misses
		// the cache then reads, checksums and decompresses 4 KiB, not 32.
		l.BlockSize = 4 << 10
		l.FilterPolicy = bloom.FilterPolicy(10)
		l.FilterType = pebble.TableFilter
		// Small tables keep each table's bloom filter small enough to stay
		// in the block cache; a filter larger than a cache shard would be
		// read from disk on every lookup.
		l.TargetFileSize = 4 << 20
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		if lockedByAnother(err) {
			return nil, fmt.Errorf("open store %s: it is in use by another process (an embedded ledger is open in one process at a time: stop the other, or run the roles as separate processes on --ledger fabric): %w", dir, err)
		}
		if pebble.IsCorruptionError(err) {
			return nil, damagedStore(opts.fs, dir, err)
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return db, nil
}

// lockedByAnother reports whether err is the store's lock failing because
// another process holds it: fcntl answers EAGAIN. (POSIX also allows EACCES,
// which Linux does not use and which would be confused with a permission
// error creating the lock file.)
func lockedByAnother(err error) bool {
	return errors.Is(err, syscall.EAGAIN)
}

// pebbleLogger adapts slog to Pebble's logger. Pebble's informational chatter
// goes to debug.
type pebbleLogger struct{ log *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.log.Debug(fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.log.Error(fmt.Sprintf(format, args...))
}

// Fatalf reports an error Pebble cannot continue from (such as a failed
// write-ahead-log write) by panicking with a storeFatal, which the committer
// recovers into a failed ledger; anywhere else it ends the process, and the
// next start recovers the last durable block.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.log.Error(msg)
	panic(storeFatal{msg})
}

// storeFatal is the panic value of a fatal store error.
type storeFatal struct{ msg string }

func (f storeFatal) Error() string { return f.msg }

// guard runs fn, turning a fatal store error into an ordinary one.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			f, ok := p.(storeFatal)
			if !ok {
				panic(p)
			}
			err = f
		}
	}()
	return fn()
}

package embedded

import (
	"crypto/ed25519"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/vfs"
)

// Options tune an embedded ledger. The zero value gives the defaults.
type Options struct {
	// MaxBlockTxs is the most transactions in one block (default 1000).
	MaxBlockTxs int
	// MaxBlockWait is how long the committer waits, after the first
	// transaction of a block arrives, for more to join it (default 1ms;
	// negative: no wait, the block takes what is queued). Transactions that
	// arrive while a block is being written always join the next one, so
	// under load blocks fill without waiting.
	MaxBlockWait time.Duration
	// CacheBytes is the most memory the store's block cache may use
	// (default: a quarter of the machine's memory, at least 1 GiB and at
	// most 8 GiB; 1 GiB where the memory size is unknown). It is filled as
	// blocks are read, not reserved up front.
	CacheBytes int64
	// StateCacheBytes is the most memory the cache of decoded state values
	// may use, outside the Go heap (default: the same as CacheBytes'; at
	// least 32 MiB). It holds the records read again and again and, with WarmCache,
	// as much of the whole state as fits in three quarters of it (see
	// valcache.go). It is filled as values are cached, not reserved up
	// front.
	StateCacheBytes int64
	// WarmCache, when set, reads the world state once in the background
	// after Open: the block cache keeps up to half of CacheBytes of it, so
	// random reads of a large ledger find it there instead of decoding
	// table blocks, the state cache keeps as much of it as its share of
	// StateCacheBytes holds, so they need no store read at all, and the
	// state key filter learns every stored key, so reads of keys never
	// written skip the store (see warm.go; a new store has its filter
	// without the pass).
	WarmCache bool
	// Logger receives the ledger's and the store's log lines (default:
	// slog.Default()).
	Logger *slog.Logger

	// Signers are the private keys of the organisations whose consortium
	// entry has a public key, by MSP ID: transactions submitted as such an
	// organisation are signed with its key (and refused without one).
	Signers map[string]ed25519.PrivateKey

	// fs replaces the operating system's file system (tests inject I/O
	// failures through it).
	fs vfs.FS
	// afterFill, when set (tests), runs after each batch of values the pass
	// over the state at Open offers to the state cache.
	afterFill func()
}

func (o Options) withDefaults() Options {
	if o.MaxBlockTxs <= 0 {
		o.MaxBlockTxs = 1000
	}
	if o.MaxBlockWait == 0 {
		o.MaxBlockWait = time.Millisecond
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = defaultCacheBytes(physicalMemory())
	}
	if o.StateCacheBytes <= 0 {
		o.StateCacheBytes = defaultCacheBytes(physicalMemory())
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.fs == nil {
		o.fs = vfs.Default
	}
	return o
}

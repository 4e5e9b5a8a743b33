package embedded

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// validate checks a transaction's reads: every key must still have the
// version it read, and every range must still hold the same keys at the same
// versions. Keys written by recent blocks (and earlier in this one) are
// checked in memory; the store is consulted only for the other keys of a
// transaction whose snapshot predates the recent-writes window.
func (l *Ledger) validate(ex *executed, num uint64, written [][]byte) (ValidationCode, error) {
	fast := l.recent.covers(ex.snapHeight)
	for k, seen := range ex.reads {
		if cur, ok := l.recent.versions[k]; ok {
			if cur != seen {
				return TxMVCCConflict, nil
			}
			continue
		}
		if fast {
			continue // not written since the snapshot
		}
		cur, err := getVersion(l.db, []byte(k))
		if err != nil {
			return 0, fmt.Errorf("validate %s: %w", ex.tx.ID, err)
		}
		if cur != seen {
			return TxMVCCConflict, nil
		}
	}
	for _, rr := range ex.ranges {
		ok, err := l.rangeUnchanged(rr, written)
		if err != nil {
			return 0, fmt.Errorf("validate %s: %w", ex.tx.ID, err)
		}
		if !ok {
			return TxPhantomConflict, nil
		}
	}
	return TxValid, nil
}

func (l *Ledger) rangeUnchanged(rr rangeRead, written [][]byte) (bool, error) {
	hi := rr.hi
	if rr.stopped && len(rr.keys) > 0 {
		hi = append(bytes.Clone(rr.keys[len(rr.keys)-1]), 0) // through the last key seen
	}
	for _, k := range written {
		if bytes.Compare(k, rr.lo) >= 0 && bytes.Compare(k, hi) < 0 {
			return false, nil
		}
	}
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: rr.lo, UpperBound: hi})
	if err != nil {
		return false, err
	}
	defer it.Close()
	i := 0
	for ok := it.First(); ok; ok = it.Next() {
		if i >= len(rr.keys) || !bytes.Equal(it.Key(), rr.keys[i]) {
			return false, nil
		}
		v, _, err := splitVersioned(it.Value())
		if err != nil {
			return false, err
		}
		if v != rr.versions[i] {
			return false, nil
		}
		i++
	}
	if err := it.Error(); err != nil {
		return false, err
	}
	return i == len(rr.keys), nil
}

// recentWritesLimit bounds the committer's memory of recently written keys
// (about 100 bytes each).
const recentWritesLimit = 256 << 10

// recentWrites remembers the last version written of every key changed by
// the blocks since from, so most read-set checks need no store lookup. It is
// owned by the committer goroutine.
type recentWrites struct {
	from     uint64 // first block covered
	limit    int    // keys kept before the window restarts
	versions map[string]Version
}

func newRecentWrites(height uint64, limit int) *recentWrites {
	return &recentWrites{from: height, limit: limit, versions: make(map[string]Version)}
}

// covers reports whether every write after a snapshot taken at height
// snapHeight (or later) is in the window.
func (r *recentWrites) covers(snapHeight uint64) bool { return snapHeight >= r.from }

func (r *recentWrites) note(storeKey []byte, v Version) { r.versions[string(storeKey)] = v }

// trim restarts the window at block next when it holds too many keys.
func (r *recentWrites) trim(next uint64) {
	if len(r.versions) > r.limit {
		clear(r.versions)
		r.from = next
	}
}

package verify

import (
	"context"
	"errors"
	"fmt"
)

// Kind says what a cached record is.
type Kind byte

// The kinds of cached records.
const (
	KindSerial  Kind = 's' // chaincode.SerialRecord of one GTIN + serial
	KindLot     Kind = 'l' // chaincode.LotRecord of one GTIN + lot
	KindPartner Kind = 'p' // chaincode.Partner of one organisation (MSP ID)
)

// Key names a cached record.
type Key struct {
	Kind Kind
	// ID is "<gtin14>~<serial>" (serial), "<gtin14>~<lot>" (lot) or the MSP
	// ID (partner).
	ID string
}

// SerialKey is the key of a package's serial record.
func SerialKey(gtin, serial string) Key { return Key{KindSerial, gtin + "~" + serial} }

// LotKey is the key of a lot record.
func LotKey(gtin, lot string) Key { return Key{KindLot, gtin + "~" + lot} }

// PartnerKey is the key of an organisation's partner record.
func PartnerKey(msp string) Key { return Key{KindPartner, msp} }

// String is the key as the Redis cache names it (without its prefix).
func (k Key) String() string { return string(k.Kind) + ":" + k.ID }

// Entry is a record to write into the cache.
type Entry struct {
	Key Key
	// Version is the number of the block the record reflects: the block that
	// wrote it (projection) or the last block committed before the ledger
	// read (fill). A record never replaces one with a higher version.
	Version uint64
	// Record is the record's JSON as the chaincode writes it; nil records
	// that the ledger holds no such record (a serial never commissioned of a
	// known GTIN, an organisation without a partner record).
	Record []byte
	// Lot is, for a serial record, the key ID of its lot ("<gtin>~<lot>"): a
	// lookup of the serial reads that lot in the same round trip.
	Lot string
}

// Found is a record as a lookup read it.
type Found struct {
	// Cached reports whether the cache holds the record (possibly as "the
	// ledger holds none", Record nil).
	Cached  bool
	Version uint64
	Record  []byte
}

// Item is what a lookup found for one package.
type Item struct {
	Serial Found
	// Lot is the lot record of the serial's lot; not Cached when the serial
	// is not, or holds no record.
	Lot Found
}

// Checkpoint is the number of the last block the projector wrote.
type Checkpoint struct {
	Block uint64
	Set   bool // false: nothing projected yet (or the checkpoint was lost)
}

// Lookup is the result of one Cache.Lookup.
type Lookup struct {
	Checkpoint Checkpoint
	Requester  Found
	Items      []Item
}

// Cache is the verification cache port. Implementations are safe for
// concurrent use.
type Cache interface {
	// Lookup reads the checkpoint, the partner record of requester and,
	// for each serial key, the serial record and the record of its lot,
	// all as of one moment (a lot read after, when its serial's request
	// did not name it). lots, when not nil, holds for each serial the lot
	// its request names ("" for none): a cache may read those with the
	// serials, in one round trip. into.Items is resized to len(serials).
	Lookup(ctx context.Context, requester string, serials []Key, lots []string, into *Lookup) error
	// Put writes entries (each unless the cache holds a newer version) and
	// sets the checkpoint to block, atomically, provided the checkpoint is
	// still after (a projector's previous checkpoint). Otherwise it writes
	// nothing and returns a *CheckpointMoved.
	Put(ctx context.Context, after Checkpoint, entries []Entry, block uint64) error
	// Fill writes entries read from the ledger, each unless the cache holds
	// a newer version; the checkpoint is untouched.
	Fill(ctx context.Context, entries []Entry) error
	// Checkpoint reads the checkpoint.
	Checkpoint(ctx context.Context) (Checkpoint, error)
	// Evict deletes records.
	Evict(ctx context.Context, keys ...Key) error
}

// CheckpointMoved is Put's refusal: the checkpoint is not what the writer
// expected (another projector moved it, or the cache lost it).
type CheckpointMoved struct {
	Found Checkpoint
}

func (e *CheckpointMoved) Error() string {
	if !e.Found.Set {
		return "cache checkpoint moved: the cache has none (flushed or restarted)"
	}
	return fmt.Sprintf("cache checkpoint moved: the cache is at block %d", e.Found.Block)
}

// AsCheckpointMoved returns the *CheckpointMoved in err's chain, if any.
func AsCheckpointMoved(err error) (*CheckpointMoved, bool) {
	var cm *CheckpointMoved
	ok := errors.As(err, &cm)
	return cm, ok
}

// resize returns s with length n, reusing its array when it can.
func resize(s []Item, n int) []Item {
	if cap(s) >= n {
		s = s[:n]
		clear(s)
		return s
	}
	return make([]Item, n)
}

package ingest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"
)

// The index is a Pebble store (already the embedded ledger's engine: an
// LSM store kept by CockroachDB, crash-safe, with atomic batches and ordered
// iteration, which the query scans need). Its keys:
//
//	v                          format of the index (indexFormat)
//	c                          next block to project (the checkpoint)
//	e <seq>                    indexed event: its record (JSON)
//	h <hashID>                 seq of the event with that GS1 hash ID
//	i <eventID> 0 <seq>        an event captured with its own eventID (no
//	                           value; several organisations may reuse one)
//	x <field> <value> 0 <seq>  secondary index entry (no value)
//	g <gln>                    MSP ID of the partner a regulator attests the GLN to
//	G <mspID> 0 <gln>          the attested GLNs of a partner's last record (no value)
//	k <prefix>                 MSP ID of the partner a regulator attests the company prefix to
//	K <mspID> 0 <prefix>       the attested company prefixes of a partner (no value)
//	s <hashID>                 an event the projection organisation could not read (no value)
//	r                          the organisation the events were read as
//
// seq numbers events in ledger order: the block number in the high bits and
// the event's ordinal within the block in the low ones, so a rebuilt index
// numbers events exactly as before (page tokens stay valid).
const (
	prefixFormat     = 'v'
	prefixCheckpoint = 'c'
	prefixEvent      = 'e'
	prefixHash       = 'h'
	prefixEventID    = 'i'
	prefixIndex      = 'x'
	prefixGLN        = 'g'
	prefixPartnerGLN = 'G'
	// prefixSkipped keys the events the projection organisation could not
	// read (hash ID): the index is rebuilt once they read (prepare).
	prefixSkipped = 's'
	// prefixReader keys the organisation the index's events were read as:
	// the index is rebuilt when another reads them (prepare).
	prefixReader = 'r'
	// prefixCompany maps a GS1 Company Prefix a regulator attests to its
	// partner, prefixPartnerCompany a partner to its prefixes (to replace
	// them): how answers in EPC URNs find a Digital Link's prefix length.
	prefixCompany        = 'k'
	prefixPartnerCompany = 'K'
)

// indexFormat is the format of what the index holds, kept under the key v.
// Raise it with every change to indexing that makes an index already on
// disk answer differently (the values a field is indexed under, the key
// layout): an index of another format is deleted when opened, and the
// projection rebuilds it from block 0. An index without the key was written
// before there was one: format 1.
//
//	1  every field indexed as before the key existed
//	2  read points and business locations canonical (canonLocation)
//	3  SGTINs and SSCCs written with Digital Link short names canonical
//	   (canonEPC), as the other forms already were
//	4  EPC classes canonical (canonClass)
//	5  partners' GLNs as a regulator attests them, not as claimed
//	6  sources and destinations indexed (EQ_source_*, EQ_destination_*)
//	7  partners' attested company prefixes (answers in EPC URNs)
const indexFormat = 7

// seqBits is how many low bits of seq count events within a block.
const seqBits = 20

// maxEventsPerBlock is how many events one block may add to the index.
const maxEventsPerBlock = 1<<seqBits - 1

// Index fields (one byte each in x keys).
const (
	fieldType        byte = 't'
	fieldAction      byte = 'A'
	fieldBizStep     byte = 's'
	fieldDisposition byte = 'd'
	fieldEPC         byte = 'e' // epcList and childEPCs (MATCH_epc)
	fieldAnyEPC      byte = 'a' // every identifier (MATCH_anyEPC)
	fieldParent      byte = 'p'
	fieldInput       byte = 'i'
	fieldOutput      byte = 'o'
	fieldEPCClass    byte = 'c' // quantityList and childQuantityList classes, canonical (canonClass)
	fieldAnyClass    byte = 'k' // every quantity class
	fieldInputClass  byte = 'I'
	fieldOutputClass byte = 'O'
	fieldBizLocation byte = 'l' // canonical (canonLocation), as is fieldReadPoint
	fieldReadPoint   byte = 'r'
	// sourceList and destinationList entries by their CBV type, canonical
	// (canonLocation): a party's PGLN or a location's SGLN, as URN or
	// Digital Link.
	fieldSourceOwner     byte = 'u'
	fieldSourcePossessor byte = 'v'
	fieldSourceLocation  byte = 'w'
	fieldDestOwner       byte = 'x'
	fieldDestPossessor   byte = 'y'
	fieldDestLocation    byte = 'z'
)

// sourceFields and destFields are the fields of the sourceList and
// destinationList entries of each CBV type (EQ_source_<type>,
// EQ_destination_<type>).
var (
	sourceFields = map[string]byte{"owning_party": fieldSourceOwner, "possessing_party": fieldSourcePossessor, "location": fieldSourceLocation}
	destFields   = map[string]byte{"owning_party": fieldDestOwner, "possessing_party": fieldDestPossessor, "location": fieldDestLocation}
)

// unionFields are the fields that are the union of others: the index
// keeps no entries of their own (that would double the entries of every
// EPC); a query on one scans the fields it unites.
var unionFields = map[byte][]byte{
	fieldAnyEPC:   {fieldEPC, fieldParent, fieldInput, fieldOutput},
	fieldAnyClass: {fieldEPCClass, fieldInputClass, fieldOutputClass},
}

// eventRecord is what the index keeps of an event.
type eventRecord struct {
	HashID     string          `json:"hashId"`
	TxID       string          `json:"txId"`
	Parties    []string        `json:"parties"`
	RecordTime time.Time       `json:"recordTime"`
	Body       json.RawMessage `json:"body"`
}

// index is the query projection's store.
type index struct {
	dir string
	log *slog.Logger
	// mu guards db against a reset: readers hold it shared for a whole
	// query (view), reset holds it exclusively.
	mu sync.RWMutex
	db *pebble.DB
}

// view runs fn with the store held for reading.
func (x *index) view(fn func() error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return fn()
}

func openIndex(dir string, log *slog.Logger) (*index, error) {
	x := &index{dir: dir, log: log}
	db, err := pebble.Open(dir, x.options())
	if err != nil {
		return nil, fmt.Errorf("open query index %s: %w", dir, err)
	}
	x.db = db
	if err := x.checkFormat(); err != nil {
		x.db.Close()
		return nil, err
	}
	return x, nil
}

// checkFormat marks a new index with the current format and deletes an
// index of another format, to be rebuilt from block 0 by the projection
// (its checkpoint is then 0).
func (x *index) checkFormat() error {
	v, err := x.get([]byte{prefixFormat})
	if err != nil {
		return fmt.Errorf("read the query index format: %w", err)
	}
	var format uint64 // 0: a marker that does not read
	switch {
	case len(v) == 8:
		format = binary.BigEndian.Uint64(v)
	case v == nil:
		empty, err := x.empty()
		if err != nil {
			return err
		}
		if empty {
			return x.markFormat()
		}
		format = 1 // written before the marker
	}
	if format == indexFormat {
		return nil
	}
	x.log.Warn("the query index is of another format; rebuilding it from the ledger",
		"format", format, "marker", fmt.Sprintf("%x", v), "want", indexFormat)
	return x.reset()
}

// empty reports whether the store holds no key at all.
func (x *index) empty() (bool, error) {
	it, err := x.db.NewIter(nil)
	if err != nil {
		return false, fmt.Errorf("read the query index: %w", err)
	}
	some := it.First()
	if err := it.Close(); err != nil {
		return false, fmt.Errorf("read the query index: %w", err)
	}
	return !some, nil
}

// markFormat records that the index is of the current format.
func (x *index) markFormat() error {
	if err := x.db.Set([]byte{prefixFormat}, be64(indexFormat), pebble.Sync); err != nil {
		return fmt.Errorf("record the query index format: %w", err)
	}
	return nil
}

func (x *index) options() *pebble.Options {
	return &pebble.Options{Logger: pebbleLogger{x.log}}
}

// reset deletes the index and starts an empty one of the current format (a
// rebuild).
func (x *index) reset() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.db.Close(); err != nil {
		return fmt.Errorf("close query index: %w", err)
	}
	if err := os.RemoveAll(x.dir); err != nil {
		return fmt.Errorf("remove query index: %w", err)
	}
	db, err := pebble.Open(x.dir, x.options())
	if err != nil {
		return fmt.Errorf("reopen query index: %w", err)
	}
	x.db = db
	return x.markFormat()
}

func (x *index) close() error { return x.db.Close() }

// checkpoint is the next block to project (0 for an empty index).
func (x *index) checkpoint() (uint64, error) {
	v, closer, err := x.db.Get([]byte{prefixCheckpoint})
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read checkpoint: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, errors.New("read checkpoint: corrupt value")
	}
	return binary.BigEndian.Uint64(v), nil
}

// get returns the value of key, or nil.
func (x *index) get(key []byte) ([]byte, error) {
	v, closer, err := x.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

// event returns the record of seq, or nil.
func (x *index) event(seq uint64) (*eventRecord, error) {
	v, err := x.get(eventKey(seq))
	if err != nil || v == nil {
		return nil, err
	}
	var rec eventRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("decode indexed event %d: %w", seq, err)
	}
	return &rec, nil
}

// lookup returns the seqs of the events an ID names, in increasing order:
// the event with that GS1 hash ID and every event captured with it as its
// own eventID. A captured eventID is the capturer's choice, so another
// organisation may reuse it: each such event keeps its own entry, and the
// caller picks the ones it may see (one capture cannot hide another's).
func (x *index) lookup(id string) ([]uint64, error) {
	var seqs []uint64
	v, err := x.get(append([]byte{prefixHash}, id...))
	if err != nil {
		return nil, err
	}
	if len(v) == 8 {
		seqs = append(seqs, binary.BigEndian.Uint64(v))
	}
	prefix := eventIDPrefix(id)
	it, err := x.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("query index: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		// A longer key is another eventID that merely starts with this
		// one and a NUL byte.
		if k := it.Key(); len(k) == len(prefix)+8 {
			seqs = append(seqs, binary.BigEndian.Uint64(k[len(prefix):]))
		}
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("query index: %w", err)
	}
	slices.Sort(seqs)
	return slices.Compact(seqs), nil
}

// eventIDPrefix is the key prefix of the entries of a captured eventID.
func eventIDPrefix(id string) []byte {
	k := make([]byte, 0, 2+len(id)+8)
	k = append(k, prefixEventID)
	k = append(k, id...)
	return append(k, 0)
}

// orgOfGLN returns the organisation that registered a GLN.
func (x *index) orgOfGLN(gln string) (string, bool) {
	var v []byte
	err := x.view(func() (err error) {
		v, err = x.get(append([]byte{prefixGLN}, gln...))
		return err
	})
	if err != nil || v == nil {
		return "", false
	}
	return string(v), true
}

// companyPrefixes lists the GS1 Company Prefixes regulators attest to
// partners.
func (x *index) companyPrefixes() ([]string, error) {
	var out []string
	err := x.view(func() error {
		prefix := []byte{prefixCompany}
		it, err := x.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
		if err != nil {
			return err
		}
		for ok := it.First(); ok; ok = it.Next() {
			out = append(out, string(it.Key()[1:]))
		}
		return it.Close()
	})
	return out, err
}

func seqOf(block uint64, n int) uint64 { return block<<seqBits | uint64(n) }

func be64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func eventKey(seq uint64) []byte { return append([]byte{prefixEvent}, be64(seq)...) }

// indexPrefix is the key prefix of a field's entries for one value.
func indexPrefix(field byte, value string) []byte {
	k := make([]byte, 0, 3+len(value)+8)
	k = append(k, prefixIndex, field)
	k = append(k, value...)
	return append(k, 0)
}

// pebbleLogger routes Pebble's log lines to slog: its informational
// chatter at debug level.
type pebbleLogger struct{ log *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) { p.log.Debug(fmt.Sprintf(format, args...)) }

func (p pebbleLogger) Errorf(format string, args ...any) { p.log.Error(fmt.Sprintf(format, args...)) }

// Fatalf reports an unrecoverable store failure: Pebble expects it not to
// return.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.log.Error(msg)
	panic("query index: " + msg)
}

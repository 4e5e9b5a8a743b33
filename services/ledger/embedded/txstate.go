package embedded

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/pebble"

	"rxledger/chaincode"
)

// implicitPrefix starts the name of an organisation's implicit private data
// collection, as in Fabric.
const implicitPrefix = "_implicit_org_"

// ImplicitCollection returns the name of an organisation's implicit private
// data collection.
func ImplicitCollection(mspID string) string { return implicitPrefix + mspID }

// rangeRead is a recorded range query: the store keys and versions it saw, so
// the committer can detect phantoms.
type rangeRead struct {
	lo, hi []byte // store key bounds [lo, hi)
	// stopped is set when the chaincode stopped early: the range then
	// effectively ended at, and included, the last key seen.
	stopped  bool
	keys     [][]byte
	versions []Version
}

// txState is the chaincode.State of one execution: reads come from a
// snapshot and are recorded with their versions; writes are buffered. As in
// Fabric, reads never see the transaction's own writes.
type txState struct {
	snap      pebble.Reader
	cons      *Consortium
	id        string
	time      time.Time
	creator   string
	transient map[string][]byte
	readOnly  bool

	reads      map[string]Version // store key -> version read (zero: absent)
	ranges     []rangeRead
	writes     map[string]Write
	privWrites map[[2]string][]byte
	event      *Event

	values *stateCache // nil: read only the snapshot
	gen    uint64      // values' generation noted before the snapshot was taken
}

var _ chaincode.State = (*txState)(nil)

func newTxState(snap pebble.Reader, cons *Consortium, id string, t time.Time, creator string, transient map[string][]byte, readOnly bool) *txState {
	return &txState{
		snap: snap, cons: cons, id: id, time: t, creator: creator, transient: transient, readOnly: readOnly,
		reads:  make(map[string]Version),
		writes: make(map[string]Write),
	}
}

// useCache lets GetState use the ledger's state cache, with the generation
// noted before the snapshot was taken (ok false: a commit was in flight).
func (s *txState) useCache(c *stateCache, gen uint64, ok bool) {
	if ok {
		s.values, s.gen = c, gen
	}
}

func (s *txState) TxID() string      { return s.id }
func (s *txState) TxTime() time.Time { return s.time }
func (s *txState) Creator() string   { return s.creator }
func (s *txState) Transient() (map[string][]byte, error) {
	out := make(map[string][]byte, len(s.transient))
	for k, v := range s.transient {
		out[k] = bytes.Clone(v)
	}
	return out, nil
}

func checkKey(key string) error {
	if key == "" {
		return errors.New("empty key")
	}
	if !utf8.ValidString(key) {
		return fmt.Errorf("key %q is not valid UTF-8", key)
	}
	return nil
}

// read reads a versioned store key and records its version in the read set.
func (s *txState) read(sk []byte) ([]byte, error) {
	v, val, err := getVersioned(s.snap, sk)
	if err != nil {
		return nil, err
	}
	return s.noteRead(sk, v, val), nil
}

// readState reads a state key, through the state cache when it may be used:
// a cached value is the one the snapshot holds (see stateCache).
func (s *txState) readState(sk []byte) ([]byte, error) {
	if s.values == nil {
		return s.read(sk)
	}
	v, val, ok := s.values.get(sk, s.gen)
	if !ok && !s.values.keys.absent(sk) {
		s.values.misses.Add(1)
		var err error
		if v, val, err = getVersioned(s.snap, sk); err != nil {
			return nil, err
		}
		s.values.offer(sk, s.gen, v, val)
	}
	return s.noteRead(sk, v, val), nil
}

// noteRead records the version of a read in the read set and returns val.
func (s *txState) noteRead(sk []byte, v Version, val []byte) []byte {
	if s.readOnly {
		return val // an evaluation is never validated
	}
	if _, ok := s.reads[string(sk)]; !ok {
		s.reads[string(sk)] = v
	}
	return val
}

func (s *txState) GetState(key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("get state: %w", err)
	}
	return s.readState(stateKey(key))
}

func (s *txState) PutState(key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put state: %w", err)
	}
	if s.readOnly {
		return nil // an evaluation's writes are discarded, as on a Fabric evaluate
	}
	if value == nil {
		value = []byte{}
	}
	s.writes[key] = Write{Key: key, Value: bytes.Clone(value)}
	return nil
}

func (s *txState) DelState(key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("delete state: %w", err)
	}
	if s.readOnly {
		return nil
	}
	s.writes[key] = Write{Key: key, Delete: true}
	return nil
}

func (s *txState) Range(start, end string, fn func(key string, value []byte) (bool, error)) error {
	if end != "" && end <= start {
		return nil // an empty range
	}
	lo, hi := stateBounds(start, end)
	it, err := s.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("range: %w", err)
	}
	defer it.Close()
	rr := rangeRead{lo: lo, hi: hi}
	defer func() { s.ranges = append(s.ranges, rr) }()
	for ok := it.First(); ok; ok = it.Next() {
		v, val, err := splitVersioned(it.Value())
		if err != nil {
			return fmt.Errorf("range: %w", err)
		}
		k := bytes.Clone(it.Key())
		rr.keys = append(rr.keys, k)
		rr.versions = append(rr.versions, v)
		more, err := fn(string(k[1:]), bytes.Clone(val))
		if err != nil {
			rr.stopped = true
			return err
		}
		if !more {
			rr.stopped = true
			return nil
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("range: %w", err)
	}
	return nil
}

func (s *txState) History(key string, fn func(chaincode.HistoryEntry) (bool, error)) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	p := historyPrefix(key)
	it, err := s.snap.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer it.Close()
	hr := &historyReader{r: s.snap}
	defer hr.release()
	for ok := it.First(); ok; ok = it.Next() {
		_, v, err := parseHistoryKey(it.Key())
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		e, err := hr.entry(key, v, it.Value())
		if err != nil {
			return fmt.Errorf("history of %q: %w", key, err)
		}
		more, err := fn(e)
		if err != nil || !more {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// checkCollection accepts only the implicit collections of member
// organisations.
func (s *txState) checkCollection(collection string) error {
	msp, ok := strings.CutPrefix(collection, implicitPrefix)
	if !ok {
		return fmt.Errorf("collection %q: only implicit organisation collections (%s<MSPID>) exist", collection, implicitPrefix)
	}
	if _, ok := s.cons.Org(msp); !ok {
		return fmt.Errorf("collection %q: %s is not a member of the consortium", collection, msp)
	}
	return nil
}

func (s *txState) GetPrivateData(collection, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("get private data: %w", err)
	}
	if collection != ImplicitCollection(s.creator) {
		return nil, fmt.Errorf("get private data: collection %q: %s is not a member and holds no copy", collection, s.creator)
	}
	return s.read(privateKey(collection, key))
}

func (s *txState) PutPrivateData(collection, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put private data: %w", err)
	}
	if err := s.checkCollection(collection); err != nil {
		return fmt.Errorf("put private data: %w", err)
	}
	if s.readOnly {
		return nil
	}
	if s.privWrites == nil {
		s.privWrites = make(map[[2]string][]byte)
	}
	if value == nil {
		value = []byte{}
	}
	s.privWrites[[2]string{collection, key}] = bytes.Clone(value)
	return nil
}

func (s *txState) GetPrivateDataHash(collection, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("get private data hash: %w", err)
	}
	if err := s.checkCollection(collection); err != nil {
		return nil, fmt.Errorf("get private data hash: %w", err)
	}
	val, err := s.read(privateKey(collection, key))
	if err != nil || val == nil {
		return nil, err
	}
	h := sha256.Sum256(val)
	return h[:], nil
}

func (s *txState) SetEvent(name string, payload []byte) error {
	if name == "" {
		return errors.New("set event: empty name")
	}
	s.event = &Event{Name: name, Payload: bytes.Clone(payload)}
	return nil
}

// privateValue is a private write with its value, kept out of the block.
type privateValue struct {
	PrivateWrite
	value []byte
}

// executed is a transaction after execution, waiting for the committer.
type executed struct {
	tx      Tx
	private []privateValue
	reads   map[string]Version
	ranges  []rangeRead
	result  []byte
	// snapHeight is the chain height read just before the snapshot was
	// taken: the snapshot holds at least the state of that height.
	snapHeight uint64
	done       chan commitResult
}

// commitResult is what the committer tells a waiting submitter.
type commitResult struct {
	block uint64
	code  ValidationCode
	err   error // the ledger failed: nothing is known about the transaction
}

// finish turns the execution into a transaction for the committer, with its
// writes in key order so the block is deterministic.
func (s *txState) finish(function string, args []string, result []byte) *executed {
	ex := &executed{
		tx: Tx{
			ID: s.id, Creator: s.creator, Time: s.time, Function: function,
			Args: args, Event: s.event,
		},
		reads:  s.reads,
		ranges: s.ranges,
		result: result,
		done:   make(chan commitResult, 1),
	}
	if len(s.writes) > 0 {
		ex.tx.Writes = make([]Write, 0, len(s.writes))
		for _, w := range s.writes {
			ex.tx.Writes = append(ex.tx.Writes, w)
		}
		sort.Slice(ex.tx.Writes, func(i, j int) bool { return ex.tx.Writes[i].Key < ex.tx.Writes[j].Key })
	}
	if len(s.privWrites) > 0 {
		ex.private = make([]privateValue, 0, len(s.privWrites))
		for ck, v := range s.privWrites {
			ex.private = append(ex.private, privateValue{
				PrivateWrite: PrivateWrite{Collection: ck[0], Key: ck[1], ValueHash: sha256.Sum256(v)},
				value:        v,
			})
		}
		sort.Slice(ex.private, func(i, j int) bool {
			a, b := ex.private[i], ex.private[j]
			if a.Collection != b.Collection {
				return a.Collection < b.Collection
			}
			return a.Key < b.Key
		})
		ex.tx.PrivateWrites = make([]PrivateWrite, len(ex.private))
		for i, p := range ex.private {
			ex.tx.PrivateWrites[i] = p.PrivateWrite
		}
	}
	return ex
}

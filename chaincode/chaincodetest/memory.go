// Package chaincodetest runs chaincode functions against an in-memory ledger
// for tests: world state with history, per-organisation private data with the
// read restriction of Fabric implicit collections, transient data, chaincode
// events, and all-or-nothing transactions, one block each.
package chaincodetest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"rxledger/chaincode"
)

// Memory is an in-memory ledger. It is not safe for concurrent use.
type Memory struct {
	fn      chaincode.Func
	state   map[string][]byte
	history map[string][]chaincode.HistoryEntry
	private map[string]map[string][]byte // collection -> key -> value
	hashes  map[string]map[string][]byte // collection -> key -> SHA-256
	height  uint64
	now     time.Time
	// Events are the chaincode events of the committed transactions, in order.
	Events []Event
	// QueryEventCalls counts SetEvent calls made by evaluated (query)
	// functions, whose events a real ledger would drop.
	QueryEventCalls int
	// Reads, when a test sets it to a non-nil slice, collects the state
	// keys transactions read, by GetState or in a Range; nil records
	// nothing (benchmarks leave it so).
	Reads []string
}

// Event is a committed chaincode event.
type Event struct {
	TxID    string
	Block   uint64
	Name    string
	Payload []byte
	// Calls is how many times the transaction called SetEvent (the last
	// call's event is the one kept, as on Fabric).
	Calls int
}

// New returns an empty ledger running fn whose clock starts at start and
// advances one second per transaction.
func New(fn chaincode.Func, start time.Time) *Memory {
	return &Memory{
		fn: fn, state: map[string][]byte{}, history: map[string][]chaincode.HistoryEntry{},
		private: map[string]map[string][]byte{}, hashes: map[string]map[string][]byte{}, now: start.UTC(),
	}
}

// SetTime sets the clock of the next transactions.
func (m *Memory) SetTime(t time.Time) { m.now = t.UTC() }

// Now is the clock.
func (m *Memory) Now() time.Time { return m.now }

// Height is the number of committed blocks.
func (m *Memory) Height() uint64 { return m.height }

// Submit runs function as org and commits its writes and event in a new
// block if it succeeds; on error nothing changes.
func (m *Memory) Submit(org, function string, transient map[string][]byte, args ...string) ([]byte, error) {
	m.now = m.now.Add(time.Second)
	tx := m.newTx(org, transient)
	out, err := m.fn(tx, function, args)
	if err != nil {
		return nil, err
	}
	m.commit(tx)
	return out, nil
}

// Evaluate runs function as org against the committed state and discards
// any write.
func (m *Memory) Evaluate(org, function string, args ...string) ([]byte, error) {
	tx := m.newTx(org, nil)
	out, err := m.fn(tx, function, args)
	m.QueryEventCalls += tx.eventCalls
	return out, err
}

// GetState returns a committed world-state value.
func (m *Memory) GetState(key string) []byte { return m.state[key] }

// Keys returns the committed keys with prefix, sorted.
func (m *Memory) Keys(prefix string) []string {
	var out []string
	for k := range m.state {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Serials returns the committed record of every commissioned serial as
// JSON, by its world-state key (serial~<gtin>~<serial>), whether the
// record is the serial's own or its block's (see chaincode.EachSerialRecord).
func (m *Memory) Serials() map[string]string {
	out := map[string]string{}
	err := chaincode.EachSerialRecord(m.newTx("", nil), func(s *chaincode.SerialRecord) (bool, error) {
		raw, err := json.Marshal(s)
		out["serial~"+s.GTIN+"~"+s.Serial] = string(raw)
		return true, err
	})
	if err != nil {
		panic("chaincodetest: read serials: " + err.Error())
	}
	return out
}

// PrivateData returns a committed private value, bypassing access control
// (for assertions on where private data went).
func (m *Memory) PrivateData(collection, key string) []byte { return m.private[collection][key] }

// PrivateKeys returns the committed keys of a private collection, sorted.
func (m *Memory) PrivateKeys(collection string) []string {
	out := make([]string, 0, len(m.private[collection]))
	for k := range m.private[collection] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (m *Memory) newTx(org string, transient map[string][]byte) *Tx {
	return &Tx{m: m, org: org, id: fmt.Sprintf("tx%06d", m.height+1), at: m.now, transient: transient,
		writes: map[string][]byte{}, privWrites: map[string]map[string][]byte{}}
}

func (m *Memory) commit(tx *Tx) {
	m.height++
	for _, k := range tx.order {
		v := tx.writes[k]
		h := chaincode.HistoryEntry{TxID: tx.id, Block: m.height, Timestamp: tx.at}
		if v == nil {
			delete(m.state, k)
			h.IsDelete = true
		} else {
			m.state[k] = v
			h.Value = v
		}
		m.history[k] = append(m.history[k], h)
	}
	for _, c := range slices.Sorted(maps.Keys(tx.privWrites)) {
		if m.private[c] == nil {
			m.private[c], m.hashes[c] = map[string][]byte{}, map[string][]byte{}
		}
		for k, v := range tx.privWrites[c] {
			sum := sha256.Sum256(v)
			m.private[c][k], m.hashes[c][k] = v, sum[:]
		}
	}
	if tx.eventName != "" {
		m.Events = append(m.Events, Event{TxID: tx.id, Block: m.height, Name: tx.eventName, Payload: tx.eventPayload, Calls: tx.eventCalls})
	}
}

// Tx is the State of one transaction: reads see the committed state (as on
// Fabric, not the transaction's own writes), writes are buffered.
type Tx struct {
	m            *Memory
	org, id      string
	at           time.Time
	transient    map[string][]byte
	writes       map[string][]byte
	order        []string
	privWrites   map[string]map[string][]byte
	eventName    string
	eventPayload []byte
	eventCalls   int
}

var _ chaincode.State = (*Tx)(nil)

// ErrPrivateAccess is returned when a transaction reads another
// organisation's implicit collection.
var ErrPrivateAccess = errors.New("private data of another organisation's collection")

func (t *Tx) TxID() string      { return t.id }
func (t *Tx) TxTime() time.Time { return t.at }
func (t *Tx) Creator() string   { return t.org }
func (t *Tx) GetState(key string) ([]byte, error) {
	if t.m.Reads != nil {
		t.m.Reads = append(t.m.Reads, key)
	}
	return t.m.state[key], nil
}

func (t *Tx) PutState(key string, value []byte) error {
	if key == "" || value == nil {
		return errors.New("put state: empty key or nil value")
	}
	t.write(key, slices.Clone(value))
	return nil
}

func (t *Tx) DelState(key string) error {
	t.write(key, nil)
	return nil
}

func (t *Tx) write(key string, v []byte) {
	if _, ok := t.writes[key]; !ok {
		t.order = append(t.order, key)
	}
	t.writes[key] = v
}

func (t *Tx) Range(start, end string, fn func(key string, value []byte) (bool, error)) error {
	keys := make([]string, 0)
	for k := range t.m.state {
		if k >= start && (end == "" || k < end) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if t.m.Reads != nil {
			t.m.Reads = append(t.m.Reads, k)
		}
		more, err := fn(k, t.m.state[k])
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func (t *Tx) History(key string, fn func(chaincode.HistoryEntry) (bool, error)) error {
	for _, h := range t.m.history[key] {
		more, err := fn(h)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func (t *Tx) GetPrivateData(collection, key string) ([]byte, error) {
	if collection != chaincode.ImplicitCollection(t.org) {
		return nil, fmt.Errorf("%s reads %s: %w", t.org, collection, ErrPrivateAccess)
	}
	return t.m.private[collection][key], nil
}

func (t *Tx) PutPrivateData(collection, key string, value []byte) error {
	if t.privWrites[collection] == nil {
		t.privWrites[collection] = map[string][]byte{}
	}
	t.privWrites[collection][key] = slices.Clone(value)
	return nil
}

func (t *Tx) GetPrivateDataHash(collection, key string) ([]byte, error) {
	return t.m.hashes[collection][key], nil
}

func (t *Tx) Transient() (map[string][]byte, error) { return t.transient, nil }

func (t *Tx) SetEvent(name string, payload []byte) error {
	t.eventName, t.eventPayload = name, slices.Clone(payload)
	t.eventCalls++
	return nil
}

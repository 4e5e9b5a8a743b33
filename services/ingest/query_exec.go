package ingest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble"

	"rxledger/epcis"
	"rxledger/services/platform/auth"
)

// hit is one event of a query answer.
type hit struct {
	seq uint64
	rec *eventRecord
	ev  epcis.Event
}

// driverOrder is the order in which a query's fields are preferred to
// drive the index scan: the most selective first.
var driverOrder = []byte{
	fieldEPC, fieldParent, fieldInput, fieldOutput, fieldAnyEPC,
	fieldEPCClass, fieldInputClass, fieldOutputClass, fieldAnyClass,
	fieldReadPoint, fieldBizLocation, fieldBizStep, fieldDisposition, fieldAction, fieldType,
}

// visible reports whether the caller may see an event: a regulator (a
// regulator-role key of a configured regulator organisation) sees every
// event, anyone else the events its organisation is party to.
func (s *Service) visible(p auth.Principal, rec *eventRecord) bool {
	if p.Role == auth.Regulator && slices.Contains(s.cfg.Regulators, p.Org) {
		return true
	}
	return slices.Contains(rec.Parties, p.Org)
}

// find answers a query for p: up to limit events from seq start on, in
// ledger order, and whether more follow.
func (s *Service) find(q *query, p auth.Principal, start uint64, limit int) ([]hit, bool, error) {
	it, err := s.candidates(q, start)
	if err != nil {
		return nil, false, err
	}
	defer it.close()
	var out []hit
	for {
		seq, ok, err := it.next()
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return out, false, nil
		}
		h, ok, err := s.match(q, p, seq)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, h)
	}
}

// match loads an event and checks it against the query and the caller's
// visibility.
func (s *Service) match(q *query, p auth.Principal, seq uint64) (hit, bool, error) {
	rec, err := s.idx.event(seq)
	if err != nil || rec == nil || !s.visible(p, rec) {
		return hit{}, false, err
	}
	h := hit{seq: seq, rec: rec}
	if err := json.Unmarshal(rec.Body, &h.ev); err != nil {
		return hit{}, false, fmt.Errorf("decode indexed event %s: %w", rec.HashID, err)
	}
	e := &h.ev
	switch {
	case q.geTime != nil && e.EventTime.Before(*q.geTime),
		q.ltTime != nil && !e.EventTime.Before(*q.ltTime),
		q.geRecord != nil && rec.RecordTime.Before(*q.geRecord),
		q.ltRecord != nil && !rec.RecordTime.Before(*q.ltRecord):
		return hit{}, false, nil
	}
	if len(q.eventIDs) > 0 && !slices.Contains(q.eventIDs, rec.HashID) && (e.EventID == "" || !slices.Contains(q.eventIDs, e.EventID)) {
		return hit{}, false, nil
	}
	if len(q.eq) > 0 {
		have := indexValues(e)
		for field, want := range q.eq {
			if !slices.ContainsFunc(want, func(v string) bool { return have[field][v] }) {
				return hit{}, false, nil
			}
		}
	}
	return h, true, nil
}

// seqIter yields event seqs in increasing order.
type seqIter interface {
	next() (uint64, bool, error)
	close()
}

// candidates returns the seqs worth checking, from seq start on: those
// under the query's most selective indexed field, else every event.
func (s *Service) candidates(q *query, start uint64) (seqIter, error) {
	if len(q.eventIDs) > 0 {
		var seqs []uint64
		for _, id := range q.eventIDs {
			found, err := s.idx.lookup(id)
			if err != nil {
				return nil, err
			}
			for _, seq := range found {
				if seq >= start {
					seqs = append(seqs, seq)
				}
			}
		}
		slices.Sort(seqs)
		return &listIter{seqs: slices.Compact(seqs)}, nil
	}
	for _, f := range driverOrder {
		values, ok := q.eq[f]
		if !ok {
			continue
		}
		scan := []byte{f}
		if u := unionFields[f]; u != nil {
			scan = u
		}
		m := &mergeIter{}
		for _, v := range slices.Compact(slices.Sorted(slices.Values(values))) {
			for _, sf := range scan {
				pi, err := newPrefixIter(s.idx.db, indexPrefix(sf, v), start)
				if err != nil {
					m.close()
					return nil, err
				}
				m.its = append(m.its, pi)
			}
		}
		return m, nil
	}
	return newPrefixIter(s.idx.db, []byte{prefixEvent}, start)
}

// prefixIter walks keys <prefix><seq> from a seq on.
type prefixIter struct {
	it      *pebble.Iterator
	prefix  []byte
	started bool
	start   []byte
}

func newPrefixIter(db *pebble.DB, prefix []byte, from uint64) (*prefixIter, error) {
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("query index: %w", err)
	}
	return &prefixIter{it: it, prefix: prefix, start: append(slices.Clone(prefix), be64(from)...)}, nil
}

func (p *prefixIter) next() (uint64, bool, error) {
	var ok bool
	if !p.started {
		p.started = true
		ok = p.it.SeekGE(p.start)
	} else {
		ok = p.it.Next()
	}
	if !ok {
		return 0, false, p.it.Error()
	}
	k := p.it.Key()
	if len(k) != len(p.prefix)+8 || !bytes.HasPrefix(k, p.prefix) {
		return 0, false, fmt.Errorf("query index: malformed key %q", k)
	}
	return binary.BigEndian.Uint64(k[len(p.prefix):]), true, nil
}

func (p *prefixIter) close() { p.it.Close() }

// prefixEnd is the first key after every key with the prefix.
func prefixEnd(prefix []byte) []byte {
	end := slices.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// mergeIter is the ordered union of several iterators, each seq once.
type mergeIter struct {
	its  []*prefixIter
	head []uint64
	live []bool
	last uint64
	some bool
}

func (m *mergeIter) next() (uint64, bool, error) {
	if m.head == nil {
		m.head = make([]uint64, len(m.its))
		m.live = make([]bool, len(m.its))
		for i, it := range m.its {
			seq, ok, err := it.next()
			if err != nil {
				return 0, false, err
			}
			m.head[i], m.live[i] = seq, ok
		}
	}
	for {
		best := -1
		for i := range m.its {
			if m.live[i] && (best < 0 || m.head[i] < m.head[best]) {
				best = i
			}
		}
		if best < 0 {
			return 0, false, nil
		}
		seq := m.head[best]
		next, ok, err := m.its[best].next()
		if err != nil {
			return 0, false, err
		}
		m.head[best], m.live[best] = next, ok
		if m.some && seq == m.last {
			continue
		}
		m.last, m.some = seq, true
		return seq, true, nil
	}
}

func (m *mergeIter) close() {
	for _, it := range m.its {
		it.close()
	}
}

// listIter yields a fixed list.
type listIter struct {
	seqs []uint64
}

func (l *listIter) next() (uint64, bool, error) {
	if len(l.seqs) == 0 {
		return 0, false, nil
	}
	s := l.seqs[0]
	l.seqs = l.seqs[1:]
	return s, true, nil
}

func (l *listIter) close() {}

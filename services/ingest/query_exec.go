package ingest

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cockroachdb/pebble"

	"rxledger/epcis"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/problem"
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
	fieldReadPoint, fieldBizLocation,
	fieldSourceOwner, fieldDestOwner, fieldSourcePossessor, fieldDestPossessor, fieldSourceLocation, fieldDestLocation,
	fieldBizStep, fieldDisposition, fieldAction, fieldType,
}

// visible reports whether the caller may see an event: a regulator (a
// regulator-role key of a configured regulator organisation) sees every
// event, anyone else the events its organisation is party to.
func (s *Service) visible(p auth.Principal, rec *eventRecord) bool {
	if p.RegulatorOf(s.cfg.Regulators) {
		return true
	}
	return slices.Contains(rec.Parties, p.Org)
}

// find answers a query for p: up to limit events from seq start on, in
// ledger order, none after seq ceiling (0: no ceiling), and whether more
// follow.
func (s *Service) find(q *query, p auth.Principal, start, ceiling uint64, limit int) ([]hit, bool, error) {
	if ceiling == 0 {
		ceiling = math.MaxUint64
	}
	var out []hit
	more := false
	err := s.eachMatch(q, p, start, ceiling, func(h hit) (bool, error) {
		if len(out) == limit {
			more = true
			return false, nil
		}
		out = append(out, h)
		return true, nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, more, nil
}

// eachMatch calls fn with each event p sees that matches q, in ledger order
// from seq start up to seq ceiling, until fn returns false or an error.
func (s *Service) eachMatch(q *query, p auth.Principal, start, ceiling uint64, fn func(hit) (bool, error)) error {
	it, err := s.candidates(q, start)
	if err != nil {
		return err
	}
	defer it.close()
	for {
		seq, ok, err := it.next()
		if err != nil || !ok || seq > ceiling {
			return err
		}
		h, ok, err := s.match(q, p, seq)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if more, err := fn(h); err != nil || !more {
			return err
		}
	}
}

// match loads an event and checks it against the query and the caller's
// visibility.
func (s *Service) match(q *query, p auth.Principal, seq uint64) (hit, bool, error) {
	rec, err := s.idx.event(seq)
	if err != nil || rec == nil || !s.visible(p, rec) {
		return hit{}, false, err
	}
	h, err := decodeHit(seq, rec)
	if err != nil {
		return hit{}, false, err
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
	return h, q.matchesUnindexed(e), nil
}

// matchesUnindexed checks the parameters the index does not hold.
func (q *query) matchesUnindexed(e *epcis.Event) bool {
	for typ, want := range q.bizTx {
		if !slices.ContainsFunc(e.BizTransactionList, func(bt epcis.BizTransaction) bool {
			return epcis.ShortCBV(epcis.BizTransactionType, bt.Type) == typ && slices.Contains(want, bt.Value)
		}) {
			return false
		}
	}
	if len(q.transformationIDs) > 0 && !slices.Contains(q.transformationIDs, e.TransformationID) {
		return false
	}
	if len(q.pdSet) > 0 || len(q.pdUnset) > 0 {
		pd := e.PersistentDisposition
		if pd == nil || !anyShortCBV(epcis.Disposition, pd.Set, q.pdSet) || !anyShortCBV(epcis.Disposition, pd.Unset, q.pdUnset) {
			return false
		}
	}
	if q.sensors && len(e.SensorElementList) == 0 {
		return false
	}
	if q.masterData {
		return false
	}
	if len(q.quantities) > 0 && !q.matchesQuantities(e) {
		return false
	}
	if q.sensor.active() && !q.sensor.matches(e) {
		return false
	}
	for i := range q.inner {
		if !q.inner[i].holds(e) {
			return false
		}
	}
	want := &q.errDecl
	if !want.exists {
		return true
	}
	ed := e.ErrorDeclaration
	switch {
	case ed == nil,
		want.ge != nil && ed.DeclarationTime.Before(*want.ge),
		want.lt != nil && !ed.DeclarationTime.Before(*want.lt),
		len(want.reasons) > 0 && (ed.Reason == "" || !slices.Contains(want.reasons, epcis.ShortCBV(epcis.ErrorReason, ed.Reason))),
		len(want.corrective) > 0 && !slices.ContainsFunc(ed.CorrectiveEventIDs, func(id string) bool { return slices.Contains(want.corrective, id) }):
		return false
	}
	return true
}

// anyShortCBV reports whether one of have, read as kind's short CBV names,
// is in want; an empty want asks nothing.
func anyShortCBV(kind epcis.CBVKind, have, want []string) bool {
	if len(want) == 0 {
		return true
	}
	return slices.ContainsFunc(have, func(v string) bool { return slices.Contains(want, epcis.ShortCBV(kind, v)) })
}

// errQueryTooLarge is maxEventCount exceeded, EPCIS's QueryTooLargeException.
func errQueryTooLarge(max int) error {
	return problem.New(problem.TooLarge, "QueryTooLargeException: the query matches more than maxEventCount (%d) events", max).
		At(problem.Location{Field: "maxEventCount"})
}

// page answers one page of a query for p, from st: its events, and where
// the next page starts when there is one.
func (s *Service) page(q *query, p auth.Principal, st pageState, first bool) (hits []hit, next *pageState, err error) {
	limit := q.perPage
	if q.countLimit > 0 {
		left := q.countLimit - int(min(st.served, uint64(q.countLimit)))
		if left == 0 {
			return nil, nil, nil
		}
		limit = min(limit, left)
	}
	if q.orderBy != "" {
		return s.findSorted(q, p, st, first, limit)
	}
	if q.maxCount >= 0 && first {
		return s.firstBoundedPage(q, p, limit)
	}
	var start uint64
	if !first {
		start = st.after + 1
	}
	hits, more, err := s.find(q, p, start, st.ceiling, limit)
	if err != nil || !more {
		return hits, nil, err
	}
	n := st.served + uint64(len(hits))
	if q.countLimit > 0 && n >= uint64(q.countLimit) {
		return hits, nil, nil
	}
	return hits, &pageState{after: hits[len(hits)-1].seq, served: n, ceiling: st.ceiling}, nil
}

// firstBoundedPage answers the first page of a query with maxEventCount
// (and no orderBy): it reads the matches up to the first beyond
// maxEventCount, keeping the first limit of them as the page, so each is
// decoded once. The answer is what matches now: its last event is the
// ceiling of every later page, so that events captured while it is paged
// through do not take it past maxEventCount.
func (s *Service) firstBoundedPage(q *query, p auth.Principal, limit int) ([]hit, *pageState, error) {
	var page []hit
	var last uint64 // the last event that matched
	n := 0
	err := s.eachMatch(q, p, 0, math.MaxUint64, func(h hit) (bool, error) {
		if n++; n > q.maxCount {
			return false, errQueryTooLarge(q.maxCount)
		}
		if len(page) < limit {
			page = append(page, h)
		}
		last = h.seq
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if n <= len(page) {
		return page, nil, nil
	}
	return page, &pageState{after: page[len(page)-1].seq, served: uint64(len(page)), ceiling: last}, nil
}

// sortKey is one event of a sorted answer.
type sortKey struct {
	seq uint64
	at  time.Time
}

// findSorted answers a page of a query with orderBy. It reads every match
// up to the answer's ceiling (fixed by its first page), sorts them and
// returns limit of them from st.served on. With eventCountLimit it keeps
// only the first so many as it goes; without it, an answer of more than
// Config.MaxSortedEvents is refused.
func (s *Service) findSorted(q *query, p auth.Principal, st pageState, first bool, limit int) ([]hit, *pageState, error) {
	before := func(a, b sortKey) int {
		c := a.at.Compare(b.at)
		if c == 0 {
			c = cmp.Compare(a.seq, b.seq)
		}
		if q.desc {
			c = -c
		}
		return c
	}
	keep := 0 // the first so many of the sorted matches, 0 for all
	if q.countLimit > 0 && q.countLimit <= s.cfg.MaxSortedEvents/2 {
		keep = q.countLimit
	}
	ceiling := uint64(math.MaxUint64)
	if !first {
		ceiling = st.ceiling
	}
	var keys []sortKey
	matched := 0
	err := s.eachMatch(q, p, 0, ceiling, func(h hit) (bool, error) {
		matched++
		if q.maxCount >= 0 && matched > q.maxCount {
			return false, errQueryTooLarge(q.maxCount)
		}
		k := sortKey{seq: h.seq, at: h.rec.RecordTime}
		if q.orderBy == "eventTime" {
			k.at = h.ev.EventTime
		}
		if first {
			st.ceiling = max(st.ceiling, h.seq)
		}
		keys = append(keys, k)
		switch {
		case keep > 0 && len(keys) == 2*keep:
			slices.SortFunc(keys, before)
			keys = keys[:keep]
		case keep == 0 && len(keys) > s.cfg.MaxSortedEvents:
			return false, problem.New(problem.TooLarge,
				"orderBy sorts at most %d events and this query matches more: narrow it (GE_eventTime, LT_eventTime, EQ_bizStep, MATCH_epc, ...), give an eventCountLimit of at most %d, or leave out orderBy to page through it in ledger order",
				s.cfg.MaxSortedEvents, s.cfg.MaxSortedEvents/2).At(problem.Location{Field: "orderBy"})
		}
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(keys, before)
	if q.countLimit > 0 && len(keys) > q.countLimit {
		keys = keys[:q.countLimit] // the answer is the first so many
	}
	from := int(min(st.served, uint64(len(keys))))
	to := min(from+limit, len(keys))
	out := make([]hit, 0, to-from)
	for _, k := range keys[from:to] {
		// Matched and seen by p when the keys were gathered, in the same
		// view of the index: loaded, not judged again.
		rec, err := s.idx.event(k.seq)
		if err == nil && rec == nil {
			err = fmt.Errorf("query index: event %d matched, then missing", k.seq)
		}
		if err != nil {
			return nil, nil, err
		}
		h, err := decodeHit(k.seq, rec)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, h)
	}
	if to == len(keys) {
		return out, nil, nil
	}
	return out, &pageState{served: uint64(to), ceiling: st.ceiling}, nil
}

// decodeHit is an indexed event with its body decoded.
func decodeHit(seq uint64, rec *eventRecord) (hit, error) {
	h := hit{seq: seq, rec: rec}
	if err := json.Unmarshal(rec.Body, &h.ev); err != nil {
		return hit{}, fmt.Errorf("decode indexed event %s: %w", rec.HashID, err)
	}
	return h, nil
}

// seqIter yields event seqs in increasing order.
type seqIter interface {
	next() (uint64, bool, error)
	close()
}

// candidates returns the seqs worth checking, from seq start on: those
// under the query's most selective indexed field, else every event.
func (s *Service) candidates(q *query, start uint64) (seqIter, error) {
	if q.masterData {
		// EQATTR_ and HASATTR_ ask for master data, which no event here
		// has (matchesUnindexed): nothing to read.
		return &listIter{}, nil
	}
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

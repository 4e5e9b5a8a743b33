package chaincode

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"sync"
	"time"
	"unicode/utf8"
)

// decodeSerial decodes a serial record. Records written by appendJSON are
// read by a fast path that expects exactly that layout; anything else (an
// escaped string, another field order) goes through encoding/json, so the
// result never depends on which path ran.
func decodeSerial(raw []byte, s *SerialRecord) error {
	if fastDecodeSerial(raw, s) {
		return nil
	}
	*s = SerialRecord{}
	return json.Unmarshal(raw, s)
}

func fastDecodeSerial(raw []byte, s *SerialRecord) bool {
	if bytes.IndexByte(raw, '\\') >= 0 {
		return false
	}
	p := fastParser{b: raw}
	ok := p.lit(`{"gtin":`) && p.str(&s.GTIN) &&
		p.lit(`,"serial":`) && p.str(&s.Serial) &&
		p.lit(`,"lot":`) && p.str(&s.Lot) &&
		p.lit(`,"expiry":`) && p.str(&s.Expiry) &&
		p.lit(`,"owner":`) && p.str(&s.Owner)
	if !ok || !p.lit(`,"status":`) {
		return false
	}
	var status, inv string
	if !p.str(&status) {
		return false
	}
	s.Status = Status(status)
	s.ShipTo, s.Seller, s.Parent, s.Investigation, s.InvestigationBy = "", "", "", "", ""
	if p.lit(`,"shipTo":`) && !p.str(&s.ShipTo) ||
		p.lit(`,"seller":`) && !p.str(&s.Seller) ||
		p.lit(`,"parent":`) && !p.str(&s.Parent) ||
		p.lit(`,"investigation":`) && !p.str(&inv) ||
		p.lit(`,"investigationBy":`) && !p.str(&s.InvestigationBy) {
		return false
	}
	s.Investigation = Investigation(inv)
	var updated string
	if !p.lit(`,"updated":`) || !p.str(&updated) || !p.lit("}") || p.i != len(p.b) {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, updated)
	if err != nil {
		return false
	}
	s.Updated = t
	return true
}

// fastParser reads the fixed layout of the hand encoder.
type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// str reads a string without escapes (the caller checked there are none).
func (p *fastParser) str(dst *string) bool {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return false
	}
	end := bytes.IndexByte(p.b[p.i+1:], '"')
	if end < 0 {
		return false
	}
	*dst = string(p.b[p.i+1 : p.i+1+end])
	p.i += end + 2
	return true
}

// decodeCache memoises the decoding of records that are read far more often
// than written (partners, lots, blocks of serials), keyed by their exact
// bytes: the same bytes always decode to the same value, so the cache cannot
// change a result. Callers get what clone gives: a copy they may change, or
// the shared value for records nobody changes.
//
// A record enters the cache on its second decoding within a while, checked
// by a small lossy table of hashes of the records decoded (a doorkeeper).
// Records read once, such as the blocks of random serials among millions,
// are then decoded and handed over as they are, without the copy of their
// bytes, the entry and the clone that caching them cost, and without
// churning the cache.
type decodeCache[T any] struct {
	mu    sync.Mutex
	m     map[string]*T
	clone func(*T) *T
	// fast, if set, decodes the exact layout encoding/json writes for T
	// into a zero T, or reports false (and the record goes through
	// encoding/json); what it accepts it must decode exactly as
	// encoding/json does.
	fast func([]byte, *T) bool
	// seen holds, by slot, the hash of the last record decoded that was not
	// admitted; guarded by mu.
	seen [decodeCacheDoor]uint64
}

const (
	// decodeCacheSize bounds each decode cache: 16,384 records (a few MB
	// for lots and blocks of serials) hold the lots and blocks of ten
	// million serials in lots and blocks of 1,000, which verification reads
	// at random.
	decodeCacheSize = 16384
	// decodeCacheDoor is the number of slots of the doorkeeper: as many as
	// the cache holds, 128 KiB.
	decodeCacheDoor = decodeCacheSize
)

// decodeSeed seeds the doorkeepers' hashes.
var decodeSeed = maphash.MakeSeed()

func (c *decodeCache[T]) decode(raw []byte) (*T, error) {
	c.mu.Lock()
	v, ok := c.m[string(raw)]
	c.mu.Unlock()
	if ok {
		return c.clone(v), nil
	}
	v = new(T)
	if c.fast == nil || !c.fast(raw, v) {
		*v = *new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, err
		}
	}
	h := maphash.Bytes(decodeSeed, raw) | 1 // never 0, the empty slot
	c.mu.Lock()
	defer c.mu.Unlock()
	if slot := &c.seen[h%decodeCacheDoor]; *slot != h {
		*slot = h
		return v, nil // not shared: the caller may have it
	}
	if c.m == nil || len(c.m) >= decodeCacheSize {
		c.m = make(map[string]*T, 64)
	}
	c.m[string(raw)] = v
	return c.clone(v), nil
}

var (
	// Partner records are never changed in place (PutPartner builds a new
	// one), so readers share the decoded record.
	partnerCache = decodeCache[Partner]{clone: func(p *Partner) *Partner { return p }}
	lotCache     = decodeCache[LotRecord]{clone: func(l *LotRecord) *LotRecord {
		c := *l
		if l.RecallTime != nil {
			t := *l.RecallTime
			c.RecallTime = &t
		}
		return &c
	}, fast: fastDecodeLot}
)

// fastDecodeLot decodes a lot record in the layout encoding/json writes for
// LotRecord (fields in declaration order, the two recall details only when
// set). A lot read misses the lot cache whenever the ledger holds more lots
// than the cache (a random verification among 10 million serials, 1,000 per
// lot: about 2 µs of encoding/json per call). It refuses, and so leaves the
// record to encoding/json, anything it cannot decode identically: an escape,
// a control character or invalid UTF-8 (which encoding/json rejects or
// replaces), other field orders, unknown or repeated fields, and times that
// are not strict RFC 3339 (parsed as time.Time's JSON decoder does).
// plainJSON reports whether raw has no escape, no control character and
// only valid UTF-8: text the fast decoders read as encoding/json would.
func plainJSON(raw []byte) bool {
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		return false
	}
	for _, c := range raw {
		if c < 0x20 {
			return false
		}
	}
	return true
}

func fastDecodeLot(raw []byte, l *LotRecord) bool {
	if !plainJSON(raw) {
		return false
	}
	p := fastParser{b: raw}
	if !(p.lit(`{"gtin":`) && p.str(&l.GTIN) &&
		p.lit(`,"lot":`) && p.str(&l.Lot) &&
		p.lit(`,"expiry":`) && p.str(&l.Expiry) &&
		p.lit(`,"owner":`) && p.str(&l.Owner) &&
		p.lit(`,"recalled":`)) {
		return false
	}
	switch {
	case p.lit("true"):
		l.Recalled = true
	case p.lit("false"):
	default:
		return false
	}
	var ts string
	if p.lit(`,"recallTime":`) {
		var t time.Time
		if !p.str(&ts) || t.UnmarshalText([]byte(ts)) != nil {
			return false
		}
		l.RecallTime = &t
	}
	if p.lit(`,"recallReason":`) && !p.str(&l.RecallReason) {
		return false
	}
	if !p.lit(`,"updated":`) || !p.str(&ts) || l.Updated.UnmarshalText([]byte(ts)) != nil {
		return false
	}
	return p.lit("}") && p.i == len(p.b)
}

// fastDecodeBlock decodes a block record in the layout encoding/json writes
// for serialBlock (fields in declaration order, the optional ones only when
// set). A verification among millions of serials reads blocks far more
// varied than the decode cache holds, where encoding/json would cost a few
// microseconds a read. Like fastDecodeLot it refuses, leaving the record to
// encoding/json, anything it could not decode identically.
func fastDecodeBlock(raw []byte, b *serialBlock) bool {
	if !plainJSON(raw) {
		return false
	}
	p := fastParser{b: raw}
	if !p.lit(`{"segs":[`) {
		return false
	}
	for first := true; !p.lit("]"); first = false {
		if !first && !p.lit(",") {
			return false
		}
		var g blockSeg
		var ts string
		if !(p.lit(`{"tx":`) && p.str(&g.TxID) &&
			p.lit(`,"time":`) && p.str(&ts) && g.Time.UnmarshalText([]byte(ts)) == nil &&
			p.lit(`,"owner":`) && p.str(&g.Owner) &&
			p.lit(`,"lot":`) && p.str(&g.Lot) &&
			p.lit(`,"expiry":`) && p.str(&g.Expiry)) {
			return false
		}
		if p.lit(`,"transformation":`) && !p.str(&g.Transformation) ||
			p.lit(`,"members":`) && !p.str(&g.Members) {
			return false
		}
		if p.lit(`,"own":`) {
			if !p.lit("true") {
				return false
			}
			g.Own = true
		}
		if p.lit(`,"lots":[`) {
			for firstLot := true; !p.lit("]"); firstLot = false {
				var lot string
				if !firstLot && !p.lit(",") || !p.str(&lot) {
					return false
				}
				g.Lots = append(g.Lots, lot)
			}
			if len(g.Lots) == 0 {
				return false // omitempty never writes an empty list
			}
		}
		if !p.lit("}") {
			return false
		}
		b.Segs = append(b.Segs, g)
	}
	// (The chaincode never writes a block without segments.)
	return len(b.Segs) > 0 && p.lit("}") && p.i == len(p.b)
}

// decodeVerifyRequest decodes a Verify query's argument: the layout
// encoding/json writes for VerifyRequest on a fast path (the services send
// exactly that, and decoding it is the largest part of an in-process
// verification), anything else through encoding/json.
func decodeVerifyRequest(raw []byte, r *VerifyRequest) error {
	if fastDecodeVerifyRequest(raw, r) {
		return nil
	}
	*r = VerifyRequest{}
	return json.Unmarshal(raw, r)
}

// fastDecodeVerifyRequest decodes the fields of VerifyRequest in declaration
// order, the optional ones only when present, refusing (like fastDecodeLot)
// anything it could not decode as encoding/json does.
func fastDecodeVerifyRequest(raw []byte, r *VerifyRequest) bool {
	if !plainJSON(raw) {
		return false
	}
	p := fastParser{b: raw}
	if !(p.lit(`{"gtin":`) && p.str(&r.GTIN) && p.lit(`,"serialNumber":`) && p.str(&r.Serial)) {
		return false
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{`,"lotNumber":`, &r.Lot}, {`,"expirationDate":`, &r.Expiry}, {`,"requestorGLN":`, &r.RequesterGLN},
		{`,"correlationUUID":`, &r.CorrelationID}, {`,"context":`, &r.Context}} {
		if p.lit(f.name) && !p.str(f.dst) {
			return false
		}
	}
	return p.lit("}") && p.i == len(p.b)
}

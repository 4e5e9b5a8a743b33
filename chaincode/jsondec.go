package chaincode

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"
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
// than written (partners, lots), keyed by their exact bytes: the same bytes
// always decode to the same value, so the cache cannot change a result.
// Callers get what clone gives: a copy they may change, or the shared value
// for records nobody changes.
type decodeCache[T any] struct {
	mu    sync.Mutex
	m     map[string]*T
	clone func(*T) *T
}

const decodeCacheSize = 4096

func (c *decodeCache[T]) decode(raw []byte) (*T, error) {
	c.mu.Lock()
	v, ok := c.m[string(raw)]
	c.mu.Unlock()
	if ok {
		return c.clone(v), nil
	}
	v = new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= decodeCacheSize {
		c.m = make(map[string]*T, 64)
	}
	c.m[string(raw)] = v
	c.mu.Unlock()
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
	}}
)

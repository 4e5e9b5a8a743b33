package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rxledger/chaincode"
	"rxledger/services/platform/redistest"
	"rxledger/services/verify/verifytest"
)

// Records of absence (a serial asked about that the ledger has never seen)
// are bounded: in Redis they expire, in the in-process cache they are
// capped. These tests fail when the bound is removed.

// pttl is the remaining lifetime of a Redis key: -1 for none, -2 when the
// key does not exist.
func pttl(t *testing.T, rdb *redis.Client, key string) time.Duration {
	t.Helper()
	d, err := rdb.PTTL(context.Background(), key).Result()
	if err != nil {
		t.Fatalf("PTTL %s: %v", key, err)
	}
	return d
}

// keysUnder lists the Redis keys starting with prefix.
func keysUnder(t *testing.T, rdb *redis.Client, prefix string) []string {
	t.Helper()
	var out []string
	iter := rdb.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
	for iter.Next(context.Background()) {
		out = append(out, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("SCAN %s*: %v", prefix, err)
	}
	return out
}

// TestRedisAbsenceExpires: every record of absence the Redis cache writes,
// by a fill or a projection, expires within the lifetime set, so that many
// distinct unknown serials leave nothing behind once it has passed; a real
// record written over an absence does not inherit the expiry, and the
// version rules hold as before.
func TestRedisAbsenceExpires(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	c := NewRedisCache(rdb, "test:")
	ctx := context.Background()
	const gtin = "00312345678906"

	mustPut(t, c, Checkpoint{}, 1,
		Entry{Key: SerialKey(gtin, "REAL"), Version: 1, Record: []byte(`{"serial":"REAL"}`), Lot: LotKey(gtin, "L1").ID},
		Entry{Key: LotKey(gtin, "L1"), Version: 1, Record: []byte(`{"lot":"L1"}`)})
	var fill []Entry
	for i := range 2*putChunk + 7 { // more than one script call
		fill = append(fill, Entry{Key: SerialKey(gtin, fmt.Sprintf("NONE%05d", i)), Version: 1})
	}
	fill = append(fill, Entry{Key: PartnerKey("GhostMSP"), Version: 1})
	if err := c.Fill(ctx, fill); err != nil {
		t.Fatal(err)
	}
	for _, e := range []Entry{fill[0], fill[putChunk], fill[len(fill)-2], fill[len(fill)-1]} {
		if d := pttl(t, rdb, c.key(e.Key)); d <= 0 || d > DefaultAbsentTTL {
			t.Errorf("absence %s: lifetime %v, want one of at most %v", e.Key, d, DefaultAbsentTTL)
		}
	}
	if l := lookup(t, c, "GhostMSP", fill[0].Key); !l.Items[0].Serial.Cached || l.Items[0].Serial.Record != nil || !l.Requester.Cached {
		t.Fatalf("absences not cached: %+v", l)
	}
	for _, k := range []Key{SerialKey(gtin, "REAL"), LotKey(gtin, "L1")} {
		if d := pttl(t, rdb, c.key(k)); d != -1 {
			t.Errorf("real record %s: lifetime %v, want none", k, d)
		}
	}

	// Commissioned later: the projection's real record replaces the
	// absence and keeps no expiry.
	commissioned := fill[1]
	mustPut(t, c, Checkpoint{Block: 1, Set: true}, 2, Entry{Key: commissioned.Key, Version: 2, Record: []byte(`{"serial":"NONE00001"}`)})
	if d := pttl(t, rdb, c.key(commissioned.Key)); d != -1 {
		t.Errorf("real record written over an absence: lifetime %v, want none", d)
	}
	if s := lookup(t, c, "x", commissioned.Key).Items[0].Serial; string(s.Record) != `{"serial":"NONE00001"}` || s.Version != 2 {
		t.Fatalf("after commissioning: %+v", s)
	}
	// An older absence (a fill read before the commissioning) neither
	// replaces the record nor gives it an expiry.
	if err := c.Fill(ctx, []Entry{{Key: commissioned.Key, Version: 1}}); err != nil {
		t.Fatal(err)
	}
	if s := lookup(t, c, "x", commissioned.Key).Items[0].Serial; s.Record == nil {
		t.Fatalf("an older absence replaced the record: %+v", s)
	}
	if d := pttl(t, rdb, c.key(commissioned.Key)); d != -1 {
		t.Errorf("real record after an older absence: lifetime %v, want none", d)
	}

	// With a short lifetime, a flood of absences is gone once it passes;
	// the real records stay. The lifetime is long enough that none expires
	// before the count below on a busy machine (at 100 ms a loaded CI
	// machine counted 1,378 of 3,000), short enough to wait for.
	c.setAbsentTTL(3 * time.Second)
	var flood []Entry
	for i := range 3000 {
		flood = append(flood, Entry{Key: SerialKey(gtin, fmt.Sprintf("FLOOD%05d", i)), Version: 2})
	}
	if err := c.Fill(ctx, flood); err != nil {
		t.Fatal(err)
	}
	if n := len(keysUnder(t, rdb, c.key(SerialKey(gtin, "FLOOD")))); n != len(flood) {
		t.Fatalf("%d of %d absences cached", n, len(flood))
	}
	verifytest.Eventually(t, "absences expired", func() bool {
		return len(keysUnder(t, rdb, c.key(SerialKey(gtin, "FLOOD")))) == 0
	})
	for _, k := range []string{c.cpKey, c.key(SerialKey(gtin, "REAL")), c.key(LotKey(gtin, "L1")), c.key(commissioned.Key)} {
		if d := pttl(t, rdb, k); d != -1 {
			t.Errorf("%s: lifetime %v, want a persistent key", k, d)
		}
	}
}

// askBatch verifies serials of the test GTIN in one POST /verify/batch as
// org.
func askBatch(t *testing.T, f *fixture, org string, serials []string) []Response {
	t.Helper()
	body := BatchRequest{}
	for _, s := range serials {
		body.Requests = append(body.Requests, Request{GTIN: verifytest.GTIN, Serial: s})
	}
	status, raw := f.do(http.MethodPost, "/verify/batch", org, body)
	if status != http.StatusOK {
		t.Fatalf("batch: %d %s", status, raw)
	}
	var out BatchResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != len(serials) {
		t.Fatalf("%d answers to %d requests", len(out.Responses), len(serials))
	}
	return out.Responses
}

// TestUnknownSerialFloodRedis: asking over HTTP about many distinct serials
// of a known GTIN that were never commissioned leaves in Redis only
// records that expire, and none once their lifetime has passed; the
// records of the known serials stay, persistent, and answer from the cache.
func TestUnknownSerialFloodRedis(t *testing.T) {
	// Long enough that no absence of a round expires before that round's
	// count on a busy machine or under the race detector, short enough to
	// wait for.
	const ttl = 3 * time.Second
	f := newFixture(t, true, Options{NoLag: true, AbsentTTL: ttl})
	w := f.w
	known := []string{w.Serial("K1"), w.Serial("K2"), w.Serial("K3")}
	w.Distribute(w.Serial("LK"), known...)
	f.caughtUp()
	askBatch(t, f, verifytest.Wholesaler, known) // fills the partner records the projection did not write

	rdb := f.redis.Client()
	serialKeys := DefaultRedisPrefix + string(KindSerial) + ":"
	before := len(keysUnder(t, rdb, serialKeys))
	for round := range 4 {
		var unknown []string
		for i := range 250 {
			unknown = append(unknown, w.Serial(fmt.Sprintf("U%d-%03d", round, i)))
		}
		for _, r := range askBatch(t, f, verifytest.Wholesaler, unknown) {
			if r.Verified || r.VerificationFailureReason != chaincode.NoMatchGTINSerial {
				t.Fatalf("unknown serial: %+v", r)
			}
		}
		// Counted right after their own batch, not after all four: the
		// lifetime does not race the rounds.
		names := make([]string, len(unknown))
		for i, u := range unknown {
			names[i] = DefaultRedisPrefix + SerialKey(verifytest.GTIN, u).String()
		}
		if n, err := rdb.Exists(context.Background(), names...).Result(); err != nil || n != int64(len(names)) {
			t.Fatalf("round %d: %d of %d absences cached (%v)", round, n, len(names), err)
		}
	}
	keys := keysUnder(t, rdb, DefaultRedisPrefix)
	for _, k := range keys {
		d := pttl(t, rdb, k)
		if d > ttl {
			t.Fatalf("%s: lifetime %v, longer than AbsentTTL", k, d)
		}
		if d != -1 || k == DefaultRedisPrefix+"checkpoint" || k == DefaultRedisPrefix+"format" {
			continue
		}
		raw, err := rdb.Get(context.Background(), k).Result()
		f, _, perr := parseValue(raw)
		if err != nil || perr != nil || f.Record == nil {
			t.Fatalf("%s: a record of absence (%v %v) that never expires", k, err, perr)
		}
	}
	verifytest.Eventually(t, "absences expired", func() bool {
		return len(keysUnder(t, rdb, serialKeys)) == before
	})
	for _, r := range askBatch(t, f, verifytest.Wholesaler, known) {
		if !r.Verified || r.Source != SourceCache {
			t.Fatalf("known serial after the flood: %+v", r)
		}
	}
}

// TestCommissionedAfterAbsence: a serial asked about before it is
// commissioned is answered not found from the cache (its absence cached),
// and verified as soon as the projection has written its commissioning,
// from a record that, in Redis, never expires.
func TestCommissionedAfterAbsence(t *testing.T) {
	for _, impl := range cacheImpls {
		t.Run(impl.name, func(t *testing.T) {
			f := newFixture(t, impl.redis, Options{NoLag: true})
			w := f.w
			w.Commission(w.Serial("LA"), w.Serial("A0")) // the GTIN is known
			f.caughtUp()
			late := w.Serial("LATE1")
			f.verify(verifytest.Wholesaler, path(late, ""))
			if r := f.verify(verifytest.Wholesaler, path(late, "")); r.Verified || r.Source != SourceCache {
				t.Fatalf("unknown serial asked again: %+v, want not verified from the cache", r)
			}
			w.Commission(w.Serial("LA"), late)
			f.caughtUp()
			r := f.verify(verifytest.Wholesaler, path(late, ""))
			if !r.Verified || r.Source != SourceCache {
				t.Fatalf("commissioned after its absence was cached: %+v, want verified from the cache", r)
			}
			if f.redis != nil {
				key := DefaultRedisPrefix + SerialKey(verifytest.GTIN, late).String()
				if d := pttl(t, f.redis.Client(), key); d != -1 {
					t.Fatalf("the commissioned serial's record: lifetime %v, want none", d)
				}
			}
		})
	}
}

// held is how many records, real and of absence, m holds.
func (m *MemoryCache) held() (records, absent int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.records), len(m.absent)
}

// setMaxAbsent lowers the cap of an empty cache's absences, for a test.
func (m *MemoryCache) setMaxAbsent(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maxAbsent = n
}

// TestMemoryCacheBoundsAbsences: the in-process cache holds at most its cap
// of records of absence, forgetting the oldest written first, whatever
// else happens to them meanwhile (replaced by a real record, written
// again, evicted); a flood of them never evicts a real record, and the
// version rules hold across the two.
func TestMemoryCacheBoundsAbsences(t *testing.T) {
	ctx := context.Background()
	const gtin = "00312345678906"
	absence := func(i int) Entry { return Entry{Key: SerialKey(gtin, fmt.Sprintf("NONE%06d", i)), Version: 2} }

	t.Run("default cap", func(t *testing.T) {
		c := NewMemoryCache()
		var flood []Entry
		for i := range 2*MemoryMaxAbsent + 5 {
			flood = append(flood, absence(i))
		}
		if err := c.Fill(ctx, flood); err != nil {
			t.Fatal(err)
		}
		if _, n := c.held(); n != MemoryMaxAbsent {
			t.Fatalf("%d absences held after %d, want the cap %d", n, len(flood), MemoryMaxAbsent)
		}
		if len(c.ring) != MemoryMaxAbsent {
			t.Fatalf("ring of %d slots, want %d", len(c.ring), MemoryMaxAbsent)
		}
		l := lookup(t, c, "x", flood[0].Key, flood[len(flood)-1].Key)
		if l.Items[0].Serial.Cached || !l.Items[1].Serial.Cached {
			t.Fatalf("the oldest absence is kept or the newest forgotten: %+v", l.Items)
		}
	})

	t.Run("a flood evicts absences only", func(t *testing.T) {
		c := NewMemoryCache()
		c.setMaxAbsent(100)
		var known []Key
		realEntries := []Entry{{Key: LotKey(gtin, "L1"), Version: 1, Record: []byte(`{"lot":"L1"}`)},
			{Key: PartnerKey("WholesalerMSP"), Version: 1, Record: []byte(`{"id":"WholesalerMSP"}`)}}
		for i := range 50 {
			k := SerialKey(gtin, fmt.Sprintf("REAL%03d", i))
			known = append(known, k)
			realEntries = append(realEntries, Entry{Key: k, Version: 1, Record: []byte(`{"n":1}`), Lot: LotKey(gtin, "L1").ID})
		}
		mustPut(t, c, Checkpoint{}, 1, realEntries...)
		for i := range 10_000 {
			e := absence(i)
			if err := c.Fill(ctx, []Entry{e}); err != nil {
				t.Fatal(err)
			}
			switch i % 7 {
			case 0: // commissioned later: the real record replaces it
				if err := c.Fill(ctx, []Entry{{Key: e.Key, Version: 3, Record: []byte(`{"n":3}`)}}); err != nil {
					t.Fatal(err)
				}
			case 1: // asked again: written again, no second slot
				if err := c.Fill(ctx, []Entry{{Key: e.Key, Version: 3}}); err != nil {
					t.Fatal(err)
				}
			case 2:
				if err := c.Evict(ctx, e.Key); err != nil {
					t.Fatal(err)
				}
			}
			if _, n := c.held(); n > 100 {
				t.Fatalf("%d absences held after %d written, want at most 100", n, i+1)
			}
		}
		records, absent := c.held()
		if want := len(realEntries) + (10_000+6)/7; records != want || absent == 0 {
			t.Fatalf("%d records and %d absences, want %d records and some absences", records, absent, want)
		}
		l := lookup(t, c, "WholesalerMSP", known...)
		if !l.Requester.Cached || l.Requester.Record == nil {
			t.Fatalf("partner record evicted: %+v", l.Requester)
		}
		for i, it := range l.Items {
			if !it.Serial.Cached || string(it.Serial.Record) != `{"n":1}` || !it.Lot.Cached || it.Lot.Record == nil {
				t.Fatalf("known serial %s after the flood: %+v", known[i], it)
			}
		}
		if s := lookup(t, c, "x", absence(9_999).Key).Items[0].Serial; !s.Cached || s.Record != nil {
			t.Fatalf("a recent absence is not cached: %+v", s)
		}
		if s := lookup(t, c, "x", absence(0).Key).Items[0].Serial; string(s.Record) != `{"n":3}` {
			t.Fatalf("a serial commissioned early in the flood: %+v", s)
		}
	})

	t.Run("versions across absences and records", func(t *testing.T) {
		c := NewMemoryCache()
		k := serialA
		fill := func(e Entry) {
			t.Helper()
			if err := c.Fill(ctx, []Entry{e}); err != nil {
				t.Fatal(err)
			}
		}
		fill(Entry{Key: k, Version: 5})
		fill(Entry{Key: k, Version: 4, Record: []byte(`{"v":4}`)})
		if s := lookup(t, c, "x", k).Items[0].Serial; !s.Cached || s.Record != nil || s.Version != 5 {
			t.Fatalf("an older record replaced a newer absence: %+v", s)
		}
		fill(Entry{Key: k, Version: 6, Record: []byte(`{"v":6}`), Lot: lotL1.ID})
		fill(Entry{Key: k, Version: 3})
		if s := lookup(t, c, "x", k).Items[0].Serial; string(s.Record) != `{"v":6}` {
			t.Fatalf("an older absence replaced a newer record: %+v", s)
		}
		if _, n := c.held(); n != 0 {
			t.Fatalf("%d absences held, want none", n)
		}
		fill(Entry{Key: k, Version: 7})
		if records, absent := c.held(); records != 0 || absent != 1 {
			t.Fatalf("after a newer absence: %d records, %d absences", records, absent)
		}
		c.Flush()
		if records, absent := c.held(); records != 0 || absent != 0 || len(c.ring) != 0 {
			t.Fatalf("after a flush: %d records, %d absences, %d ring slots", records, absent, len(c.ring))
		}
	})
}

// TestUnknownSerialFloodMemory: asking over HTTP about many distinct
// serials of a known GTIN that were never commissioned leaves the
// in-process cache holding at most its cap of absences; the known serials
// keep their records and answer from the cache.
func TestUnknownSerialFloodMemory(t *testing.T) {
	f := newFixture(t, false, Options{NoLag: true})
	mc := f.cache.(*MemoryCache)
	mc.setMaxAbsent(100)
	w := f.w
	known := []string{w.Serial("K1"), w.Serial("K2"), w.Serial("K3")}
	w.Distribute(w.Serial("LK"), known...)
	f.caughtUp()
	askBatch(t, f, verifytest.Wholesaler, known)
	recordsBefore, _ := mc.held()

	var last []string
	for round := range 4 {
		last = last[:0]
		for i := range 250 {
			last = append(last, w.Serial(fmt.Sprintf("U%d-%03d", round, i)))
		}
		for _, r := range askBatch(t, f, verifytest.Wholesaler, last) {
			if r.Verified || r.VerificationFailureReason != chaincode.NoMatchGTINSerial {
				t.Fatalf("unknown serial: %+v", r)
			}
		}
		if records, absent := mc.held(); absent > 100 || records != recordsBefore {
			t.Fatalf("after %d unknown serials: %d absences (cap 100), %d records (%d before)", 250*(round+1), absent, records, recordsBefore)
		}
	}
	before := f.svc.Stats()
	for _, r := range askBatch(t, f, verifytest.Wholesaler, known) {
		if !r.Verified || r.Source != SourceCache {
			t.Fatalf("known serial after the flood: %+v", r)
		}
	}
	if r := f.verify(verifytest.Wholesaler, path(last[len(last)-1], "")); r.Verified || r.Source != SourceCache {
		t.Fatalf("the latest unknown serial asked again: %+v, want not verified from the cache", r)
	}
	if after := f.svc.Stats(); after.CacheHits-before.CacheHits != uint64(len(known))+1 {
		t.Fatalf("%d cache hits, want %d", after.CacheHits-before.CacheHits, len(known)+1)
	}
}

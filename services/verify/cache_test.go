package verify

import (
	"context"
	"errors"
	"testing"

	"rxledger/services/platform/redistest"
)

// cacheUnderTest is one implementation of Cache with a way to lose
// everything, as a flushed or restarted Redis does.
type cacheUnderTest struct {
	name string
	open func(t *testing.T) (Cache, func())
}

func cacheImplementations() []cacheUnderTest {
	return []cacheUnderTest{
		{"memory", func(t *testing.T) (Cache, func()) {
			c := NewMemoryCache()
			return c, c.Flush
		}},
		{"redis", func(t *testing.T) (Cache, func()) {
			srv := redistest.Start(t)
			return NewRedisCache(srv.Client(), "test:"), srv.Flush
		}},
	}
}

// TestCache runs one suite against every Cache implementation.
func TestCache(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, c Cache, flush func())
	}{
		{"lookup follows a serial to its lot", testLookupFollowsLot},
		{"the lots a lookup names do not change its answer", testLookupLotHints},
		{"put checks and moves the checkpoint", testPutCheckpoint},
		{"older versions never replace newer", testVersionGuard},
		{"absent records are cached as absent", testAbsentRecords},
		{"evict removes records", testEvict},
		{"flush loses the checkpoint", testFlush},
	}
	for _, impl := range cacheImplementations() {
		t.Run(impl.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					c, flush := impl.open(t)
					tc.run(t, c, flush)
				})
			}
		})
	}
}

func mustPut(t *testing.T, c Cache, after Checkpoint, block uint64, entries ...Entry) {
	t.Helper()
	if err := c.Put(context.Background(), after, entries, block); err != nil {
		t.Fatalf("put block %d: %v", block, err)
	}
}

func lookup(t *testing.T, c Cache, org string, keys ...Key) Lookup {
	t.Helper()
	var l Lookup
	if err := c.Lookup(context.Background(), org, keys, nil, &l); err != nil {
		t.Fatalf("lookup: %v", err)
	}
	return l
}

var (
	serialA = SerialKey("00312345678906", "A1")
	lotL1   = LotKey("00312345678906", "L1")
)

func serialEntry(v uint64, rec string) Entry {
	return Entry{Key: serialA, Version: v, Record: []byte(rec), Lot: lotL1.ID}
}

func testLookupFollowsLot(t *testing.T, c Cache, _ func()) {
	mustPut(t, c, Checkpoint{}, 3,
		serialEntry(3, `{"serial":"A1"}`),
		Entry{Key: lotL1, Version: 2, Record: []byte(`{"lot":"L1"}`)},
		Entry{Key: PartnerKey("WholesalerMSP"), Version: 1, Record: []byte(`{"id":"WholesalerMSP"}`)},
	)
	l := lookup(t, c, "WholesalerMSP", serialA, SerialKey("00312345678906", "nope"))
	if l.Checkpoint != (Checkpoint{Block: 3, Set: true}) {
		t.Fatalf("checkpoint %+v", l.Checkpoint)
	}
	if !l.Requester.Cached || string(l.Requester.Record) != `{"id":"WholesalerMSP"}` || l.Requester.Version != 1 {
		t.Fatalf("requester %+v", l.Requester)
	}
	if len(l.Items) != 2 {
		t.Fatalf("%d items", len(l.Items))
	}
	a := l.Items[0]
	if !a.Serial.Cached || string(a.Serial.Record) != `{"serial":"A1"}` || a.Serial.Version != 3 {
		t.Fatalf("serial %+v", a.Serial)
	}
	if !a.Lot.Cached || string(a.Lot.Record) != `{"lot":"L1"}` || a.Lot.Version != 2 {
		t.Fatalf("lot %+v", a.Lot)
	}
	if l.Items[1].Serial.Cached || l.Items[1].Lot.Cached {
		t.Fatalf("unknown serial found: %+v", l.Items[1])
	}
	if other := lookup(t, c, "PharmacyMSP"); other.Requester.Cached {
		t.Fatalf("unknown partner found: %+v", other.Requester)
	}
}

// testLookupLotHints: the lots a lookup names (read with the serials in one
// round trip by Redis) change nothing of what it finds: a serial whose
// request named its lot, another lot, no lot, or a lot of a serial the
// cache does not hold, finds its own lot's record; requesters and lots
// shared by several serials are found for each.
func testLookupLotHints(t *testing.T, c Cache, _ func()) {
	gtin := "00312345678906"
	b1, b2 := SerialKey(gtin, "B1"), SerialKey(gtin, "B2")
	lotL2 := LotKey(gtin, "L2")
	mustPut(t, c, Checkpoint{}, 4,
		serialEntry(3, `{"serial":"A1"}`),
		Entry{Key: b1, Version: 3, Record: []byte(`{"serial":"B1"}`), Lot: lotL2.ID},
		Entry{Key: b2, Version: 4, Record: []byte(`{"serial":"B2"}`), Lot: lotL1.ID},
		Entry{Key: lotL1, Version: 2, Record: []byte(`{"lot":"L1"}`)},
		Entry{Key: lotL2, Version: 4, Record: []byte(`{"lot":"L2"}`)},
		Entry{Key: PartnerKey("WholesalerMSP"), Version: 1, Record: []byte(`{"id":"WholesalerMSP"}`)},
	)
	keys := []Key{serialA, b1, b2, SerialKey(gtin, "nope"), serialA}
	want := []string{`{"lot":"L1"}`, `{"lot":"L2"}`, `{"lot":"L1"}`, "", `{"lot":"L1"}`}
	for _, hints := range [][]string{
		nil,
		{"L1", "L2", "L1", "L9", "L1"}, // right, one round trip for Redis
		{"L2", "L1", "", "L1", "X"},    // wrong or none: their own lots after
		{"L1"},                         // shorter than the serials
	} {
		var l Lookup
		if err := c.Lookup(context.Background(), "WholesalerMSP", keys, hints, &l); err != nil {
			t.Fatalf("lots %q: %v", hints, err)
		}
		if l.Checkpoint != (Checkpoint{Block: 4, Set: true}) || string(l.Requester.Record) != `{"id":"WholesalerMSP"}` || len(l.Items) != len(keys) {
			t.Fatalf("lots %q: %+v", hints, l)
		}
		for i, it := range l.Items {
			if string(it.Lot.Record) != want[i] || it.Lot.Cached != (want[i] != "") {
				t.Errorf("lots %q, serial %s: lot %+v, want %s", hints, keys[i], it.Lot, want[i])
			}
		}
		if l.Items[1].Lot.Version != 4 || l.Items[0].Serial.Version != 3 || l.Items[3].Serial.Cached {
			t.Errorf("lots %q: versions or absence wrong: %+v", hints, l.Items)
		}
	}
}

func testPutCheckpoint(t *testing.T, c Cache, _ func()) {
	ctx := context.Background()
	if cp, err := c.Checkpoint(ctx); err != nil || cp.Set {
		t.Fatalf("new cache checkpoint %+v %v", cp, err)
	}
	mustPut(t, c, Checkpoint{}, 0)
	mustPut(t, c, Checkpoint{Block: 0, Set: true}, 1, serialEntry(1, `{"v":1}`))
	err := c.Put(ctx, Checkpoint{Block: 0, Set: true}, []Entry{serialEntry(2, `{"v":2}`)}, 2)
	moved, ok := AsCheckpointMoved(err)
	if !ok || moved.Found != (Checkpoint{Block: 1, Set: true}) {
		t.Fatalf("put after a stale checkpoint: %v", err)
	}
	if got := lookup(t, c, "x", serialA).Items[0].Serial; string(got.Record) != `{"v":1}` {
		t.Fatalf("a refused put wrote %s", got.Record)
	}
	if cp, err := c.Checkpoint(ctx); err != nil || cp != (Checkpoint{Block: 1, Set: true}) {
		t.Fatalf("checkpoint %+v %v", cp, err)
	}
	// A block larger than one script call is written whole.
	many := make([]Entry, 0, 2*putChunk+3)
	for i := range cap(many) {
		many = append(many, Entry{Key: PartnerKey(string(rune('a'+i%26)) + string(rune('0'+i/26%10)) + string(rune('A'+i/260))), Version: 2, Record: []byte(`{}`)})
	}
	mustPut(t, c, Checkpoint{Block: 1, Set: true}, 2, many...)
	for _, e := range []Entry{many[0], many[putChunk], many[len(many)-1]} {
		if l := lookup(t, c, e.Key.ID); !l.Requester.Cached || l.Checkpoint.Block != 2 {
			t.Fatalf("record %s of a large put: %+v", e.Key, l)
		}
	}
}

func testVersionGuard(t *testing.T, c Cache, _ func()) {
	ctx := context.Background()
	mustPut(t, c, Checkpoint{}, 5, serialEntry(5, `{"v":5}`))
	if err := c.Fill(ctx, []Entry{serialEntry(4, `{"v":4}`)}); err != nil {
		t.Fatal(err)
	}
	if got := lookup(t, c, "x", serialA).Items[0].Serial; string(got.Record) != `{"v":5}` || got.Version != 5 {
		t.Fatalf("older fill replaced a newer record: %+v", got)
	}
	if err := c.Fill(ctx, []Entry{serialEntry(7, `{"v":7}`)}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, c, Checkpoint{Block: 5, Set: true}, 6, serialEntry(6, `{"v":6}`))
	if got := lookup(t, c, "x", serialA).Items[0].Serial; string(got.Record) != `{"v":7}` {
		t.Fatalf("older projection replaced a newer fill: %+v", got)
	}
	if cp, _ := c.Checkpoint(ctx); cp.Block != 6 {
		t.Fatalf("checkpoint %+v", cp)
	}
}

func testAbsentRecords(t *testing.T, c Cache, _ func()) {
	if err := c.Fill(context.Background(), []Entry{{Key: serialA, Version: 2}, {Key: PartnerKey("GhostMSP"), Version: 2}}); err != nil {
		t.Fatal(err)
	}
	l := lookup(t, c, "GhostMSP", serialA)
	if s := l.Items[0].Serial; !s.Cached || s.Record != nil || l.Items[0].Lot.Cached {
		t.Fatalf("absent serial %+v", l.Items[0])
	}
	if !l.Requester.Cached || l.Requester.Record != nil {
		t.Fatalf("absent partner %+v", l.Requester)
	}
	// Commissioned later: the projection replaces the absence.
	mustPut(t, c, Checkpoint{}, 3, serialEntry(3, `{"v":3}`))
	if s := lookup(t, c, "x", serialA).Items[0].Serial; string(s.Record) != `{"v":3}` {
		t.Fatalf("after commissioning %+v", s)
	}
}

func testEvict(t *testing.T, c Cache, _ func()) {
	mustPut(t, c, Checkpoint{}, 1, serialEntry(1, `{}`), Entry{Key: lotL1, Version: 1, Record: []byte(`{}`)})
	if err := c.Evict(context.Background(), serialA); err != nil {
		t.Fatal(err)
	}
	l := lookup(t, c, "x", serialA)
	if l.Items[0].Serial.Cached {
		t.Fatalf("evicted serial still cached: %+v", l.Items[0])
	}
	if !l.Checkpoint.Set {
		t.Fatal("evict removed the checkpoint")
	}
}

func testFlush(t *testing.T, c Cache, flush func()) {
	mustPut(t, c, Checkpoint{}, 1, serialEntry(1, `{}`))
	flush()
	cp, err := c.Checkpoint(context.Background())
	if err != nil || cp.Set {
		t.Fatalf("checkpoint after flush %+v %v", cp, err)
	}
	err = c.Put(context.Background(), Checkpoint{Block: 1, Set: true}, nil, 2)
	if moved, ok := AsCheckpointMoved(err); !ok || moved.Found.Set {
		t.Fatalf("put after flush: %v", err)
	}
	if !errors.As(err, new(*CheckpointMoved)) {
		t.Fatal("not a CheckpointMoved")
	}
}

// TestRedisCacheOldFormat: a Redis holding an earlier release's cache
// (records as hashes, read by a script) is not misread: its records are
// not found, the first write deletes them with their checkpoint, so the
// projector starts again from block 0, and the format is marked, again by
// the projector's first put after a flush.
func TestRedisCacheOldFormat(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	ctx := context.Background()
	const prefix = "old:"
	if err := rdb.HSet(ctx, prefix+"s:"+serialA.ID, "v", "57", "r", `{"serial":"A1"}`, "lot", lotL1.ID).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, prefix+"checkpoint", "57", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c := NewRedisCache(rdb, prefix)
	if l := lookup(t, c, "x", serialA); l.Items[0].Serial.Cached || l.Checkpoint.Block != 57 {
		t.Fatalf("an old record was read: %+v", l)
	}
	// A fill, on a request's path, neither deletes the old cache nor writes
	// into it: the projector's put does the change.
	if err := c.Fill(ctx, []Entry{serialEntry(57, `{"v":57}`)}); err != nil {
		t.Fatalf("fill of an old cache: %v", err)
	}
	if keys := keysUnder(t, rdb, prefix); len(keys) != 2 {
		t.Fatalf("keys after a fill of the old cache: %v, want the old record and checkpoint alone", keys)
	}
	err := c.Put(ctx, Checkpoint{Block: 57, Set: true}, []Entry{serialEntry(58, `{"v":58}`)}, 58)
	if moved, ok := AsCheckpointMoved(err); !ok || moved.Found.Set {
		t.Fatalf("put onto an old cache: %v, want the checkpoint gone", err)
	}
	if keys := keysUnder(t, rdb, prefix); len(keys) != 1 || keys[0] != prefix+"format" {
		t.Fatalf("keys after the format change: %v, want the format mark alone", keys)
	}
	mustPut(t, c, Checkpoint{}, 1, serialEntry(1, `{"v":1}`))
	if s := lookup(t, c, "x", serialA).Items[0].Serial; string(s.Record) != `{"v":1}` {
		t.Fatalf("after the rebuild: %+v", s)
	}
	srv.Flush()
	// A new (flushed) cache takes a fill before the projector's put.
	fresh := NewRedisCache(rdb, prefix)
	if err := fresh.Fill(ctx, []Entry{serialEntry(1, `{"v":1}`)}); err != nil {
		t.Fatal(err)
	}
	if s := lookup(t, fresh, "x", serialA).Items[0].Serial; string(s.Record) != `{"v":1}` {
		t.Fatalf("a fill of a new cache: %+v", s)
	}
	mustPut(t, c, Checkpoint{}, 1, serialEntry(1, `{"v":1}`))
	if f, err := rdb.Get(ctx, prefix+"format").Result(); err != nil || f != redisFormat {
		t.Fatalf("format after a flush and a put: %q %v", f, err)
	}
}

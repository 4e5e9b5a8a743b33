package verify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix starts every key the Redis cache writes.
const DefaultRedisPrefix = "rxl:verify:"

// putChunk bounds the records one script call writes, so a block of a large
// commissioning does not stall Redis.
const putChunk = 512

// RedisCache is the Cache on Redis. Each record is a string: its version,
// a newline, its lot's key ID (serial records; empty otherwise), a newline
// and the record's JSON (empty when the ledger holds none); the checkpoint
// is a string too. A lookup is one MGET, a native command: of the
// checkpoint, the requester's partner record, the serials and the lots the
// requests name, all as of one moment. A serial whose lot is not the one its
// request named (or whose request named none) costs a second MGET of its
// lot. Writes are a Lua script, so a put writes its records and the
// checkpoint atomically and never replaces a newer version.
//
// MGET rather than a script that follows each serial to its lot: on Redis
// 7, a script reading a thousand hashes cost Redis 4.3 µs of CPU per
// serial, MGET of a thousand strings 0.4 µs, and Redis, one thread on the
// service's machine, bounded batch verification.
//
// A record of absence ("" as record: a serial never commissioned, asked
// about) expires after the service's Options.AbsentTTL (DefaultAbsentTTL):
// anyone may ask about as many made-up serials as they like, and each would
// otherwise stay in Redis for good. A real record written over one loses
// the expiry; real records never expire.
//
// The format is recorded under the key "format" (redisFormat). A cache of
// another format (the hashes of earlier releases) is deleted, keys and
// checkpoint, before the first write, and the projector rebuilds it. Every
// verify process sharing a Redis must run the same format: upgrade them
// together.
//
// A Redis Cluster refuses an MGET of keys in several hash slots: the cache
// targets one Redis server or a primary with replicas.
type RedisCache struct {
	rdb    redis.UniversalClient
	prefix string
	cpKey  string
	// lotPrefix is the prefix of lot keys (the kind after prefix).
	lotPrefix string
	co        coalescer
	// callTimeout bounds each lookup call (0: the caller's context
	// alone); the verify service sets it to its CacheTimeout.
	callTimeout time.Duration
	// absentTTL is the lifetime of a record of absence, as the write
	// script's argument (milliseconds); the verify service sets it from
	// its AbsentTTL.
	absentTTL string
	// formatChecked is set once the cache's format is known to be
	// redisFormat.
	formatChecked atomic.Bool
}

// redisFormat is the format of the records RedisCache writes: 2, strings
// read with MGET (1, before the key existed: hashes read by a script).
const redisFormat = "2"

func (r *RedisCache) setCallTimeout(d time.Duration) { r.callTimeout = d }

func (r *RedisCache) setAbsentTTL(d time.Duration) {
	r.absentTTL = strconv.FormatInt(max(d.Milliseconds(), 1), 10)
}

// RedisOptions parses a redis:// or rediss:// URL into the client options
// the cache needs: go-redis ignores a call's context deadline on the socket
// unless ContextTimeoutEnabled is set, so a Redis that accepts connections
// but does not answer (paused, swapping, stuck in a slow script) would hold
// every lookup for its read timeout (3 s by default, longer with the URL's
// read_timeout), not for the service's CacheTimeout.
func RedisOptions(url string) (*redis.Options, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opts.ContextTimeoutEnabled = true
	return opts, nil
}

var _ Cache = (*RedisCache)(nil)

// NewRedisCache returns the cache on rdb with keys under prefix
// (DefaultRedisPrefix when empty).
func NewRedisCache(rdb redis.UniversalClient, prefix string) *RedisCache {
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	r := &RedisCache{rdb: rdb, prefix: prefix, cpKey: prefix + "checkpoint", lotPrefix: prefix + string(KindLot) + ":"}
	r.co.maxInflight = DefaultLookupsInFlight
	r.setAbsentTTL(DefaultAbsentTTL)
	return r
}

func (r *RedisCache) key(k Key) string {
	b := make([]byte, 0, len(r.prefix)+2+len(k.ID))
	b = append(b, r.prefix...)
	b = append(b, byte(k.Kind), ':')
	b = append(b, k.ID...)
	return string(b)
}

// encodeValue is a record as RedisCache stores it.
func encodeValue(version uint64, lot string, record []byte) string {
	b := make([]byte, 0, 24+len(lot)+len(record))
	b = strconv.AppendUint(b, version, 10)
	b = append(b, '\n')
	b = append(b, lot...)
	b = append(b, '\n')
	b = append(b, record...)
	return string(b)
}

// parseValue reads a stored record (nil: not cached) and its lot key ID.
func parseValue(v any) (Found, string, error) {
	s, ok := v.(string)
	if !ok {
		return Found{}, "", nil
	}
	i := strings.IndexByte(s, '\n')
	j := -1
	if i >= 0 {
		j = strings.IndexByte(s[i+1:], '\n')
	}
	if j < 0 {
		return Found{}, "", fmt.Errorf("redis cache: malformed record %.40q", s)
	}
	j += i + 1
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil {
		return Found{}, "", fmt.Errorf("redis cache: bad record version %.20q", s[:i])
	}
	f := Found{Cached: true, Version: n}
	if j+1 < len(s) {
		f.Record = []byte(s[j+1:])
	}
	return f, s[i+1 : j], nil
}

// writeScript writes records unless a newer version is cached. In mode
// "put" it first checks that the checkpoint is ARGV[2] ("" for none) and
// then sets it to ARGV[3]; on a mismatch it writes nothing and returns
// {"moved", checkpoint}; with the checkpoint it marks the format (KEYS[2],
// to the last ARGV), so a cache flushed and rebuilt is marked again.
// ARGV[4] is the lifetime in milliseconds of a record of absence: one
// written expires then, while a real record written over an older one
// (perhaps an absence) is persistent again (SET drops a key's expiry).
// Records are KEYS[3...] with triples from ARGV[5]: version, stored value
// (encodeValue), and "a" for a record of absence.
var writeScript = redis.NewScript(`
local put = ARGV[1] == 'put'
if put then
  local cur = redis.call('GET', KEYS[1]) or ''
  if cur ~= ARGV[2] then
    return {'moved', cur}
  end
end
local absentTTL = ARGV[4]
for i = 3, #KEYS do
  local b = 5 + (i - 3) * 3
  local old = redis.call('GET', KEYS[i])
  local oldv = old and tonumber(string.match(old, '^(%d+)'))
  if (not oldv) or oldv <= tonumber(ARGV[b]) then
    if ARGV[b + 2] == 'a' then
      redis.call('SET', KEYS[i], ARGV[b + 1], 'PX', absentTTL)
    else
      redis.call('SET', KEYS[i], ARGV[b + 1])
    end
  end
end
if put then
  redis.call('SET', KEYS[1], ARGV[3])
  redis.call('SET', KEYS[2], ARGV[5 + (#KEYS - 2) * 3])
end
return {'ok', ''}
`)

// Lookup implements Cache. Lookups of a few serials (a single
// verification) made while others are in flight are sent together, as one
// MGET; larger ones go on their own.
func (r *RedisCache) Lookup(ctx context.Context, requester string, serials []Key, lots []string, into *Lookup) error {
	if len(serials) <= coalesceMaxSerials && r.co.maxInflight > 0 {
		return r.co.lookup(ctx, r, requester, serials, lots, into)
	}
	if r.callTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.callTimeout)
		defer cancel()
	}
	return r.lookupGroups(ctx, []*lookupGroup{{requester: requester, serials: serials, lots: lots, into: into}})
}

// lookupGroup is one Lookup's part of a call.
type lookupGroup struct {
	requester string
	serials   []Key
	lots      []string // the lots the requests name (Lookup's lots)
	into      *Lookup
}

// lookupGroups reads every group: one MGET of the checkpoint, each
// requester, each serial and each lot a request names (each key once),
// then, when a cached serial's lot is not among those, one MGET of the
// lots still missing.
func (r *RedisCache) lookupGroups(ctx context.Context, groups []*lookupGroup) error {
	n := 1
	for _, g := range groups {
		n += 1 + len(g.serials)
	}
	keys := make([]string, 1, n+len(groups[0].serials)) // room for a batch's lot or two
	keys[0] = r.cpKey
	at := make(map[string]int, n) // key -> position in keys
	add := func(k string) int {
		if i, ok := at[k]; ok {
			return i
		}
		at[k] = len(keys)
		keys = append(keys, k)
		return len(keys) - 1
	}
	// lotAt is at for lot keys, by lot key ID (a cached serial's value holds
	// its lot's ID, which then finds its position without building a key);
	// -1-i: in the second MGET's keys at i.
	lotAt := map[string]int{}
	// pos holds, per group, the position of its requester's record and then
	// of each of its serials' records.
	pos := make([]int, 0, n-1)
	for _, g := range groups {
		pos = append(pos, add(r.key(PartnerKey(g.requester))))
		for _, k := range g.serials {
			pos = append(pos, add(r.key(k)))
		}
	}
	for _, g := range groups {
		var lastGTIN, lastLot string // a batch names one lot again and again
		for i, k := range g.serials {
			if i >= len(g.lots) || g.lots[i] == "" {
				continue
			}
			gtin, _, _ := strings.Cut(k.ID, "~")
			if gtin == lastGTIN && g.lots[i] == lastLot {
				continue
			}
			lastGTIN, lastLot = gtin, g.lots[i]
			if id := LotKey(gtin, g.lots[i]).ID; lotAt[id] == 0 { // 0 is the checkpoint's position, never a lot's
				lotAt[id] = len(keys)
				keys = append(keys, r.lotPrefix+id)
			}
		}
	}
	vals, err := r.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return fmt.Errorf("redis cache lookup: %w", err)
	}
	if len(vals) != len(keys) {
		return fmt.Errorf("redis cache lookup: %d values for %d keys", len(vals), len(keys))
	}
	cp, err := parseCheckpoint(vals[0])
	if err != nil {
		return err
	}
	// Each stored value parsed once: groups sharing a requester or a lot
	// share its bytes (and the memo decodes them once).
	found := make([]Found, len(keys))
	lotOf := make([]string, len(keys))
	for i := 1; i < len(vals); i++ {
		if found[i], lotOf[i], err = parseValue(vals[i]); err != nil {
			return err
		}
	}
	// The lots of cached serials that no request named, read after.
	var missing []string
	for _, p := range pos {
		if lot := lotOf[p]; lot != "" && found[p].Record != nil {
			if _, ok := lotAt[lot]; !ok {
				lotAt[lot] = -1 - len(missing)
				missing = append(missing, r.lotPrefix+lot)
			}
		}
	}
	var more []Found
	if len(missing) > 0 {
		vals, err := r.rdb.MGet(ctx, missing...).Result()
		if err != nil {
			return fmt.Errorf("redis cache lookup of lots: %w", err)
		}
		if len(vals) != len(missing) {
			return fmt.Errorf("redis cache lookup: %d values for %d lots", len(vals), len(missing))
		}
		more = make([]Found, len(vals))
		for i := range vals {
			if more[i], _, err = parseValue(vals[i]); err != nil {
				return err
			}
		}
	}
	for _, g := range groups {
		into := g.into
		into.Checkpoint = cp
		into.Requester, pos = found[pos[0]], pos[1:]
		into.Items = resize(into.Items, len(g.serials))
		for i := range g.serials {
			p := pos[i]
			it := &into.Items[i]
			it.Serial = found[p]
			if lot := lotOf[p]; lot != "" && it.Serial.Record != nil {
				if li := lotAt[lot]; li >= 0 {
					it.Lot = found[li]
				} else {
					it.Lot = more[-1-li]
				}
			}
		}
		pos = pos[len(g.serials):]
	}
	return nil
}

func parseCheckpoint(v any) (Checkpoint, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return Checkpoint{}, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("redis cache: bad checkpoint %q", s)
	}
	return Checkpoint{Block: n, Set: true}, nil
}

// Put implements Cache. Records beyond one script call's share are filled
// first; the last call writes the rest with the checkpoint, so the
// checkpoint is never saved before its data.
func (r *RedisCache) Put(ctx context.Context, after Checkpoint, entries []Entry, block uint64) error {
	if err := r.checkFormat(ctx); err != nil {
		return err
	}
	for len(entries) > putChunk {
		if err := r.write(ctx, "fill", "", "", entries[:putChunk]); err != nil {
			return err
		}
		entries = entries[putChunk:]
	}
	want := ""
	if after.Set {
		want = strconv.FormatUint(after.Block, 10)
	}
	return r.write(ctx, "put", want, strconv.FormatUint(block, 10), entries)
}

// Fill implements Cache. It runs on a request's path, so it never deletes
// a cache of another format (the projector's Put does, without a request's
// deadline): into such a cache it writes nothing.
func (r *RedisCache) Fill(ctx context.Context, entries []Entry) error {
	if ok, err := r.fillable(ctx); err != nil || !ok {
		return err
	}
	for len(entries) > 0 {
		n := min(len(entries), putChunk)
		if err := r.write(ctx, "fill", "", "", entries[:n]); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

// write runs the write script; Put and Fill have checked the format.
func (r *RedisCache) write(ctx context.Context, mode, want, block string, entries []Entry) error {
	keys := make([]string, 2, 2+len(entries))
	keys[0], keys[1] = r.cpKey, r.prefix+"format"
	args := make([]any, 4, 5+3*len(entries))
	args[0], args[1], args[2], args[3] = mode, want, block, r.absentTTL
	for _, e := range entries {
		keys = append(keys, r.key(e.Key))
		absent := ""
		if len(e.Record) == 0 {
			absent = "a"
		}
		args = append(args, strconv.FormatUint(e.Version, 10), encodeValue(e.Version, e.Lot, e.Record), absent)
	}
	args = append(args, redisFormat)
	res, err := writeScript.Run(ctx, r.rdb, keys, args...).StringSlice()
	if err != nil {
		return fmt.Errorf("redis cache %s: %w", mode, err)
	}
	if len(res) == 2 && res[0] == "moved" {
		cp, err := parseCheckpoint(res[1])
		if err != nil {
			return err
		}
		return &CheckpointMoved{Found: cp}
	}
	return nil
}

// checkFormat makes sure, before the first write, that the cache holds
// records of redisFormat: a cache of another format (an earlier release's
// hashes, which the write script cannot read) is deleted, records and
// checkpoint, and then marked; the projector rebuilds it from block 0. A
// cache with no keys is marked at once.
func (r *RedisCache) checkFormat(ctx context.Context) error {
	if r.formatChecked.Load() {
		return nil
	}
	fk := r.prefix + "format"
	have, err := r.rdb.Get(ctx, fk).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redis cache format: %w", err)
	}
	if have != redisFormat {
		var cursor uint64
		for {
			keys, next, err := r.rdb.Scan(ctx, cursor, r.prefix+"*", 1000).Result()
			if err != nil {
				return fmt.Errorf("redis cache format: scan the old records: %w", err)
			}
			if len(keys) > 0 {
				if err := r.rdb.Unlink(ctx, keys...).Err(); err != nil {
					return fmt.Errorf("redis cache format: delete the old records: %w", err)
				}
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		if err := r.rdb.Set(ctx, fk, redisFormat, 0).Err(); err != nil {
			return fmt.Errorf("redis cache format: %w", err)
		}
	}
	r.formatChecked.Store(true)
	return nil
}

// fillable reports whether Fill may write: the cache is of redisFormat, or
// is new (no format mark and no checkpoint: the projector's first Put marks
// it, and a fill now is merely wasted if it finds another format).
func (r *RedisCache) fillable(ctx context.Context) (bool, error) {
	if r.formatChecked.Load() {
		return true, nil
	}
	vals, err := r.rdb.MGet(ctx, r.prefix+"format", r.cpKey).Result()
	if err != nil {
		return false, fmt.Errorf("redis cache format: %w", err)
	}
	switch {
	case vals[0] == redisFormat:
		r.formatChecked.Store(true)
		return true, nil
	case vals[0] == nil && vals[1] == nil:
		return true, nil
	}
	return false, nil
}

// Checkpoint implements Cache.
func (r *RedisCache) Checkpoint(ctx context.Context) (Checkpoint, error) {
	s, err := r.rdb.Get(ctx, r.cpKey).Result()
	if errors.Is(err, redis.Nil) {
		return Checkpoint{}, nil
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("redis cache checkpoint: %w", err)
	}
	return parseCheckpoint(s)
}

// Evict implements Cache.
func (r *RedisCache) Evict(ctx context.Context, keys ...Key) error {
	if len(keys) == 0 {
		return nil
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = r.key(k)
	}
	if err := r.rdb.Del(ctx, names...).Err(); err != nil {
		return fmt.Errorf("redis cache evict: %w", err)
	}
	return nil
}

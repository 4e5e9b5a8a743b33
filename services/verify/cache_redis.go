package verify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix starts every key the Redis cache writes.
const DefaultRedisPrefix = "rxl:verify:"

// putChunk bounds the records one script call writes, so a block of a large
// commissioning does not stall Redis.
const putChunk = 512

// RedisCache is the Cache on Redis. Each record is a hash {v: version, r:
// record JSON ("" when the ledger holds none), lot: lot key ID}; the
// checkpoint is a string. Lookups and writes are Lua scripts, so a lookup is
// one round trip and a put writes its records and the checkpoint atomically.
//
// A record of absence ("" as r: a serial never commissioned, asked about)
// expires after the service's Options.AbsentTTL (DefaultAbsentTTL): anyone
// may ask about as many made-up serials as they like, and each would
// otherwise stay in Redis for good. A real record written over one loses
// the expiry; real records never expire.
//
// A lookup reads the lot key named inside a serial's hash, which a Redis
// Cluster would refuse (keys must be declared); the cache targets one Redis
// server or a primary with replicas.
type RedisCache struct {
	rdb    redis.UniversalClient
	prefix string
	cpKey  string
	co     coalescer
	// callTimeout bounds each lookup script call (0: the caller's context
	// alone); the verify service sets it to its CacheTimeout.
	callTimeout time.Duration
	// absentTTL is the lifetime of a record of absence, as the write
	// script's argument (milliseconds); the verify service sets it from
	// its AbsentTTL.
	absentTTL string
}

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
	r := &RedisCache{rdb: rdb, prefix: prefix, cpKey: prefix + "checkpoint"}
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

// lookupScript reads, in one call, the checkpoint and any number of lookup
// groups: a requester's partner record and the records of some serials,
// each with its lot's record. KEYS are the checkpoint, then per group the
// partner key followed by its serial keys; ARGV[1] is the lot key prefix,
// ARGV[2] the number of groups and ARGV[3...] each group's serial count.
// It returns, flattened: cp; per group pv, pr; per serial sv, sr, lv, lr
// (nil where absent). A record the reply already holds (the same partner
// or lot read for an earlier group or serial) comes back as the integer
// 1-based position of its first copy, so a batch of one lot carries the
// lot's record once.
var lookupScript = redis.NewScript(`
local out = {redis.call('GET', KEYS[1])}
local lotPrefix = ARGV[1]
local groups = tonumber(ARGV[2])
local seen = {}
local function record(key, fields)
  local at = seen[key]
  if at then
    out[#out + 1] = out[at - 1]
    out[#out + 1] = at
    return
  end
  local v = redis.call('HMGET', key, 'v', 'r')
  out[#out + 1] = v[1]
  out[#out + 1] = v[2]
  if v[1] then seen[key] = #out end
end
local k = 2
for g = 1, groups do
  record(KEYS[k])
  k = k + 1
  for i = 1, tonumber(ARGV[2 + g]) do
    local s = redis.call('HMGET', KEYS[k], 'v', 'r', 'lot')
    k = k + 1
    out[#out + 1] = s[1]
    out[#out + 1] = s[2]
    if s[1] and s[2] and s[2] ~= '' and s[3] and s[3] ~= '' then
      record(lotPrefix .. s[3])
    else
      out[#out + 1] = false
      out[#out + 1] = false
    end
  end
end
return out
`)

// writeScript writes records unless a newer version is cached. In mode
// "put" it first checks that the checkpoint is ARGV[2] ("" for none) and
// then sets it to ARGV[3]; on a mismatch it writes nothing and returns
// {"moved", checkpoint}. ARGV[4] is the lifetime in milliseconds of a
// record of absence (an empty record): one written expires then, while a
// real record written over an older one (perhaps an absence) is made
// persistent again. Records are triples version, record, lot from ARGV[5].
var writeScript = redis.NewScript(`
local put = ARGV[1] == 'put'
if put then
  local cur = redis.call('GET', KEYS[1]) or ''
  if cur ~= ARGV[2] then
    return {'moved', cur}
  end
end
local absentTTL = ARGV[4]
for i = 2, #KEYS do
  local b = 5 + (i - 2) * 3
  local old = redis.call('HGET', KEYS[i], 'v')
  if (not old) or tonumber(old) <= tonumber(ARGV[b]) then
    redis.call('HSET', KEYS[i], 'v', ARGV[b], 'r', ARGV[b + 1], 'lot', ARGV[b + 2])
    if ARGV[b + 1] == '' then
      redis.call('PEXPIRE', KEYS[i], absentTTL)
    elseif old then
      redis.call('PERSIST', KEYS[i])
    end
  end
end
if put then
  redis.call('SET', KEYS[1], ARGV[3])
end
return {'ok', ''}
`)

// Lookup implements Cache. Lookups of a few serials (a single
// verification) made while others are in flight are sent together, as one
// script call; larger ones go on their own.
func (r *RedisCache) Lookup(ctx context.Context, requester string, serials []Key, into *Lookup) error {
	if len(serials) <= coalesceMaxSerials && r.co.maxInflight > 0 {
		return r.co.lookup(ctx, r, requester, serials, into)
	}
	if r.callTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.callTimeout)
		defer cancel()
	}
	return r.lookupGroups(ctx, []*lookupGroup{{requester: requester, serials: serials, into: into}})
}

// lookupGroup is one Lookup's part of a script call.
type lookupGroup struct {
	requester string
	serials   []Key
	into      *Lookup
}

// lookupGroups reads every group in one script call.
func (r *RedisCache) lookupGroups(ctx context.Context, groups []*lookupGroup) error {
	n := 0
	for _, g := range groups {
		n += len(g.serials)
	}
	keys := make([]string, 1, 1+len(groups)+n)
	keys[0] = r.cpKey
	args := make([]any, 2, 2+len(groups))
	args[0], args[1] = r.prefix+string(KindLot)+":", len(groups)
	for _, g := range groups {
		keys = append(keys, r.key(PartnerKey(g.requester)))
		for _, k := range g.serials {
			keys = append(keys, r.key(k))
		}
		args = append(args, len(g.serials))
	}
	res, err := lookupScript.Run(ctx, r.rdb, keys, args...).Slice()
	if err != nil {
		return fmt.Errorf("redis cache lookup: %w", err)
	}
	if len(res) != 1+2*len(groups)+4*n {
		return fmt.Errorf("redis cache lookup: %d values for %d groups of %d serials", len(res), len(groups), n)
	}
	cp, err := parseCheckpoint(res[0])
	if err != nil {
		return err
	}
	rd := replyReader{res: res, at: 1}
	for _, g := range groups {
		into := g.into
		into.Checkpoint = cp
		if into.Requester, err = rd.found(); err != nil {
			return err
		}
		into.Items = resize(into.Items, len(g.serials))
		for i := range g.serials {
			it := &into.Items[i]
			if it.Serial, err = rd.found(); err != nil {
				return err
			}
			if it.Lot, err = rd.found(); err != nil {
				return err
			}
		}
	}
	return nil
}

// replyReader reads lookupScript's reply: version and record pairs, where a
// record may be the position of an earlier copy.
type replyReader struct {
	res []any
	at  int
	// records holds the bytes of each record read, by 1-based position, so
	// every reference to it shares them (and the memo decodes them once).
	records map[int][]byte
}

func (rd *replyReader) found() (Found, error) {
	version, record := rd.res[rd.at], rd.res[rd.at+1]
	rd.at += 2
	if ref, ok := record.(int64); ok {
		b, ok := rd.records[int(ref)]
		if !ok {
			return Found{}, fmt.Errorf("redis cache lookup: reference to record %d, which the reply does not hold", ref)
		}
		f, err := parseFound(version, nil)
		f.Record = b
		return f, err
	}
	f, err := parseFound(version, record)
	if err == nil && f.Cached {
		if rd.records == nil {
			rd.records = make(map[int][]byte)
		}
		rd.records[rd.at] = f.Record
	}
	return f, err
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

func parseFound(version, record any) (Found, error) {
	vs, ok := version.(string)
	if !ok {
		return Found{}, nil
	}
	n, err := strconv.ParseUint(vs, 10, 64)
	if err != nil {
		return Found{}, fmt.Errorf("redis cache: bad record version %q", vs)
	}
	f := Found{Cached: true, Version: n}
	if rs, _ := record.(string); rs != "" {
		f.Record = []byte(rs)
	}
	return f, nil
}

// Put implements Cache. Records beyond one script call's share are filled
// first; the last call writes the rest with the checkpoint, so the
// checkpoint is never saved before its data.
func (r *RedisCache) Put(ctx context.Context, after Checkpoint, entries []Entry, block uint64) error {
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

// Fill implements Cache.
func (r *RedisCache) Fill(ctx context.Context, entries []Entry) error {
	for len(entries) > 0 {
		n := min(len(entries), putChunk)
		if err := r.write(ctx, "fill", "", "", entries[:n]); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

func (r *RedisCache) write(ctx context.Context, mode, want, block string, entries []Entry) error {
	keys := make([]string, 1, 1+len(entries))
	keys[0] = r.cpKey
	args := make([]any, 4, 4+3*len(entries))
	args[0], args[1], args[2], args[3] = mode, want, block, r.absentTTL
	for _, e := range entries {
		keys = append(keys, r.key(e.Key))
		args = append(args, strconv.FormatUint(e.Version, 10), string(e.Record), e.Lot)
	}
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

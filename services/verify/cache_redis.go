package verify

import (
	"context"
	"errors"
	"fmt"
	"strconv"

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
// A lookup reads the lot key named inside a serial's hash, which a Redis
// Cluster would refuse (keys must be declared); the cache targets one Redis
// server or a primary with replicas.
type RedisCache struct {
	rdb    redis.UniversalClient
	prefix string
	cpKey  string
}

var _ Cache = (*RedisCache)(nil)

// NewRedisCache returns the cache on rdb with keys under prefix
// (DefaultRedisPrefix when empty).
func NewRedisCache(rdb redis.UniversalClient, prefix string) *RedisCache {
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	return &RedisCache{rdb: rdb, prefix: prefix, cpKey: prefix + "checkpoint"}
}

func (r *RedisCache) key(k Key) string {
	b := make([]byte, 0, len(r.prefix)+2+len(k.ID))
	b = append(b, r.prefix...)
	b = append(b, byte(k.Kind), ':')
	b = append(b, k.ID...)
	return string(b)
}

// lookupScript returns the checkpoint, the requester's record and, for each
// serial, its record and its lot's record (each lot read once per call),
// flattened:
// cp, pv, pr, then sv, sr, lv, lr per serial (nil where absent).
var lookupScript = redis.NewScript(`
local out = {redis.call('GET', KEYS[1])}
local p = redis.call('HMGET', KEYS[2], 'v', 'r')
out[2] = p[1]
out[3] = p[2]
local lotPrefix = ARGV[1]
local lots = {}
for i = 3, #KEYS do
  local s = redis.call('HMGET', KEYS[i], 'v', 'r', 'lot')
  out[#out + 1] = s[1]
  out[#out + 1] = s[2]
  if s[1] and s[2] and s[2] ~= '' and s[3] and s[3] ~= '' then
    local l = lots[s[3]]
    if not l then
      l = redis.call('HMGET', lotPrefix .. s[3], 'v', 'r')
      lots[s[3]] = l
    end
    out[#out + 1] = l[1]
    out[#out + 1] = l[2]
  else
    out[#out + 1] = false
    out[#out + 1] = false
  end
end
return out
`)

// writeScript writes records unless a newer version is cached. In mode
// "put" it first checks that the checkpoint is ARGV[2] ("" for none) and
// then sets it to ARGV[3]; on a mismatch it writes nothing and returns
// {"moved", checkpoint}. Records are triples version, record, lot from ARGV[4].
var writeScript = redis.NewScript(`
local put = ARGV[1] == 'put'
if put then
  local cur = redis.call('GET', KEYS[1]) or ''
  if cur ~= ARGV[2] then
    return {'moved', cur}
  end
end
for i = 2, #KEYS do
  local b = 4 + (i - 2) * 3
  local old = redis.call('HGET', KEYS[i], 'v')
  if (not old) or tonumber(old) <= tonumber(ARGV[b]) then
    redis.call('HSET', KEYS[i], 'v', ARGV[b], 'r', ARGV[b + 1], 'lot', ARGV[b + 2])
  end
end
if put then
  redis.call('SET', KEYS[1], ARGV[3])
end
return {'ok', ''}
`)

// Lookup implements Cache.
func (r *RedisCache) Lookup(ctx context.Context, requester string, serials []Key, into *Lookup) error {
	keys := make([]string, 2, 2+len(serials))
	keys[0], keys[1] = r.cpKey, r.key(PartnerKey(requester))
	for _, k := range serials {
		keys = append(keys, r.key(k))
	}
	res, err := lookupScript.Run(ctx, r.rdb, keys, r.prefix+string(KindLot)+":").Slice()
	if err != nil {
		return fmt.Errorf("redis cache lookup: %w", err)
	}
	if len(res) != 3+4*len(serials) {
		return fmt.Errorf("redis cache lookup: %d values for %d serials", len(res), len(serials))
	}
	into.Items = resize(into.Items, len(serials))
	if into.Checkpoint, err = parseCheckpoint(res[0]); err != nil {
		return err
	}
	if into.Requester, err = parseFound(res[1], res[2]); err != nil {
		return err
	}
	for i := range serials {
		b := 3 + 4*i
		it := &into.Items[i]
		if it.Serial, err = parseFound(res[b], res[b+1]); err != nil {
			return err
		}
		if it.Lot, err = parseFound(res[b+2], res[b+3]); err != nil {
			return err
		}
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
	args := make([]any, 3, 3+3*len(entries))
	args[0], args[1], args[2] = mode, want, block
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

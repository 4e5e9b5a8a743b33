// Package verify answers GS1 Lightweight Messaging Standard (LMS)
// verification requests for serialised packages from rxledger's DSCSA ledger.
//
// # Paths
//
// A request is answered from the verification cache (Redis, or an in-process
// cache when no Redis is configured) when the cache is fresh against the
// chain: its checkpoint, the last block the projector wrote, is within
// Options.MaxLag blocks of the ledger height. The answer is computed by the
// very function the chaincode's Verify query uses (chaincode.Verify), on the
// records the chaincode event carried, so cache and ledger answers are
// identical. A miss, a stale cache or a cache that cannot be reached sends
// the request to the ledger (the chaincode's Verify query), and the records
// read there fill the cache.
//
// Every answer names a responderGLN, which LMS requires: the first attested
// GLN of the organisation owning the GTIN (the owner of the serial's lot,
// or, for an unknown serial, the owner of the GTIN's company prefix as the
// chaincode's Verify answer names it, remembered by GTIN for the cached
// answers), else Options.ResponderGLN.
//
// # Cache
//
// Cache is the port (owned here): a lookup that reads a package's serial
// record, its lot record, the requester's partner record and the checkpoint
// in one round trip; a put that writes records and the checkpoint atomically
// (the checkpoint is never saved before the data); a fill that writes records
// read from the ledger; checkpoint read; evict. Every record carries the
// number of the block it reflects and a write never replaces a newer record
// with an older one, so the projector and read-through fills can interleave.
// RedisCache and MemoryCache implement it.
//
// A serial of a known GTIN that the ledger has never seen is cached as a
// record of absence, so that asking again is answered from the cache; the
// projector's record replaces it when the serial is commissioned. Anyone
// allowed to verify can ask about any number of made-up serials, so these
// records are bounded: in Redis they expire after Options.AbsentTTL
// (DefaultAbsentTTL), and a real record written over one does not; the
// MemoryCache holds at most MemoryMaxAbsent of them, apart from the real
// records, and forgets the oldest first.
//
// RedisCache reads with one MGET per lookup (a second one for the lots of
// serials whose requests did not name them). Single
// verifications that arrive while a call is in flight wait and share the
// next call (up to 256 lookups in one), so under load Redis and the client
// pay per call, not per request; an idle service sends each lookup at once.
// The service's CacheTimeout bounds each call, not a lookup's wait for one,
// so a busy cache is never mistaken for a failed one.
//
// # Projector and auditor
//
// RunProjector follows the ledger's blocks from the cache checkpoint and writes
// every serial, lot and partner record the "dscsa" chaincode events carry. A
// lost checkpoint (Redis flushed or restarted empty) makes it rebuild from
// block 0; a cache it cannot reach makes it retry with backoff while answers
// come from the ledger. RunAuditor re-checks a sample of cache answers against
// the chain, and evicts and counts any difference.
//
// # Use
//
//	svc := verify.New(l, verify.NewRedisCache(rdb, ""), verify.Options{Registerer: reg})
//	svc.Mount(engine, authMiddleware) // GET /verify/01/{gtin}/21/{serial}, POST /verify/batch
//	go svc.RunProjector(ctx)
//	go svc.RunAuditor(ctx)
//
// Readiness: CaughtUp (projection within MaxLag) and CacheDegraded (the
// cache failing, answers from the ledger). Every answer carries the ledger
// height it reflects.
package verify

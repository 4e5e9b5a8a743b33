// Package embedded is the embedded ledger: the "laptop node" implementation of
// the ledger port (services/ledger.Ledger). It runs a chaincode (chaincode.Func)
// in process against a durable local store and gives it the guarantees the
// DSCSA rules rely on when they run on Hyperledger Fabric:
//
//   - Execute, order, validate. Submit executes the chaincode against a
//     read snapshot of the world state, recording what it read (key and
//     version) and what it wrote. A single committer goroutine cuts the
//     executed transactions into blocks (at most Options.MaxBlockTxs, or
//     whatever arrived within Options.MaxBlockWait of the first), validates
//     each transaction's read set against the state as of its place in the
//     block (MVCC, like a Fabric peer: a stale read, including a read of a key
//     an earlier transaction of the same block wrote, marks it invalid and it
//     changes nothing), and commits the block.
//   - Atomic, durable, hash-chained blocks. A block, the state it changes,
//     the history entries, the private data and the new chain tip are written
//     in ONE Pebble batch committed with fsync; only then are the submitters
//     answered. A kill -9 at any moment therefore leaves either the whole
//     block or nothing of it. Each block header carries the hash of the
//     previous header, the hash of its transactions and the hash of the state
//     changes it made; Verify (and `rxledger ledger verify`) recomputes all of
//     it and checks the state and history against the blocks.
//   - Acknowledged blocks are not lost silently. Pebble reads an unreadable
//     last record of its newest write-ahead log as the torn tail of a crash
//     and drops it, so damage to the last block committed would leave a
//     shorter chain that is whole. After each block is durable, and before
//     its submitters are answered, the committer therefore writes the chain
//     tip record (TipRecordFile, CHAIN-TIP in the ledger directory: height,
//     last block hash, CRC-32C) in place, without fsync: it never leads the
//     store, and may lag it after a crash or power loss, which is no alarm.
//     Open and Verify read it before the store; one above the store's
//     height, or naming another block at its height, is a *LostBlocksError
//     (Verify: a *VerifyError naming the first missing block): Open refuses
//     the directory, changing nothing. A torn record is ignored with a
//     warning and a missing one (a store older than the record) is written
//     at Open; an operator restoring an older copy on purpose deletes the
//     file to accept it. Damage in the middle of the newest log is found
//     from the intact records after it (checkWALTail); a damaged log that a
//     newer one follows keeps Pebble from opening the store at all, which is
//     a *DamagedStoreError naming the log and, as far as the intact records
//     around it tell, the block.
//   - Invalid transactions are recorded in their block with their validation
//     code, as Fabric does, so a replay is faithful.
//   - Private data lives in a separate keyspace per collection
//     (`_implicit_org_<MSPID>`); blocks carry only the SHA-256 of each private
//     value. A chaincode may read private values only from its caller's own
//     implicit collection, as on a Fabric peer that is not a member of the
//     others; every organisation may read the hashes.
//   - Fabric read semantics: a transaction reads the committed state, never its
//     own uncommitted writes.
//   - History: every committed change of a key has an index record, as in
//     Fabric's history database, under a key that sorts by state key then
//     version (block, transaction); its value gives the offsets of the write
//     and of its transaction in the block, and whether it deleted (see
//     history.go; Verify recomputes every record). A key's history is one range scan
//     of the index, and each entry's transaction ID, time and value are read
//     from its block, so the store holds no third copy of each value.
//   - Events and blocks are replayed from the blocks themselves: Blocks reads
//     block n, n+1, ... and then waits on a broadcast channel closed at each
//     commit; a consumer resumes from its checkpoint with Blocks(last+1).
//   - Signatures (optional): an organisation whose consortium entry has an
//     ed25519 public key has each of its transactions signed with its private
//     key (Options.Signers); the signature is part of the block and Verify
//     checks it, against the genesis consortium or an independent copy.
//   - Failure: if the store cannot write its log (Pebble treats that as
//     unrecoverable), the ledger fails: the waiting submitters and every later
//     call get Unavailable errors, Failed is closed, and the process should
//     restart, which recovers the last durable block (rxledger serve stops,
//     exiting 1, for its supervisor to restart it). A closed ledger answers
//     Unavailable too.
//
// # Storage layout
//
// One Pebble store, and beside its files the chain tip record (CHAIN-TIP,
// one line: see TipRecordFile); keys start with a byte naming their space
// (see keys.go):
// the chain tip (height and last block hash), the storage format version
// (4; a directory of another format is refused, see FormatError), blocks by
// number, the world state (version + value), history index records, and
// private data per collection. Versions are (block, transaction index).
//
// # Why Pebble
//
// The store is github.com/cockroachdb/pebble (v1.1.5), an LSM tree. The
// workload is write-heavy (commissioning writes a state entry and a history
// index entry per written key and its share of a block record; the 10-million-serial target means tens
// of millions of keys) with point reads for verification. An LSM turns the
// random inserts into sequential writes and compresses the sorted runs
// (Snappy), where a B+tree such as bbolt rewrites pages copy-on-write and
// fsyncs its page tree on every transaction, which makes large random-key
// batches and bytes-on-disk per key markedly worse. Pebble batches are atomic
// and committed through its write-ahead log with fsync, which is exactly the
// "one block, one atomic durable write" the ledger needs, and concurrent
// commits are group-committed by the engine. Point reads of absent keys (the
// MVCC check for a new serial) are kept cheap with bloom filters. A point read
// whose table block is not cached reads, checksums and decompresses it, so the
// block cache defaults to a quarter of the machine's memory
// (Options.CacheBytes, 1 to 8 GiB, allocated as it fills), enough for the
// world state of 10 million serials, and Options.WarmCache reads the state
// into it after Open. Measured numbers, including what the cache does and
// does not explain of the verification latency at scale, are in
// BENCHMARKS.md.
package embedded

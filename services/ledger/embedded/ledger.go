package embedded

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Ledger is the embedded ledger. It is safe for concurrent use.
type Ledger struct {
	db      *pebble.DB
	cons    *Consortium
	signers map[string]ed25519.PrivateKey
	cc      chaincode.Func
	opts    Options
	log     *slog.Logger

	queue         chan *executed
	committerDone chan struct{}
	inflight      sync.WaitGroup // submissions that may still enqueue

	recent  *recentWrites // committer-owned
	sealBuf []byte        // committer-owned: the last block's data region buffer
	sealPos positions     // committer-owned: where its transactions and writes are
	warm    *warmer       // nil unless Options.WarmCache
	scan    *scanner      // the pass over the state at Open; nil when none runs
	written [][]byte      // committer-owned: state keys the block being committed writes
	// writtenValues are their stored values (version and value, in the
	// block's batch; nil for a deletion), committer-owned.
	writtenValues [][]byte
	values        *stateCache  // current values of state keys read often
	tipRec        *tipRecorder // the chain tip record; committer-owned after Open

	mu     sync.Mutex
	closed bool
	failed error // set when a block could not be committed
	// failedCh is closed when failed is set (Failed).
	failedCh chan struct{}
	height   uint64        // committed blocks
	tip      Hash          // hash of the last committed block
	changed  chan struct{} // closed and replaced on every commit and on Close
}

var _ ledger.Ledger = (*Ledger)(nil)

// Open opens (or creates) the embedded ledger stored in dir, for the
// organisations of cons, running cc. A new ledger starts with a genesis block
// recording the consortium.
func Open(dir string, cons *Consortium, cc chaincode.Func, opts Options) (*Ledger, error) {
	if cons == nil || cc == nil {
		return nil, errors.New("open ledger: consortium and chaincode are required")
	}
	if err := cons.Validate(); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	opts = opts.withDefaults()
	keys, err := signers(cons, opts.Signers)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	rec, err := checkStoredFormat(dir, opts, cons)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	db, err := openStore(dir, opts, false)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	l := &Ledger{
		db: db, cons: cons, signers: keys, cc: cc, opts: opts,
		log:           opts.Logger.With("component", "ledger.embedded"),
		queue:         make(chan *executed, opts.MaxBlockTxs),
		committerDone: make(chan struct{}),
		changed:       make(chan struct{}),
		failedCh:      make(chan struct{}),
		values:        newStateCache(opts.StateCacheBytes),
	}
	height, tip, err := readTip(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	created := height == 0
	if created {
		if height, tip, err = writeGenesis(db, cons); err != nil {
			db.Close()
			return nil, fmt.Errorf("open ledger: %w", err)
		}
	}
	// An existing store's format and genesis were checked read-only above
	// (checkStoredFormat).
	l.height, l.tip = height, tip
	l.logTipRecord(dir, rec, height, created)
	if l.tipRec, err = openTipRecorder(opts.fs, dir, rec, height, tip, l.log); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	l.recent = newRecentWrites(height, recentWritesLimit)
	l.log.Info("ledger open", "dir", dir, "height", height, "tip", tip.String())
	l.startStateScan(created)
	go l.commitLoop()
	return l, nil
}

// logTipRecord says what Open found of the chain tip record, rec, when it is
// not in step with the store's height (a new ledger has none).
func (l *Ledger) logTipRecord(dir string, rec tipRecord, height uint64, created bool) {
	path := filepath.Join(dir, TipRecordFile)
	switch {
	case rec.state == tipMissing && !created:
		l.log.Info("no chain tip record: writing one (a ledger written before there was one, or an older copy accepted by deleting it)",
			"file", path, "height", height)
	case rec.state == tipTorn:
		l.log.Warn("the chain tip record is torn, as by a crash or power loss while it was written: ignored and written again",
			"file", path, "problem", rec.why, "height", height)
	case rec.state == tipValid && rec.height < height:
		l.log.Info("the chain tip record lagged the store, as after a crash or power loss: brought up to date",
			"file", path, "recorded", rec.height, "height", height)
	}
}

// checkGenesis checks the store's format and that cons can run the ledger
// the genesis block of db (in dir) records: the same consortium (its name)
// with every organisation the genesis block lists, whose transactions are
// on the chain and which the ledger would otherwise refuse to read or
// submit for. Organisations added since are fine: a consortium grows.
// (rxledger serve checks more before it opens: regulators and public keys.)
func checkGenesis(db *pebble.DB, dir string, cons *Consortium) error {
	recorded, err := genesisConsortium(db, dir)
	if err != nil {
		return err
	}
	if recorded.Name != cons.Name {
		return fmt.Errorf("the ledger in %s was created for consortium %s, not %s", dir, recorded.Name, cons.Name)
	}
	var missing []string
	for _, o := range recorded.Organizations {
		if _, ok := cons.Org(o.MSPID); !ok {
			missing = append(missing, o.MSPID)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the consortium lacks %s, recorded in the genesis block of %s: an organisation stays a member for good", strings.Join(missing, ", "), dir)
	}
	return nil
}

// readTip returns the committed height and last block hash (0 for an empty
// store).
func readTip(r pebble.Reader) (uint64, Hash, error) {
	raw, closer, err := r.Get(tipKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, Hash{}, nil
	}
	if err != nil {
		return 0, Hash{}, fmt.Errorf("read chain tip: %w", err)
	}
	defer closer.Close()
	if len(raw) != 8+32 {
		return 0, Hash{}, fmt.Errorf("read chain tip: %d bytes", len(raw))
	}
	var h Hash
	copy(h[:], raw[8:])
	return binary.BigEndian.Uint64(raw), h, nil
}

// FormatError is returned for a ledger directory written in a storage
// format this build does not read. Such a store is refused, never read
// under the wrong layout.
type FormatError struct {
	Dir   string
	Found uint32 // 1: written before format records existed
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("ledger directory %s has storage format %d; this build reads format %d only "+
		"(format 1 stored a copy of every value in each history record, format 2 stores history as an index into the blocks, "+
		"format 3 adds the DSCSA chaincode's per-block record of commissioned serials, format 4 its index of holdings). "+
		"It was not opened: read or verify it with the build that wrote it, or move it aside and load the data again "+
		"(the demo: remove the data directory's ledger and start with --demo)", e.Dir, e.Found, storeFormat)
}

// checkFormat refuses a store (with a chain tip) written in another storage
// format.
func checkFormat(r pebble.Reader, dir string) error {
	raw, closer, err := r.Get(formatKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return &FormatError{Dir: dir, Found: 1}
	}
	if err != nil {
		return fmt.Errorf("read storage format: %w", err)
	}
	defer closer.Close()
	if len(raw) != 4 {
		return fmt.Errorf("read storage format: %d bytes", len(raw))
	}
	if f := binary.BigEndian.Uint32(raw); f != storeFormat {
		return &FormatError{Dir: dir, Found: f}
	}
	return nil
}

// checkStoredFormat refuses a store already in dir that was written in
// another storage format, for another consortium than cons or one that
// lacks an organisation of its genesis block (checkGenesis), whose
// write-ahead log hides committed blocks (checkWALTail), or that lacks
// blocks its chain tip record says were committed (checkTipRecord), reading
// it read-only: opening a Pebble store for writing replays its log into a
// new table, writes a new manifest and options file and deletes the
// obsolete ones, which a store this build refuses must not undergo (nor
// one whose log is to be examined). A directory without a store, or with a
// store that has no chain tip yet, passes unless its chain tip record names
// blocks. It returns the chain tip record as it found it.
func checkStoredFormat(dir string, opts Options, cons *Consortium) (tipRecord, error) {
	fs := opts.fs
	rec, err := readTipRecord(fs, dir) // before the store (see readTipRecord)
	if err != nil {
		return rec, err
	}
	desc, err := pebble.Peek(dir, fs)
	if err != nil {
		return rec, fmt.Errorf("open store %s: %w", dir, err)
	}
	if !desc.Exists {
		return rec, checkTipRecord(nil, fs, dir, rec, 0, Hash{})
	}
	opts.CacheBytes = scanCacheBytes
	db, err := openStore(dir, opts, true)
	if err != nil {
		return rec, err
	}
	defer db.Close()
	height, tip, err := readTip(db)
	if err != nil {
		return rec, err
	}
	if height == 0 {
		return rec, checkTipRecord(db, fs, dir, rec, 0, Hash{})
	}
	if err := checkGenesis(db, dir, cons); err != nil { // the format, then the consortium
		return rec, err
	}
	if err := checkWALTail(opts.fs, dir, height); err != nil {
		return rec, err
	}
	return rec, checkTipRecord(db, fs, dir, rec, height, tip)
}

// encodeTip encodes the chain tip record.
func encodeTip(height uint64, h Hash) []byte {
	return append(binary.BigEndian.AppendUint64(nil, height), h[:]...)
}

// writeGenesis commits block 0, which records the consortium and nothing
// else, with the storage format version.
func writeGenesis(db *pebble.DB, cons *Consortium) (uint64, Hash, error) {
	g := &Block{Header: Header{Number: 0, Time: time.Now().UTC()}, Config: cons.canonical()}
	raw := g.seal(Hash{})
	h := g.hash()
	b := db.NewBatch()
	defer b.Close()
	if err := b.Set(blockKey(0), raw, nil); err != nil {
		return 0, Hash{}, fmt.Errorf("write genesis: %w", err)
	}
	if err := b.Set(tipKey, encodeTip(1, h), nil); err != nil {
		return 0, Hash{}, fmt.Errorf("write genesis: %w", err)
	}
	if err := b.Set(formatKey, binary.BigEndian.AppendUint32(nil, storeFormat), nil); err != nil {
		return 0, Hash{}, fmt.Errorf("write genesis: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, Hash{}, fmt.Errorf("write genesis: %w", err)
	}
	return 1, h, nil
}

// Failed is closed once the ledger has failed: a block could not be
// committed (the disk full, a write error), and the store, whose state is
// then unknown to it, takes no more. Nothing acknowledged is lost, but the
// ledger commits nothing more until it is opened again: a process serving
// it should stop so that it is restarted (rxledger serve does). Err says
// why.
func (l *Ledger) Failed() <-chan struct{} { return l.failedCh }

// Err is why the ledger failed, or nil.
func (l *Ledger) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// unavailableLocked is the error of a closed or failed ledger; l.mu is held.
func (l *Ledger) unavailableLocked() *ledger.Error {
	if l.failed != nil {
		return ledger.NewError("", problem.Unavailable, l.failed, "embedded ledger failed")
	}
	return ledger.NewError("", problem.Unavailable, nil, "embedded ledger is closed")
}

// newTxID returns a random 128-bit transaction ID in hex.
func newTxID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// execute runs the chaincode on a snapshot, converting a panic to an error.
func (l *Ledger) execute(st *txState, function string, args []string) (res []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = ledger.NewError(st.id, problem.Internal, fmt.Errorf("chaincode panic: %v", p), "chaincode failed")
		}
	}()
	res, err = l.cc(st, function, args)
	if err != nil {
		return nil, chaincodeFailure(st.id, err)
	}
	return res, nil
}

// checkCaller refuses organisations outside the consortium and calls that
// name no function.
func (l *Ledger) checkCaller(org, function string) *ledger.Error {
	if _, ok := l.cons.Org(org); !ok {
		return ledger.NewError("", problem.Forbidden, nil, "organisation %q is not a member of consortium %s", org, l.cons.Name)
	}
	if function == "" {
		return ledger.NewError("", problem.Invalid, nil, "no chaincode function named")
	}
	return nil
}

// Submit executes the transaction as org against the latest state, orders it
// into a block and returns once the block is durably committed. A transaction
// whose reads went stale before it was committed is recorded as invalid and
// returns a Conflict error naming it: retrying may succeed.
func (l *Ledger) Submit(ctx context.Context, org string, t ledger.Transaction) (ledger.Receipt, error) {
	if err := l.checkCaller(org, t.Function); err != nil {
		return ledger.Receipt{}, err
	}
	if err := ctx.Err(); err != nil {
		return ledger.Receipt{}, ledger.NewError("", problem.Unavailable, err, "submit cancelled")
	}
	l.mu.Lock()
	if l.closed || l.failed != nil {
		err := l.unavailableLocked()
		l.mu.Unlock()
		return ledger.Receipt{}, err
	}
	l.inflight.Add(1)
	l.mu.Unlock()

	ex, err := l.executeForCommit(org, t)
	if err != nil {
		l.inflight.Done()
		return ledger.Receipt{}, err
	}
	l.queue <- ex // never blocks for ever: the committer drains the queue until Close
	l.inflight.Done()

	select {
	case res := <-ex.done:
		switch {
		case res.err != nil:
			return ledger.Receipt{}, ledger.NewError(ex.tx.ID, problem.Unavailable, res.err, "the ledger failed while committing; the outcome is unknown until it restarts")
		case res.code != TxValid:
			return ledger.Receipt{}, ledger.NewError(ex.tx.ID, problem.Conflict, nil, "%s in block %d: a key it read changed; retry", res.code, res.block)
		}
		return ledger.Receipt{TxID: ex.tx.ID, Block: res.block, Result: ex.result}, nil
	case <-ctx.Done():
		return ledger.Receipt{}, ledger.NewError(ex.tx.ID, problem.Unavailable, ctx.Err(), "gave up waiting for the commit; the transaction may still commit")
	}
}

// executeForCommit runs a submitted transaction on a snapshot and returns it
// ready for the committer.
func (l *Ledger) executeForCommit(org string, t ledger.Transaction) (*executed, error) {
	l.mu.Lock()
	snapHeight := l.height
	l.mu.Unlock()
	gen, cacheOK := l.values.begin() // before the snapshot (see stateCache)
	snap := l.db.NewSnapshot()
	defer snap.Close()
	st := newTxState(snap, l.cons, newTxID(), time.Now().UTC(), org, t.Transient, false)
	st.useCache(l.values, gen, cacheOK)
	res, err := l.execute(st, t.Function, t.Args)
	if err != nil {
		return nil, err
	}
	ex := st.finish(t.Function, append([]string(nil), t.Args...), res)
	ex.snapHeight = snapHeight
	if err := l.sign(&ex.tx); err != nil {
		return nil, err
	}
	return ex, nil
}

// Evaluate runs a chaincode function as org against the latest committed
// state. Writes the function makes are discarded.
func (l *Ledger) Evaluate(ctx context.Context, org string, function string, args ...string) ([]byte, error) {
	if err := l.checkCaller(org, function); err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.closed || l.failed != nil {
		err := l.unavailableLocked()
		l.mu.Unlock()
		return nil, err
	}
	l.inflight.Add(1) // keeps the store open while we read
	l.mu.Unlock()
	defer l.inflight.Done()
	if err := ctx.Err(); err != nil {
		return nil, ledger.NewError("", problem.Unavailable, err, "evaluate cancelled")
	}
	gen, cacheOK := l.values.begin() // before the snapshot (see stateCache)
	snap := l.db.NewSnapshot()
	defer snap.Close()
	st := newTxState(snap, l.cons, newTxID(), time.Now().UTC(), org, nil, true)
	st.useCache(l.values, gen, cacheOK)
	return l.execute(st, function, args)
}

// Height returns the number of committed blocks.
func (l *Ledger) Height(ctx context.Context) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.failed != nil {
		return 0, l.unavailableLocked()
	}
	return l.height, nil
}

// Tip returns the height and the hash of the last committed block.
func (l *Ledger) Tip() (uint64, Hash) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.height, l.tip
}

// Close stops accepting transactions, commits those already executed, and
// closes the store. Later calls return Unavailable errors.
func (l *Ledger) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.changed)
	l.mu.Unlock()
	l.inflight.Wait()
	close(l.queue)
	<-l.committerDone
	tipErr := l.tipRec.close()
	l.stopStateScan()
	l.values.close()
	if err := guard(l.db.Close); err != nil {
		return fmt.Errorf("close ledger: %w", err)
	}
	if tipErr != nil {
		return fmt.Errorf("close ledger: the chain tip record: %w", tipErr)
	}
	return nil
}

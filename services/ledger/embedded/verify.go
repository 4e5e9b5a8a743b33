package embedded

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// VerifyError says which block a verification failure concerns and what
// differs.
type VerifyError struct {
	Block  uint64
	Detail string
	// Err is the error found, when it has a type of its own (such as a
	// *LostBlocksError).
	Err error
}

func (e *VerifyError) Error() string { return fmt.Sprintf("block %d: %s", e.Block, e.Detail) }

func (e *VerifyError) Unwrap() error { return e.Err }

func badBlock(n uint64, format string, args ...any) *VerifyError {
	return &VerifyError{Block: n, Detail: fmt.Sprintf(format, args...)}
}

// VerifyReport summarises a successful verification.
type VerifyReport struct {
	Height       uint64 // blocks checked
	Tip          Hash   // hash of the last block
	Transactions int    // transactions in all blocks
	Valid        int    // of which valid
	Writes       int    // public writes of valid transactions (= history entries)
	StateKeys    int    // keys in the world state
	PrivateKeys  int    // private values
	// Notes are what an operator should know that is not a failure: a
	// chain tip record that is missing, torn or lags the store.
	Notes []string
}

// Verify checks the ledger stored in dir without changing it (the ledger must
// not be open): it recomputes every block's data and state hashes and the
// hash chain up to the recorded tip, checks that no transaction ID appears
// twice, that the history index holds exactly the valid transactions' writes
// (each record naming its write's place in the block and whether it deleted),
// that the world state is what those writes leave, and that every private
// value is the last one written and hashes to what its block recorded, and
// that no damaged record of the write-ahead log hides the blocks after it
// (checkWALTail), and that the store holds every block the chain tip record
// (TipRecordFile) says was committed, the last one as recorded
// (checkTipRecord). The first problem found is returned as a *VerifyError
// naming the block concerned (wrapping a *LostBlocksError for blocks
// lost). A store Pebble cannot open because a file of it is damaged is a
// *DamagedStoreError.
func Verify(dir string) (*VerifyReport, error) { return VerifyWith(dir, nil) }

// VerifyWith is Verify checking transaction signatures against the public
// keys of cons, an independent copy of the consortium (nil: the consortium
// recorded in the genesis block). Only an independent copy detects a chain
// rewritten by someone without the organisations' private keys; against it,
// a transaction by an organisation it does not list fails too.
func VerifyWith(dir string, cons *Consortium) (*VerifyReport, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	rec, err := readTipRecord(vfs.Default, dir) // before the store (see readTipRecord)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	db, err := openReadOnly(dir)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer db.Close()
	v := &verifier{db: db, dir: dir, cons: cons, members: cons != nil, blocks: make(map[uint64]*verifiedBlock)}
	if err := v.chain(); err != nil {
		return nil, err
	}
	if err := checkWALTail(vfs.Default, dir, v.report.Height); err != nil {
		return nil, err
	}
	if err := checkTipRecord(db, vfs.Default, dir, rec, v.report.Height, v.report.Tip); err != nil {
		var lost *LostBlocksError
		if errors.As(err, &lost) {
			return nil, &VerifyError{Block: lost.FirstMissing(), Err: lost,
				Detail: lost.Detail() + ". The store lost blocks it had acknowledged as committed. " + lost.Advice()}
		}
		return nil, fmt.Errorf("verify: %w", err)
	}
	if note := rec.note(dir, v.report.Height); note != "" {
		v.report.Notes = append(v.report.Notes, note)
	}
	if err := v.state(); err != nil {
		return nil, err
	}
	if v.valueErr != nil {
		return nil, v.valueErr
	}
	if err := v.private(); err != nil {
		return nil, err
	}
	return &v.report, nil
}

type verifier struct {
	db   *pebble.DB
	dir  string
	cons *Consortium // whose keys check signatures
	// members: cons is an independent copy, which must list every creator.
	members bool
	// valueErr is the first state value found (in the chain pass) to differ
	// from the write its version names; it is reported after the state pass,
	// which names a wrong version or presence more precisely.
	valueErr *VerifyError
	report   VerifyReport
	blocks   map[uint64]*verifiedBlock // a small cache for the state pass
}

// verifiedBlock indexes a block's valid writes by key.
type verifiedBlock struct {
	b       *Block
	writes  []map[string]*Write
	private []map[[2]string]Hash
}

// chain checks the blocks, their hashes and links, and the tip.
func (v *verifier) chain() error {
	height, tip, err := readTip(v.db)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if height == 0 {
		return errors.New("verify: no chain tip: not a ledger directory, or an empty one")
	}
	if err := checkFormat(v.db, v.dir); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	seen := make(map[string]uint64)
	var prev Hash
	for n := uint64(0); n < height; n++ {
		raw, closer, err := v.db.Get(blockKey(n))
		if errors.Is(err, pebble.ErrNotFound) {
			return badBlock(n, "missing (the chain tip says height %d)", height)
		}
		if err != nil {
			return fmt.Errorf("verify: read block %d: %w", n, err)
		}
		b, derr := decodeBlock(bytes.Clone(raw))
		closer.Close()
		if derr != nil {
			return badBlock(n, "cannot be decoded: %v", derr)
		}
		switch {
		case b.Number != n:
			return badBlock(n, "header says number %d", b.Number)
		case b.PrevHash != prev:
			return badBlock(n, "previous-block hash %s, but block %d hashes to %s", b.PrevHash, n-1, prev)
		case b.DataHash != sha256.Sum256(b.data):
			return badBlock(n, "transactions do not match the header's data hash")
		case b.StateHash != stateHash(b.Txs):
			return badBlock(n, "validation codes or writes do not match the header's state hash")
		case int(b.TxCount) != len(b.Txs):
			return badBlock(n, "header counts %d transactions, block holds %d", b.TxCount, len(b.Txs))
		}
		if n == 0 {
			genesis, err := ParseConsortium(b.Config)
			if err != nil {
				return badBlock(0, "genesis consortium: %v", err)
			}
			if v.cons == nil {
				v.cons = genesis
			}
		}
		pos, err := dataPositions(b.data)
		if err != nil {
			return badBlock(n, "%v", err)
		}
		for i, tx := range b.Txs {
			if err := checkSignature(v.cons, &tx, v.members); err != nil {
				return badBlock(n, "%v", err)
			}
			if first, dup := seen[tx.ID]; dup {
				return badBlock(n, "transaction %s (index %d) already in block %d", tx.ID, i, first)
			}
			seen[tx.ID] = n
			v.report.Transactions++
			if tx.Code != TxValid {
				continue
			}
			v.report.Valid++
			v.report.Writes += len(tx.Writes)
			ver := Version{Block: n, Tx: uint32(i)}
			for wi := range tx.Writes {
				if err := v.historyOf(ver, &tx, wi, pos); err != nil {
					return err
				}
				if err := v.stateValueOf(ver, &tx.Writes[wi]); err != nil {
					return err
				}
			}
			for pi := range tx.PrivateWrites {
				if err := v.privateOf(ver, &tx.PrivateWrites[pi]); err != nil {
					return err
				}
			}
		}
		prev = b.hash()
	}
	if prev != tip {
		return badBlock(height-1, "hashes to %s, but the chain tip records %s", prev, tip)
	}
	if _, closer, err := v.db.Get(blockKey(height)); err == nil {
		closer.Close()
		return badBlock(height, "stored beyond the chain tip (height %d)", height)
	}
	v.report.Height, v.report.Tip = height, tip
	return nil
}

// block returns a decoded, indexed block from a small cache.
func (v *verifier) block(n uint64) (*verifiedBlock, error) {
	if vb, ok := v.blocks[n]; ok {
		return vb, nil
	}
	if n >= v.report.Height {
		return nil, badBlock(n, "referenced by the state, but beyond the chain")
	}
	b, err := readBlock(v.db, n)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if len(v.blocks) >= 64 {
		clear(v.blocks)
	}
	vb := &verifiedBlock{b: b, writes: make([]map[string]*Write, len(b.Txs)), private: make([]map[[2]string]Hash, len(b.Txs))}
	v.blocks[n] = vb
	return vb, nil
}

// write returns the write of key by transaction at, if that transaction is
// valid and wrote it.
func (v *verifier) write(at Version, key string) (*Write, error) {
	vb, err := v.block(at.Block)
	if err != nil {
		return nil, err
	}
	if int(at.Tx) >= len(vb.b.Txs) || vb.b.Txs[at.Tx].Code != TxValid {
		return nil, nil
	}
	m := vb.writes[at.Tx]
	if m == nil {
		tx := &vb.b.Txs[at.Tx]
		m = make(map[string]*Write, len(tx.Writes))
		for i := range tx.Writes {
			m[tx.Writes[i].Key] = &tx.Writes[i]
		}
		vb.writes[at.Tx] = m
	}
	return m[key], nil
}

// historyOf checks that write wi of a valid transaction has its history
// record, pointing to that write and its transaction in the block (pos) and
// saying whether it deleted. Walking the blocks in order makes these lookups
// follow each transaction's sorted writes, which keeps them cache-friendly
// at any ledger size.
func (v *verifier) historyOf(at Version, tx *Tx, wi int, pos *positions) error {
	w := &tx.Writes[wi]
	raw, closer, err := v.db.Get(historyKey(w.Key, at))
	if errors.Is(err, pebble.ErrNotFound) {
		return badBlock(at.Block, "transaction %d wrote %q, but the history has no record of it", at.Tx, w.Key)
	}
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	same := bytes.Equal(raw, encodeHistory(pos.writes[at.Tx][wi], pos.tx[at.Tx], w.Delete))
	closer.Close()
	if !same {
		return badBlock(at.Block, "history of %q differs from transaction %d (%s): it does not point to its write %d", w.Key, at.Tx, tx.ID, wi)
	}
	return nil
}

// stateValueOf checks the state value of a key a valid transaction wrote, if
// the state still has the version of that write. With the state pass (each
// state key has the version of its last write) this checks every state value
// against the blocks in one ordered pass over them.
func (v *verifier) stateValueOf(at Version, w *Write) error {
	if w.Delete || v.valueErr != nil {
		return nil
	}
	raw, closer, err := v.db.Get(stateKey(w.Key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil // the state pass tells whether it should be there
	}
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer closer.Close()
	ver, val, err := splitVersioned(raw)
	if err != nil {
		return badBlock(at.Block, "state value of %q: %v", w.Key, err)
	}
	if ver == at && !bytes.Equal(val, w.Value) {
		v.valueErr = badBlock(at.Block, "state value of %q differs from what transaction %d wrote", w.Key, at.Tx)
	}
	return nil
}

// privateOf checks that the private value a valid transaction wrote is
// still stored, in the version of that write or of a later one. With the
// private pass (each stored value must hash to what the write its version
// names recorded) this finds a private value removed, or put back as an
// older write left it: private values are never deleted.
func (v *verifier) privateOf(at Version, p *PrivateWrite) error {
	raw, closer, err := v.db.Get(privateKey(p.Collection, p.Key))
	if errors.Is(err, pebble.ErrNotFound) {
		return badBlock(at.Block, "private %s/%q, which transaction %d wrote, is missing", p.Collection, p.Key, at.Tx)
	}
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer closer.Close()
	stored, _, err := splitVersioned(raw)
	if err != nil {
		return badBlock(at.Block, "private %s/%q: %v", p.Collection, p.Key, err)
	}
	if stored.Block < at.Block || stored.Block == at.Block && stored.Tx < at.Tx {
		return badBlock(at.Block, "private %s/%q has version %s, older than the write of transaction %d", p.Collection, p.Key, stored, at.Tx)
	}
	return nil
}

// state walks the history and the world state together, in key order: each
// key's state must exist unless its last write deleted it, with that write's
// version (the chain pass has compared the values). The chain pass has
// matched every valid write to its history record; here the record count
// must match too, so the history holds nothing else.
func (v *verifier) state() error {
	hist, err := v.db.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceHistory}, UpperBound: []byte{spaceHistory + 1}})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer hist.Close()
	st, err := v.db.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceState}, UpperBound: []byte{spaceState + 1}})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer st.Close()
	stOK := st.First()

	// stateWithoutHistory reports a state key no history explains.
	stateWithoutHistory := func() error {
		ver, _, err := splitVersioned(st.Value())
		if err != nil {
			return badBlock(0, "state key %q: %v", st.Key()[1:], err)
		}
		return badBlock(ver.Block, "state key %q (version %s) was never written by a valid transaction", st.Key()[1:], ver)
	}

	entries := 0
	hOK := hist.First()
	for hOK {
		key, _, err := parseHistoryKey(hist.Key())
		if err != nil {
			return badBlock(0, "%v", err)
		}
		var last Version
		var lastDel bool
		for ; hOK; hOK = hist.Next() {
			k, ver, err := parseHistoryKey(hist.Key())
			if err != nil {
				return badBlock(0, "%v", err)
			}
			if k != key {
				break
			}
			entries++
			last = ver
			if _, _, lastDel, err = decodeHistory(hist.Value()); err != nil {
				return badBlock(ver.Block, "history of %q: %v", key, err)
			}
		}
		want := stateKey(key)
		if stOK && bytes.Compare(st.Key(), want) < 0 {
			return stateWithoutHistory()
		}
		present := stOK && bytes.Equal(st.Key(), want)
		switch {
		case lastDel && present:
			return badBlock(last.Block, "state holds %q, which transaction %d deleted", key, last.Tx)
		case !lastDel && !present:
			return badBlock(last.Block, "state lacks %q, which transaction %d wrote", key, last.Tx)
		case present:
			ver, _, err := splitVersioned(st.Value())
			if err != nil {
				return badBlock(last.Block, "state value of %q: %v", key, err)
			}
			if ver != last {
				return badBlock(last.Block, "state of %q has version %s, but its last write is %s", key, ver, last)
			}
			v.report.StateKeys++
			stOK = st.Next()
		}
	}
	if err := hist.Error(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if stOK {
		return stateWithoutHistory()
	}
	if err := st.Error(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if entries != v.report.Writes {
		return v.findInventedHistory()
	}
	return nil
}

// findInventedHistory names the block of the first history record that no
// valid write explains (run only when the counts disagree).
func (v *verifier) findInventedHistory() error {
	it, err := v.db.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceHistory}, UpperBound: []byte{spaceHistory + 1}})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		key, ver, err := parseHistoryKey(it.Key())
		if err != nil {
			return badBlock(0, "%v", err)
		}
		w, err := v.write(ver, key)
		if err != nil {
			return err
		}
		if w == nil {
			return badBlock(ver.Block, "history of %q names transaction %d, which did not validly write it", key, ver.Tx)
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	return badBlock(v.report.Height-1, "history holds a different number of records than the blocks have writes")
}

// private checks every private value against the hash its block recorded.
func (v *verifier) private() error {
	it, err := v.db.NewIter(&pebble.IterOptions{LowerBound: []byte{spacePrivate}, UpperBound: []byte{spacePrivate + 1}})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		coll, key, err := parsePrivateKey(it.Key())
		if err != nil {
			return badBlock(0, "%v", err)
		}
		ver, val, err := splitVersioned(it.Value())
		if err != nil {
			return badBlock(0, "private %s/%q: %v", coll, key, err)
		}
		vb, err := v.block(ver.Block)
		if err != nil {
			return err
		}
		if int(ver.Tx) >= len(vb.b.Txs) || vb.b.Txs[ver.Tx].Code != TxValid {
			return badBlock(ver.Block, "private %s/%q names transaction %d, which is not a valid one", coll, key, ver.Tx)
		}
		m := vb.private[ver.Tx]
		if m == nil {
			m = make(map[[2]string]Hash)
			for _, p := range vb.b.Txs[ver.Tx].PrivateWrites {
				m[[2]string{p.Collection, p.Key}] = p.ValueHash
			}
			vb.private[ver.Tx] = m
		}
		h, ok := m[[2]string{coll, key}]
		if !ok {
			return badBlock(ver.Block, "private %s/%q was not written by transaction %d", coll, key, ver.Tx)
		}
		if h != sha256.Sum256(val) {
			return badBlock(ver.Block, "private %s/%q does not match the hash transaction %d recorded", coll, key, ver.Tx)
		}
		v.report.PrivateKeys++
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	return nil
}

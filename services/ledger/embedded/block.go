package embedded

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// ValidationCode says what the committer decided about a transaction, as in
// Fabric's transaction filter: only valid transactions change the state.
type ValidationCode uint8

// The validation codes.
const (
	TxValid           ValidationCode = 0 // committed; its writes are in the state
	TxMVCCConflict    ValidationCode = 1 // a key it read changed before it was committed
	TxPhantomConflict ValidationCode = 2 // a range it read gained, lost or changed keys
)

func (c ValidationCode) String() string {
	switch c {
	case TxValid:
		return "VALID"
	case TxMVCCConflict:
		return "MVCC_READ_CONFLICT"
	case TxPhantomConflict:
		return "PHANTOM_READ_CONFLICT"
	default:
		return fmt.Sprintf("CODE_%d", uint8(c))
	}
}

// Hash is a SHA-256 digest.
type Hash [sha256.Size]byte

func (h Hash) String() string { return fmt.Sprintf("%x", h[:]) }

// Write is one public write of a transaction.
type Write struct {
	Key    string
	Value  []byte // nil when Delete
	Delete bool
}

// PrivateWrite is one private write as the block records it: only the hash
// of the value; the value itself is in the private keyspace.
type PrivateWrite struct {
	Collection string
	Key        string
	ValueHash  Hash
}

// Event is a transaction's chaincode event.
type Event struct {
	Name    string
	Payload []byte
}

// Tx is a transaction as recorded in a block.
type Tx struct {
	ID            string
	Creator       string // MSP ID
	Time          time.Time
	Function      string
	Args          []string
	Writes        []Write
	PrivateWrites []PrivateWrite
	Event         *Event // nil when the transaction set none
	// Signature is the creator's ed25519 signature of the transaction's
	// signing digest, when the consortium gives the creator a key.
	Signature []byte
	Code      ValidationCode
}

// Header is a block header. The block's hash is the SHA-256 of its encoded
// header, so it covers the previous block's hash, the transactions (DataHash)
// and what they did to the state (StateHash).
type Header struct {
	Number    uint64
	PrevHash  Hash
	DataHash  Hash // SHA-256 of the encoded config and transactions (without validation codes)
	StateHash Hash // SHA-256 of the validation codes and the valid transactions' writes
	Time      time.Time
	TxCount   uint32
}

// Block is a committed block. Config is set only in the genesis block: the
// canonical consortium the ledger was created with.
type Block struct {
	Header
	Config []byte
	Txs    []Tx
}

func (h *Header) encode() []byte {
	e := encoder{b: make([]byte, 0, 8+3*32+8+4)}
	e.u64(h.Number)
	e.fixed(h.PrevHash[:])
	e.fixed(h.DataHash[:])
	e.fixed(h.StateHash[:])
	e.u64(uint64(h.Time.UnixNano()))
	e.u32(h.TxCount)
	return e.b
}

const headerLen = 8 + 3*32 + 8 + 4

// hash returns the block hash: the SHA-256 of the encoded header.
func (h *Header) hash() Hash { return sha256.Sum256(h.encode()) }

func decodeHeader(d *decoder) Header {
	var h Header
	h.Number = d.u64()
	copy(h.PrevHash[:], d.take(32))
	copy(h.DataHash[:], d.take(32))
	copy(h.StateHash[:], d.take(32))
	h.Time = time.Unix(0, int64(d.u64())).UTC()
	h.TxCount = d.u32()
	return h
}

// encodeTxBody appends a transaction without its validation code: the
// signed content, then the signature. It returns where its writes and
// private writes are in e.b (see encodeTxSigned), and appends where each
// write starts to *writeAt unless it is nil.
func encodeTxBody(e *encoder, tx *Tx, writeAt *[]int) (deltaStart, deltaEnd int) {
	deltaStart, deltaEnd = encodeTxSigned(e, tx, writeAt)
	e.bytes(tx.Signature)
	return deltaStart, deltaEnd
}

// signingDigest is what a transaction's creator signs: the SHA-256 of
// everything the block records of it but the signature and validation code.
func (tx *Tx) signingDigest() Hash {
	e := encoder{}
	encodeTxSigned(&e, tx, nil)
	return sha256.Sum256(e.b)
}

// encodeTxSigned appends the signed content of a transaction. It returns
// where its writes and private writes are in e.b: that span is encoded as
// encodeStateDelta encodes them after the transaction index, so a block's
// StateHash can hash it without encoding the writes again.
func encodeTxSigned(e *encoder, tx *Tx, writeAt *[]int) (deltaStart, deltaEnd int) {
	e.str(tx.ID)
	e.str(tx.Creator)
	e.u64(uint64(tx.Time.UnixNano()))
	e.str(tx.Function)
	e.uvarint(uint64(len(tx.Args)))
	for _, a := range tx.Args {
		e.str(a)
	}
	deltaStart = len(e.b)
	encodeWrites(e, tx, writeAt)
	deltaEnd = len(e.b)
	if tx.Event == nil {
		e.u8(0)
		return deltaStart, deltaEnd
	}
	e.u8(1)
	e.str(tx.Event.Name)
	e.bytes(tx.Event.Payload)
	return deltaStart, deltaEnd
}

// encodeWrites appends a transaction's writes and private writes (values by
// hash), and where each write starts to *writeAt unless it is nil.
func encodeWrites(e *encoder, tx *Tx, writeAt *[]int) {
	e.uvarint(uint64(len(tx.Writes)))
	for _, w := range tx.Writes {
		if writeAt != nil {
			*writeAt = append(*writeAt, len(e.b))
		}
		e.str(w.Key)
		if w.Delete {
			e.u8(1)
			continue
		}
		e.u8(0)
		e.bytes(w.Value)
	}
	e.uvarint(uint64(len(tx.PrivateWrites)))
	for _, p := range tx.PrivateWrites {
		e.str(p.Collection)
		e.str(p.Key)
		e.fixed(p.ValueHash[:])
	}
}

func decodeTxBody(d *decoder) Tx {
	var tx Tx
	tx.ID = d.str()
	tx.Creator = d.str()
	tx.Time = time.Unix(0, int64(d.u64())).UTC()
	tx.Function = d.str()
	if n := d.count(); n > 0 {
		tx.Args = make([]string, n)
		for i := range tx.Args {
			tx.Args[i] = d.str()
		}
	}
	if n := d.count(); n > 0 {
		tx.Writes = make([]Write, n)
		for i := range tx.Writes {
			w := &tx.Writes[i]
			w.Key = d.str()
			switch d.u8() {
			case 0:
				w.Value = d.bytes()
			case 1:
				w.Delete = true
			default:
				d.fail(fmt.Errorf("bad write flag"))
			}
		}
	}
	if n := d.count(); n > 0 {
		tx.PrivateWrites = make([]PrivateWrite, n)
		for i := range tx.PrivateWrites {
			p := &tx.PrivateWrites[i]
			p.Collection = d.str()
			p.Key = d.str()
			copy(p.ValueHash[:], d.take(32))
		}
	}
	switch d.u8() {
	case 0:
	case 1:
		tx.Event = &Event{Name: d.str(), Payload: d.bytes()}
	default:
		d.fail(fmt.Errorf("bad event flag"))
	}
	if sig := d.bytes(); len(sig) > 0 {
		tx.Signature = sig
	}
	return tx
}

// encodeStateDelta appends what a valid transaction did to the state.
func encodeStateDelta(e *encoder, index int, tx *Tx) {
	e.u32(uint32(index))
	encodeWrites(e, tx, nil)
}

// stateHash computes a block's StateHash from its transactions.
func stateHash(txs []Tx) Hash {
	e := encoder{}
	for _, tx := range txs {
		e.u8(uint8(tx.Code))
	}
	h := sha256.New()
	h.Write(e.b)
	for i := range txs {
		if txs[i].Code != TxValid {
			continue
		}
		e.b = e.b[:0]
		encodeStateDelta(&e, i, &txs[i])
		h.Write(e.b)
	}
	var out Hash
	h.Sum(out[:0])
	return out
}

// seal fills the block's header hashes and encodes it for storage: the
// header, then the data region (config and transaction bodies, covered by
// DataHash), then the validation codes.
func (b *Block) seal(prev Hash) []byte {
	data := b.sealData(prev, nil, nil)
	return b.appendStored(make([]byte, 0, b.storedLen(data)), data)
}

// positions are where the transactions and their writes are in a block's
// data region (offsets from its start): what history records point to.
type positions struct {
	tx     []int   // start of each transaction body
	writes [][]int // start of each write, by transaction
	flat   []int   // storage of writes
}

func (p *positions) reset() {
	p.tx, p.writes, p.flat = p.tx[:0], p.writes[:0], p.flat[:0]
}

// split fills p.writes from p.flat once every write is appended, given
// where each transaction's writes start in p.flat.
func (p *positions) split(first []int) {
	for i := range first {
		end := len(p.flat)
		if i+1 < len(first) {
			end = first[i+1]
		}
		p.writes = append(p.writes, p.flat[first[i]:end:end])
	}
}

// sealData fills the block's header (previous hash, transaction count, data
// and state hashes) and returns its data region, encoded in buf's storage,
// and fills pos (unless nil) with where its transactions and writes are.
// The state hash is computed from the encoded writes as they are appended
// (the same bytes stateHash encodes).
func (b *Block) sealData(prev Hash, buf []byte, pos *positions) []byte {
	b.PrevHash = prev
	b.TxCount = uint32(len(b.Txs))
	data := encoder{b: buf[:0]}
	data.bytes(b.Config)
	data.uvarint(uint64(len(b.Txs)))
	sh := sha256.New()
	codes := make([]byte, len(b.Txs))
	for i := range b.Txs {
		codes[i] = uint8(b.Txs[i].Code)
	}
	sh.Write(codes)
	var index [4]byte
	var writeAt *[]int
	var first []int
	if pos != nil {
		pos.reset()
		writeAt = &pos.flat
		first = make([]int, len(b.Txs))
	}
	for i := range b.Txs {
		if pos != nil {
			pos.tx = append(pos.tx, len(data.b))
			first[i] = len(pos.flat)
		}
		start, end := encodeTxBody(&data, &b.Txs[i], writeAt)
		if b.Txs[i].Code == TxValid {
			binary.BigEndian.PutUint32(index[:], uint32(i))
			sh.Write(index[:])
			sh.Write(data.b[start:end])
		}
	}
	sh.Sum(b.StateHash[:0])
	b.DataHash = sha256.Sum256(data.b)
	if pos != nil {
		pos.split(first)
	}
	return data.b
}

// storedLen is the length of the stored block with data region data.
func (b *Block) storedLen(data []byte) int {
	return headerLen + uvarintLen(uint64(len(data))) + len(data) + uvarintLen(uint64(len(b.Txs))) + len(b.Txs)
}

func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// appendStored appends the stored form of a sealed block with data region
// data: header, data region, validation codes.
func (b *Block) appendStored(dst, data []byte) []byte {
	out := encoder{b: dst}
	out.fixed(b.Header.encode())
	out.bytes(data)
	out.uvarint(uint64(len(b.Txs)))
	for _, tx := range b.Txs {
		out.u8(uint8(tx.Code))
	}
	return out.b
}

// decodedBlock is a stored block with the raw data region kept for hashing.
type decodedBlock struct {
	Block
	data []byte
}

// decodeBlock decodes a stored block. The returned block refers to raw, which
// must not change afterwards.
func decodeBlock(raw []byte) (*decodedBlock, error) {
	d := &decoder{b: raw}
	b := &decodedBlock{}
	b.Header = decodeHeader(d)
	b.data = d.bytes()
	n := d.count()
	codes := d.take(n)
	if err := d.done(); err != nil {
		return nil, fmt.Errorf("decode block: %w", err)
	}
	dd := &decoder{b: b.data}
	b.Config = dd.bytes()
	if cnt := dd.count(); cnt != n {
		return nil, fmt.Errorf("decode block: %d transactions but %d validation codes", cnt, n)
	}
	b.Txs = make([]Tx, n)
	for i := range b.Txs {
		b.Txs[i] = decodeTxBody(dd)
		b.Txs[i].Code = ValidationCode(codes[i])
	}
	if err := dd.done(); err != nil {
		return nil, fmt.Errorf("decode block transactions: %w", err)
	}
	return b, nil
}

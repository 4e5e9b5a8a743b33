package chaincode

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Commissioning is recorded per block of serials, not per serial.
//
// A serial whose last three characters are digits belongs to the block of
// the thousand serials that share everything before them (its stem):
// 100000 to 100999 make one block, ABC000 to ABC999 another. Any other
// serial has a block of its own. A block's record (serialBlock, key
// sblk~<gtin>~<stem>~ or sblk~<gtin>~<serial>~! for a serial of its own)
// lists, in segments, which of its serials were commissioned, by which
// transaction, into which lot, for whom. A serial's own record
// (serial~<gtin>~<serial>) is written only once its record differs from
// what its segment says: when it moves, is packed, investigated and so on.
//
// So a batch of 1,000 consecutive serials writes one or two block keys
// instead of 1,000 serial keys and 1,000 lot index keys. On Fabric every key
// a transaction reads or writes is checked and written by every peer, which
// bounds commissioning with one key per serial at a few thousand serials a
// second on a small network (deploy/fabric/RESULTS.md); a key per block takes
// that bound away.
//
// The rules hold as before:
//   - a serial is commissioned once: commissioning reads the serial's block
//     and refuses a serial its segments list. Two transactions commissioning
//     into the same block read and write the same key, so the second to
//     commit fails MVCC validation;
//   - reading a serial reads its block first, and its own record only if
//     the block lists it (a serial the block does not list has no record:
//     its record is written only after commissioning, which changes the
//     block). A serial with a record of its own is read from that record;
//   - custody history starts with the commissioning segment (its
//     transaction and block) and continues with the serial's own record.

// blockPlace says where a serial's commissioning is recorded: the suffix of
// its block's key after "sblk~<gtin>~" and its offset in the block, -1 for a
// serial with a block of its own.
type blockPlace struct {
	suffix string
	offset int
}

// placeOf returns the block of a serial.
func placeOf(serial string) blockPlace {
	n := len(serial)
	if n >= 3 && isDigit(serial[n-1]) && isDigit(serial[n-2]) && isDigit(serial[n-3]) {
		off := int(serial[n-3]-'0')*100 + int(serial[n-2]-'0')*10 + int(serial[n-1]-'0')
		return blockPlace{suffix: serial[:n-3] + "~", offset: off}
	}
	return blockPlace{suffix: serial + "~!", offset: -1}
}

// serialAt returns the serial at offset off of the block with key suffix
// suffix (off is ignored for a serial's own block).
func serialAt(suffix string, off int) string {
	if stem, ok := strings.CutSuffix(suffix, "~!"); ok {
		return stem
	}
	stem := suffix[:len(suffix)-1]
	return stem + string([]byte{byte('0' + off/100), byte('0' + off/10%10), byte('0' + off%10)})
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// serialBlock is the world-state record of one block of serials: one
// segment per commissioning transaction that added serials to it.
type serialBlock struct {
	Segs []blockSeg `json:"segs"`
}

// blockSeg is what one transaction commissioned into a block: the members,
// and the record each of them starts with.
type blockSeg struct {
	TxID           string    `json:"tx"`
	Time           time.Time `json:"time"`
	Owner          string    `json:"owner"`
	Lot            string    `json:"lot"`
	Expiry         string    `json:"expiry"`
	Transformation string    `json:"transformation,omitempty"`
	// Members are the offsets commissioned, as sorted ranges and single
	// offsets ("0-999", "5,17,200-299"); empty in a serial's own block.
	Members string `json:"members,omitempty"`
	// Own marks the one segment whose members were commissioned with a
	// record of their own (every other field is empty): once a block has
	// maxSegs segments, further commissionings go there, so that serials
	// commissioned one transaction at a time do not grow the block by a
	// segment each.
	Own bool `json:"own,omitempty"`
	// Lots are the lots of the Own segment's members, sorted: the block
	// is in the lot index of each.
	Lots []string `json:"lots,omitempty"`
}

// maxSegs is how many segments a block keeps before new commissionings
// into it write records of their own (listed in its Own segment).
const maxSegs = 8

// record is the record a member of the segment has until it changes.
func (g *blockSeg) record(gtin, serial string) *SerialRecord {
	return &SerialRecord{GTIN: gtin, Serial: serial, Lot: g.Lot, Expiry: g.Expiry, Transformation: g.Transformation,
		Custody: Custody{Owner: g.Owner, Status: StatusActive, Updated: g.Time}}
}

// has reports whether the segment lists offset off (-1: a serial's own block).
func (g *blockSeg) has(off int) bool {
	if off < 0 {
		return g.Members == ""
	}
	found := false
	eachRange(g.Members, func(lo, hi int) bool {
		found = lo <= off && off <= hi
		return !found && hi < off
	})
	return found
}

// find returns the segment listing offset off, or nil.
func (b *serialBlock) find(off int) *blockSeg {
	if b == nil {
		return nil
	}
	for i := range b.Segs {
		if b.Segs[i].has(off) {
			return &b.Segs[i]
		}
	}
	return nil
}

// eachRange calls fn with each range of members (a single offset is a
// range of one) in increasing order until it returns false. Malformed text
// ends the walk (records are written by encodeMembers only).
func eachRange(members string, fn func(lo, hi int) bool) {
	for members != "" {
		part, rest, _ := strings.Cut(members, ",")
		members = rest
		a, b, isRange := strings.Cut(part, "-")
		lo, err := strconv.Atoi(a)
		if err != nil {
			return
		}
		hi := lo
		if isRange {
			if hi, err = strconv.Atoi(b); err != nil {
				return
			}
		}
		if !fn(lo, hi) {
			return
		}
	}
}

// eachMember calls fn with each offset of members in increasing order until
// it returns false.
func eachMember(members string, fn func(off int) bool) {
	eachRange(members, func(lo, hi int) bool {
		for o := lo; o <= hi; o++ {
			if !fn(o) {
				return false
			}
		}
		return true
	})
}

// encodeMembers writes sorted, distinct offsets as ranges and single offsets.
func encodeMembers(offs []int) string {
	var b []byte
	for i := 0; i < len(offs); {
		j := i
		for j+1 < len(offs) && offs[j+1] == offs[j]+1 {
			j++
		}
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(offs[i]), 10)
		if j > i {
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(offs[j]), 10)
		}
		i = j + 1
	}
	return string(b)
}

// blockState is a block in the transaction's overlay: its stored record
// (nil when absent) and the segments this transaction adds to it.
type blockState struct {
	key   string
	rec   *serialBlock
	added []*addedSeg
}

// addedSeg is a segment being commissioned by this transaction.
type addedSeg struct {
	seg  blockSeg
	offs []int
}

var blockCache = decodeCache[serialBlock]{clone: func(b *serialBlock) *serialBlock {
	return &serialBlock{Segs: slices.Clone(b.Segs)}
}, fast: fastDecodeBlock}

// block loads the block of gtin with key suffix suffix into the overlay.
func (tx *txn) block(gtin, suffix string) (*blockState, error) {
	key := blockKey(gtin, suffix)
	if b, ok := tx.blocks[key]; ok {
		return b, nil
	}
	raw, err := tx.st.GetState(key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	b := &blockState{key: key}
	if raw != nil {
		if b.rec, err = blockCache.decode(raw); err != nil {
			return nil, fmt.Errorf("decode %s: %w", key, err)
		}
	}
	setMap(&tx.blocks, key, b)
	return b, nil
}

// commissionInto records a new serial in its block: in the segment this
// transaction adds for the serial's starting record, made on first use. It
// returns the segment, whose record the serial starts with, or nil when
// the block is full of segments and the serial needs a record of its own
// (it is listed in the block's Own segment).
func (tx *txn) commissionInto(b *blockState, place blockPlace, start *SerialRecord) *blockSeg {
	want := blockSeg{TxID: tx.st.TxID(), Time: tx.now, Owner: start.Owner, Lot: start.Lot, Expiry: start.Expiry,
		Transformation: start.Transformation}
	var a *addedSeg
	for _, s := range b.added {
		if s.seg.sameStart(&want) {
			a = s
			break
		}
	}
	if a == nil && b.segments() >= maxSegs {
		want = blockSeg{Own: true}
		for _, s := range b.added {
			if s.seg.Own {
				a = s
				break
			}
		}
	}
	if a == nil {
		if len(b.added) == 0 {
			tx.dirtyBlocks = append(tx.dirtyBlocks, b)
		}
		a = &addedSeg{seg: want}
		b.added = append(b.added, a)
	}
	if place.offset >= 0 {
		a.offs = append(a.offs, place.offset)
	}
	if want.Own {
		if !slices.Contains(a.seg.Lots, start.Lot) {
			a.seg.Lots = append(a.seg.Lots, start.Lot)
		}
		return nil
	}
	return &a.seg
}

// sameStart reports whether two segments give their members the same
// starting record.
func (g *blockSeg) sameStart(o *blockSeg) bool {
	return g.TxID == o.TxID && g.Time.Equal(o.Time) && g.Owner == o.Owner && g.Lot == o.Lot && g.Expiry == o.Expiry &&
		g.Transformation == o.Transformation && g.Own == o.Own
}

// indexed reports whether the block is already in the lot index of lot:
// some stored segment lists a serial of that lot.
func (b *blockState) indexed(lot string) bool {
	if b.rec == nil {
		return false
	}
	for _, g := range b.rec.Segs {
		if g.Lot == lot || g.Own && slices.Contains(g.Lots, lot) {
			return true
		}
	}
	return false
}

// segments counts the block's segments, stored and added, other than its
// Own segment.
func (b *blockState) segments() int {
	n := 0
	if b.rec != nil {
		for _, g := range b.rec.Segs {
			if !g.Own {
				n++
			}
		}
	}
	for _, a := range b.added {
		if !a.seg.Own {
			n++
		}
	}
	return n
}

// encode returns the block's record with the segments this transaction
// added; serials added to the Own segment join its stored members.
func (b *blockState) encode() ([]byte, error) {
	out := serialBlock{}
	if b.rec != nil {
		out.Segs = slices.Clone(b.rec.Segs)
	}
	for _, a := range b.added {
		g := a.seg
		if g.Own {
			i := slices.IndexFunc(out.Segs, func(g blockSeg) bool { return g.Own })
			if i >= 0 {
				eachMember(out.Segs[i].Members, func(off int) bool {
					a.offs = append(a.offs, off)
					return true
				})
				g.Lots = append(slices.Clone(out.Segs[i].Lots), g.Lots...)
				out.Segs = slices.Delete(out.Segs, i, i+1)
			}
			slices.Sort(g.Lots)
			g.Lots = slices.Compact(g.Lots)
		}
		slices.Sort(a.offs)
		g.Members = encodeMembers(slices.Compact(a.offs))
		out.Segs = append(out.Segs, g)
	}
	return json.Marshal(&out)
}

// serialIn returns the current record of the serial at offset off of block
// b whose segment is g: the overlay's, else its own stored record, else
// its segment's.
func (tx *txn) serialIn(gtin, suffix string, off int, g *blockSeg) (*SerialRecord, error) {
	serial := serialAt(suffix, off)
	key := serialKey(gtin, serial)
	if it, ok := tx.items[key]; ok {
		return it.serial, nil
	}
	s, _, err := tx.storedSerial(gtin, serial, g)
	return s, err
}

// storedSerial reads the record of a serial its block lists in segment g: its
// own stored record when it has one (own), else g's.
func (tx *txn) storedSerial(gtin, serial string, g *blockSeg) (s *SerialRecord, own bool, err error) {
	key := serialKey(gtin, serial)
	raw, err := tx.st.GetState(key)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", key, err)
	}
	if raw == nil {
		if g.Own {
			return nil, false, fmt.Errorf("block lists %s with a record of its own, which is missing", key)
		}
		return g.record(gtin, serial), false, nil
	}
	s = new(SerialRecord)
	if err := decodeSerial(raw, s); err != nil {
		return nil, false, fmt.Errorf("decode %s: %w", key, err)
	}
	return s, true, nil
}

// eachSerial calls fn with the current record of every serial of gtin
// commissioned before this transaction (of lot only, when lot is not
// empty), block by block, until fn returns false. All of a GTIN's blocks
// are read by the range over them, with their values; a lot's come from
// its index.
func (tx *txn) eachSerial(gtin, lot string, fn func(s *SerialRecord) (bool, error)) error {
	if lot == "" {
		prefix := blockPrefix(gtin)
		err := tx.st.Range(prefix, prefix+keyEnd, func(key string, value []byte) (bool, error) {
			b, ok := tx.blocks[key]
			if !ok {
				rec, err := blockCache.decode(value)
				if err != nil {
					return false, fmt.Errorf("decode %s: %w", key, err)
				}
				b = &blockState{key: key, rec: rec}
				setMap(&tx.blocks, key, b)
			}
			return tx.eachInBlock(blockRef{gtin, key[len(prefix):]}, b, "", fn)
		})
		if err != nil {
			return fmt.Errorf("scan blocks of %s: %w", gtin, err)
		}
		return nil
	}
	prefix := lotBlockPrefix(gtin, lot)
	var blocks []blockRef
	err := tx.st.Range(prefix, prefix+keyEnd, func(key string, _ []byte) (bool, error) {
		blocks = append(blocks, blockRef{gtin, key[len(prefix):]})
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("scan blocks of %s: %w", gtin, err)
	}
	return tx.eachInBlocks(blocks, lot, fn)
}

// blockRef names a block: its GTIN and key suffix.
type blockRef struct{ gtin, suffix string }

// eachInBlocks calls fn with the current record of every serial the blocks
// list (of lot only, when lot is not empty) until fn returns false.
func (tx *txn) eachInBlocks(blocks []blockRef, lot string, fn func(s *SerialRecord) (bool, error)) error {
	for _, ref := range blocks {
		b, err := tx.block(ref.gtin, ref.suffix)
		if err != nil {
			return err
		}
		if b.rec == nil {
			return fmt.Errorf("index names block %s, which has no record", b.key)
		}
		if more, err := tx.eachInBlock(ref, b, lot, fn); err != nil || !more {
			return err
		}
	}
	return nil
}

// eachInBlock calls fn with the current record of every serial block b
// lists (of lot only, when lot is not empty) until fn returns false, and
// reports whether it did not.
func (tx *txn) eachInBlock(ref blockRef, b *blockState, lot string, fn func(s *SerialRecord) (bool, error)) (bool, error) {
	more := true
	var err error
	for i := range b.rec.Segs {
		g := &b.rec.Segs[i]
		if lot != "" && !g.Own && g.Lot != lot {
			continue
		}
		visit := func(off int) bool {
			var s *SerialRecord
			if s, err = tx.serialIn(ref.gtin, ref.suffix, off, g); err != nil {
				return false
			}
			if lot != "" && s.Lot != lot {
				return true
			}
			more, err = fn(s)
			return more && err == nil
		}
		if g.Members == "" {
			visit(-1)
		} else {
			eachMember(g.Members, visit)
		}
		if err != nil || !more {
			return more, err
		}
	}
	return true, nil
}

// EachSerialRecord calls fn with the current record of every commissioned
// serial in st, in block key order, until fn returns false: for tools and
// tests that look at the whole state (a serial's record may live in its
// block, see blocks.go).
func EachSerialRecord(st State, fn func(s *SerialRecord) (bool, error)) error {
	var blocks []blockRef
	err := st.Range("sblk~", "sblk~"+keyEnd, func(key string, _ []byte) (bool, error) {
		rest := key[len("sblk~"):]
		if len(rest) < 16 || rest[14] != '~' {
			return false, fmt.Errorf("malformed block key %q", key)
		}
		blocks = append(blocks, blockRef{rest[:14], rest[15:]})
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("scan blocks: %w", err)
	}
	return newTxn(st, &Config{}).eachInBlocks(blocks, "", fn)
}

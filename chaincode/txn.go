package chaincode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// txn is the in-memory overlay of one transaction: records read once and
// decoded, changed in place, and written in first-change order when the
// transaction succeeds. State reads do not see a transaction's own writes on
// Fabric, so every rule reads through the overlay.
type txn struct {
	st     State
	cfg    *Config
	caller string
	now    time.Time
	// salt is the capture's salt (TransientSalt); nil when none was sent.
	salt []byte

	items    map[string]*item
	blocks   map[string]*blockState // by key
	lots     map[string]*LotRecord
	partners map[string]*Partner
	owners   map[string]string // GTIN -> MSP ID of its company prefix owner ("" when none)
	glnOrgs  map[string]string // GLN -> MSP ID ("" when none)

	dirtyItems  []*item
	dirtyBlocks []*blockState    // blocks this transaction commissions into
	lotBlocks   map[string]bool  // lot index keys written by this transaction
	held        map[holding]bool // holdings this transaction has checked
	dirtyLots   []string         // lot keys in first-change order
	lotDirty    map[string]bool
	anchors     map[string]bool // hash IDs anchored by this transaction

	puts    []put        // other shared-state writes, in order
	private []privatePut // private data writes, in order
	ev      txEvent
}

type put struct {
	key   string
	value []byte
}

type privatePut struct {
	collection, key string
	value           []byte
}

// item is a serial or a container in the overlay.
type item struct {
	id     ItemID
	key    string
	serial *SerialRecord    // KindSGTIN; nil when absent
	cont   *ContainerRecord // KindSSCC; nil when absent
	dirty  bool
	// seg is the block segment that commissioned a serial, and own tells
	// whether the serial has a stored record of its own (else its record
	// is seg's, see blocks.go).
	seg *blockSeg
	own bool
}

func (it *item) exists() bool { return it.serial != nil || it.cont != nil }

// children is the item's list of directly packed items (serialised cases
// and containers both hold items); the item must exist.
func (it *item) children() *[]string {
	if it.serial != nil {
		return &it.serial.Children
	}
	return &it.cont.Children
}

// custody returns the changing part of the record; the item must exist.
func (it *item) custody() *Custody {
	if it.serial != nil {
		return &it.serial.Custody
	}
	return &it.cont.Custody
}

// newTxn starts a transaction's overlay. Its maps are made on first write,
// which keeps a query (a verification reads three records) cheap.
func newTxn(st State, cfg *Config) *txn {
	return &txn{st: st, cfg: cfg, caller: st.Creator(), now: st.TxTime().UTC()}
}

// setMap stores v under k in *m, making the map first if needed.
func setMap[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = make(map[K]V)
	}
	(*m)[k] = v
}

// item loads the record of id (absent records give an item that does not
// exist). A serial's block is read first: only a serial it lists can have a
// record of its own.
func (tx *txn) item(id ItemID) (*item, error) {
	key := id.Key()
	if it, ok := tx.items[key]; ok {
		return it, nil
	}
	it := &item{id: id, key: key}
	if id.Kind == KindSSCC {
		raw, err := tx.st.GetState(key)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", key, err)
		}
		if raw != nil {
			it.cont = new(ContainerRecord)
			if err := json.Unmarshal(raw, it.cont); err != nil {
				return nil, fmt.Errorf("decode %s: %w", key, err)
			}
		}
	} else if err := tx.loadSerial(it); err != nil {
		return nil, err
	}
	setMap(&tx.items, key, it)
	return it, nil
}

// loadSerial fills in a serial's record from its block and, when it has
// one, its own record.
func (tx *txn) loadSerial(it *item) error {
	place := placeOf(it.id.Serial)
	b, err := tx.block(it.id.GTIN, place.suffix)
	if err != nil {
		return err
	}
	if it.seg = b.rec.find(place.offset); it.seg == nil {
		return nil
	}
	if it.serial, it.own, err = tx.storedSerial(it.id.GTIN, it.id.Serial, it.seg); err != nil {
		return err
	}
	if it.seg.Own {
		it.seg = nil // no segment record: its own record is all it has
	}
	return nil
}

// itemByLink loads an item by a stored Digital Link (parent or child).
func (tx *txn) itemByLink(link string) (*item, error) {
	id, err := ParseItemID(link)
	if err != nil {
		return nil, fmt.Errorf("stored reference: %w", err)
	}
	return tx.item(id)
}

// touch marks an item changed by this transaction.
func (tx *txn) touch(it *item) {
	it.custody().Updated = tx.now
	if !it.dirty {
		it.dirty = true
		tx.dirtyItems = append(tx.dirtyItems, it)
	}
}

// lot loads a lot record; nil when absent.
func (tx *txn) lot(gtin, lot string) (*LotRecord, error) {
	key := lotKey(gtin, lot)
	if l, ok := tx.lots[key]; ok {
		return l, nil
	}
	var l *LotRecord
	raw, err := tx.st.GetState(key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if raw != nil {
		if l, err = lotCache.decode(raw); err != nil {
			return nil, fmt.Errorf("decode %s: %w", key, err)
		}
	}
	setMap(&tx.lots, key, l)
	return l, nil
}

// putLot stores a new or changed lot record.
func (tx *txn) putLot(l *LotRecord) {
	key := lotKey(l.GTIN, l.Lot)
	l.Updated = tx.now
	setMap(&tx.lots, key, l)
	if !tx.lotDirty[key] {
		setMap(&tx.lotDirty, key, true)
		tx.dirtyLots = append(tx.dirtyLots, key)
	}
}

// partner loads an organisation's record; nil when absent. The record may
// be shared with other transactions: it is read-only.
func (tx *txn) partner(msp string) (*Partner, error) {
	if p, ok := tx.partners[msp]; ok {
		return p, nil
	}
	p, err := readPartner(tx.st, msp)
	if err != nil {
		return nil, err
	}
	setMap(&tx.partners, msp, p)
	return p, nil
}

// notATP returns why msp is not an authorized trading partner now
// (Partner.NotATPReason), "" when it is one.
func (tx *txn) notATP(msp string) (string, error) {
	p, err := tx.partner(msp)
	if err != nil {
		return "", err
	}
	return p.NotATPReason(tx.now), nil
}

// gtinOwner returns the MSP ID owning the company prefix of gtin, or "".
// GS1 company prefixes are 6 to 12 digits and follow the indicator digit.
// An SSCC has the same layout (extension digit, company prefix, serial
// reference, check digit), so this finds an SSCC's owner too.
func (tx *txn) gtinOwner(gtin string) (string, error) {
	if o, ok := tx.owners[gtin]; ok {
		return o, nil
	}
	owner := ""
	for n := 6; n <= 12 && owner == ""; n++ {
		raw, err := tx.st.GetState(prefixKey(gtin[1 : 1+n]))
		if err != nil {
			return "", fmt.Errorf("read company prefix: %w", err)
		}
		owner = string(raw)
	}
	setMap(&tx.owners, gtin, owner)
	return owner, nil
}

// glnOrg returns the MSP ID owning gln, or "".
func (tx *txn) glnOrg(gln string) (string, error) {
	if o, ok := tx.glnOrgs[gln]; ok {
		return o, nil
	}
	raw, err := tx.st.GetState(glnKey(gln))
	if err != nil {
		return "", fmt.Errorf("read gln: %w", err)
	}
	setMap(&tx.glnOrgs, gln, string(raw))
	return string(raw), nil
}

// isRegulator reports whether msp is a configured regulator.
func (tx *txn) isRegulator(msp string) bool { return tx.cfg.isRegulator(msp) }

// commit writes every change and the transaction's chaincode event.
func (tx *txn) commit(function string) error {
	tx.ev.TxID = tx.st.TxID()
	tx.ev.Function = function
	tx.ev.Creator = tx.caller
	tx.ev.Time = tx.now
	var start []byte
	var groups map[*blockSeg]*commissionedGroup
	for _, it := range tx.dirtyItems {
		var raw []byte
		var err error
		if it.serial != nil {
			raw = it.serial.appendJSON(make([]byte, 0, 256))
			if !it.own && it.seg != nil {
				// A serial still as its segment records it needs no
				// record of its own, and the event lists it in its
				// segment's group.
				start = it.seg.record(it.id.GTIN, it.id.Serial).appendJSON(start[:0])
				if bytes.Equal(raw, start) {
					g := groups[it.seg]
					if g == nil {
						g = &commissionedGroup{gtin: it.id.GTIN, seg: it.seg}
						setMap(&groups, it.seg, g)
						tx.ev.commissioned = append(tx.ev.commissioned, g)
					}
					g.serials = append(g.serials, it.id.Serial)
					continue
				}
			}
			tx.ev.Serials = append(tx.ev.Serials, raw)
		} else {
			raw, err = json.Marshal(it.cont)
			tx.ev.Containers = append(tx.ev.Containers, raw)
		}
		if err != nil {
			return fmt.Errorf("encode %s: %w", it.key, err)
		}
		if err := tx.st.PutState(it.key, raw); err != nil {
			return fmt.Errorf("write %s: %w", it.key, err)
		}
	}
	for _, b := range tx.dirtyBlocks {
		raw, err := b.encode()
		if err != nil {
			return fmt.Errorf("encode %s: %w", b.key, err)
		}
		if err := tx.st.PutState(b.key, raw); err != nil {
			return fmt.Errorf("write %s: %w", b.key, err)
		}
	}
	for _, key := range tx.dirtyLots {
		raw, err := json.Marshal(tx.lots[key])
		if err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		if err := tx.st.PutState(key, raw); err != nil {
			return fmt.Errorf("write %s: %w", key, err)
		}
		tx.ev.Lots = append(tx.ev.Lots, raw)
	}
	for _, p := range tx.puts {
		var err error
		if p.value == nil {
			err = tx.st.DelState(p.key)
		} else {
			err = tx.st.PutState(p.key, p.value)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", p.key, err)
		}
	}
	for _, p := range tx.private {
		if err := tx.st.PutPrivateData(p.collection, p.key, p.value); err != nil {
			return fmt.Errorf("write private %s: %w", p.key, err)
		}
	}
	payload, err := tx.ev.marshal()
	if err != nil {
		return err
	}
	if err := tx.st.SetEvent(EventName, payload); err != nil {
		return fmt.Errorf("set event: %w", err)
	}
	return nil
}

// markHolder records that org has commissioned, or been sent, a package of
// the lot: the holdings index that lets holdsStock refuse an organisation
// that never held a package of a GTIN without reading its serials.
// Commissioning and shipping are the only ways an organisation comes to
// hold a package (it receives only what was shipped to it), so those two
// rules mark. The commissioner is marked although it passes the class check
// by its company prefix while it owns it: a new attestation can take the
// prefix away, not the packages. It is marked when it creates the lot
// (markNewLotHolder), which needs no read: every later commissioning into
// the lot is by the same owner of the prefix, or by a new owner that passes
// by its prefix. The index only grows; a key is written
// the first time and read afterwards, so that concurrent transactions of
// one organisation and lot conflict at most once (as on the lot record).
func (tx *txn) markHolder(org, gtin, lot string) error {
	if org == "" || lot == "" {
		return nil
	}
	if !tx.firstHolding(org, gtin, lot) {
		return nil
	}
	k := holdKey(org, gtin, lot)
	v, err := tx.st.GetState(k)
	if err != nil {
		return fmt.Errorf("read %s: %w", k, err)
	}
	if v == nil {
		tx.puts = append(tx.puts, put{k, indexMark})
	}
	return nil
}

// markNewLotHolder records org in the holdings index of a lot this
// transaction creates: nobody can hold a package of it yet, so the key is
// written without the read markHolder makes.
func (tx *txn) markNewLotHolder(org, gtin, lot string) {
	if tx.firstHolding(org, gtin, lot) {
		tx.puts = append(tx.puts, put{holdKey(org, gtin, lot), indexMark})
	}
}

// firstHolding reports whether this transaction meets the holding for the
// first time, and notes it.
func (tx *txn) firstHolding(org, gtin, lot string) bool {
	h := holding{org, gtin, lot}
	if tx.held[h] {
		return false
	}
	setMap(&tx.held, h, true)
	return true
}

// holding is one entry of the holdings index.
type holding struct{ org, gtin, lot string }

package chaincode

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// CustodyEntry is one committed change of a serial or container: the
// custody chain is the list of them, oldest first.
type CustodyEntry struct {
	TxID string `json:"txId"`
	// Block is the number of the block holding the change. Fabric's history
	// API does not give it, so on Fabric the chaincode writes 0 and the
	// Fabric ledger adapter resolves it from the transaction ID (qscc
	// GetBlockByTxID) before answering; the embedded ledger fills it.
	Block     uint64           `json:"block"`
	Time      time.Time        `json:"time"`
	Deleted   bool             `json:"deleted,omitempty"`
	Serial    *SerialRecord    `json:"serial,omitempty"`
	Container *ContainerRecord `json:"container,omitempty"`
}

// ContainerContents is a container (an SSCC, or a serialised case) with
// everything packed in it.
type ContainerContents struct {
	Container *ContainerRecord `json:"container,omitempty"`
	Case      *SerialRecord    `json:"case,omitempty"`
	// Contents are the Digital Links of every item inside, depth first.
	Contents []string `json:"contents"`
	// Items are the same items, each with the container it is packed in
	// directly: the packing hierarchy, for transaction information.
	Items []ContainedItem `json:"items"`
}

// ContainedItem is one item inside a container.
type ContainedItem struct {
	ID     string `json:"id"`     // Digital Link
	Parent string `json:"parent"` // Digital Link of the container it is packed in directly
	// Lot and Expiry (YYYY-MM-DD) are a serial's, empty for an SSCC.
	Lot    string `json:"lot,omitempty"`
	Expiry string `json:"expiry,omitempty"`
	// Packs tells an item that holds others (a case, an SSCC) from a unit.
	Packs bool `json:"packs,omitempty"`
}

// EventRecord is a captured EPCIS event: its anchor and, for a party or a
// regulator, its body (JSON of epcis.Event) from the caller's collection.
type EventRecord struct {
	Anchor EventAnchor     `json:"anchor"`
	Body   json.RawMessage `json:"body"`
}

func parseQueryID(epc string, kind IDKind) (ItemID, error) {
	id, err := ParseItemID(epc)
	if err != nil {
		return ItemID{}, refuse(CodeInvalid, "bad-epc", epc, err.Error())
	}
	if kind != 0 && id.Kind != kind {
		return ItemID{}, refuse(CodeInvalid, "bad-epc", epc, "wrong identifier kind for this query")
	}
	return id, nil
}

func readSerial(tx *txn, args []string) ([]byte, error) {
	id, err := parseQueryID(args[0], KindSGTIN)
	if err != nil {
		return nil, err
	}
	it, err := tx.item(id)
	if err != nil {
		return nil, err
	}
	if it.serial == nil {
		return nil, refuse(CodeNotFound, "unknown-epc", args[0], args[0]+" was never commissioned")
	}
	return json.Marshal(it.serial)
}

func readContainer(tx *txn, args []string) ([]byte, error) {
	id, err := parseQueryID(args[0], 0)
	if err != nil {
		return nil, err
	}
	it, err := tx.item(id)
	if err != nil {
		return nil, err
	}
	if !it.exists() {
		return nil, refuse(CodeNotFound, "unknown-epc", args[0], args[0]+" is unknown")
	}
	out := ContainerContents{Container: it.cont, Case: it.serial, Contents: []string{}, Items: []ContainedItem{}}
	err = tx.walk(it, func(x *item) error {
		if x == it {
			return nil
		}
		link := x.id.DigitalLink()
		c := ContainedItem{ID: link, Parent: x.custody().Parent, Packs: len(*x.children()) > 0}
		if x.serial != nil {
			c.Lot, c.Expiry = x.serial.Lot, x.serial.Expiry
		}
		out.Contents = append(out.Contents, link)
		out.Items = append(out.Items, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(&out)
}

// readLotRecord answers a lot's record: what every partner's verification
// reads (expiry, recall, owner), none of the counts or holders ReadLot
// restricts.
func readLotRecord(tx *txn, args []string) ([]byte, error) {
	l, err := knownLot(tx, args[0], args[1])
	if err != nil {
		return nil, err
	}
	return json.Marshal(l)
}

// knownLot reads a lot's record, refusing an unknown lot as not found.
func knownLot(tx *txn, gtin, lot string) (*LotRecord, error) {
	l, err := tx.lot(gtin, lot)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, refuse(CodeNotFound, "unknown-lot", gtin, fmt.Sprintf("no lot %q of GTIN %s", lot, gtin))
	}
	return l, nil
}

// readLot answers a lot's record with its counts and holders, computed by
// scanning the lot's blocks and reading each serial: the cost grows
// with the lot's size. Only the lot's owner and regulators see the counts
// and every holder; anyone else sees its own holding (LotStatus.Restricted).
func readLot(tx *txn, args []string) ([]byte, error) {
	gtin, lot := args[0], args[1]
	l, err := knownLot(tx, gtin, lot)
	if err != nil {
		return nil, err
	}
	out := LotStatus{LotRecord: *l, Holders: []LotHolding{}}
	counts := map[string]int{}
	err = tx.eachSerial(gtin, lot, func(s *SerialRecord) (bool, error) {
		out.Commissioned++
		if s.Status.Terminal() {
			out.Retired++
		} else {
			counts[s.Owner]++
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan lot %s: %w", lot, err)
	}
	if l.Owner != tx.caller && !tx.isRegulator(tx.caller) {
		out.Commissioned, out.Retired, out.Restricted = 0, 0, true
		if n := counts[tx.caller]; n > 0 {
			out.Holders = append(out.Holders, LotHolding{Org: tx.caller, Count: n})
		}
		return json.Marshal(&out)
	}
	for _, org := range slices.Sorted(maps.Keys(counts)) {
		out.Holders = append(out.Holders, LotHolding{Org: org, Count: counts[org]})
	}
	return json.Marshal(&out)
}

func history(tx *txn, args []string) ([]byte, error) {
	id, err := parseQueryID(args[0], 0)
	if err != nil {
		return nil, err
	}
	out := []CustodyEntry{}
	if id.Kind == KindSGTIN {
		if out, err = commissioning(tx, id, out); err != nil {
			return nil, err
		}
	}
	err = tx.st.History(id.Key(), func(h HistoryEntry) (bool, error) {
		e := CustodyEntry{TxID: h.TxID, Block: h.Block, Time: h.Timestamp.UTC(), Deleted: h.IsDelete}
		if !h.IsDelete {
			var err error
			if id.Kind == KindSSCC {
				e.Container = new(ContainerRecord)
				err = json.Unmarshal(h.Value, e.Container)
			} else {
				e.Serial = new(SerialRecord)
				err = json.Unmarshal(h.Value, e.Serial)
			}
			if err != nil {
				return false, fmt.Errorf("decode history of %s: %w", args[0], err)
			}
		}
		out = append(out, e)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", args[0], err)
	}
	if len(out) > 1 && out[0].TxID == out[1].TxID {
		// Commissioned and changed by one transaction: one entry, the
		// serial as the transaction left it.
		out = out[1:]
	}
	if len(out) == 0 {
		return nil, refuse(CodeNotFound, "unknown-epc", args[0], args[0]+" has no history")
	}
	return json.Marshal(out)
}

// commissioning appends a serial's first custody entry, its commissioning,
// to out: the record its block segment gives it, with the transaction's
// block and time from the block key's history.
func commissioning(tx *txn, id ItemID, out []CustodyEntry) ([]CustodyEntry, error) {
	place := placeOf(id.Serial)
	b, err := tx.block(id.GTIN, place.suffix)
	if err != nil {
		return nil, err
	}
	g := b.rec.find(place.offset)
	if g == nil || g.Own {
		// Not commissioned, or its own key's history starts with it.
		return out, nil
	}
	e := CustodyEntry{TxID: g.TxID, Time: g.Time.UTC(), Serial: g.record(id.GTIN, id.Serial)}
	err = tx.st.History(b.key, func(h HistoryEntry) (bool, error) {
		if h.TxID != g.TxID {
			return true, nil
		}
		e.Block = h.Block
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", b.key, err)
	}
	return append(out, e), nil
}

// readEvent returns an event's anchor and its body from the caller's own
// implicit collection: a caller that is not a party gets forbidden.
func readEvent(tx *txn, args []string) ([]byte, error) {
	raw, err := tx.st.GetState(anchorKey(args[0]))
	if err != nil {
		return nil, fmt.Errorf("read anchor: %w", err)
	}
	if raw == nil {
		return nil, refuse(CodeNotFound, "unknown-event", "", "no event "+args[0])
	}
	var rec EventRecord
	if err := json.Unmarshal(raw, &rec.Anchor); err != nil {
		return nil, fmt.Errorf("decode anchor: %w", err)
	}
	body, err := tx.ownPrivate(anchorKey(args[0]))
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, refuse(CodeForbidden, "not-a-party", "", tx.caller+" is not a party to event "+args[0])
	}
	if err := checkHash(body, rec.Anchor.BodyHash); err != nil {
		return nil, fmt.Errorf("event %s: %w", args[0], err)
	}
	// The body goes out byte for byte as captured: json.Marshal would
	// compact it and escape its <, > and &.
	anchor, err := json.Marshal(&rec.Anchor)
	if err != nil {
		return nil, fmt.Errorf("encode anchor: %w", err)
	}
	if body = unsealPrivate(body); len(body) == 0 {
		body = []byte("null") // as json.Marshal writes an empty RawMessage
	}
	out := make([]byte, 0, len(anchor)+len(body)+20)
	out = append(out, `{"anchor":`...)
	out = append(out, anchor...)
	out = append(out, `,"body":`...)
	out = append(out, body...)
	return append(out, '}'), nil
}

// readT3 returns a T3 record from the caller's own collection: only the
// seller, the buyer and regulators hold it.
func readT3(tx *txn, args []string) ([]byte, error) {
	raw, err := tx.st.GetState(t3Key(args[0]))
	if err != nil {
		return nil, fmt.Errorf("read t3 anchor: %w", err)
	}
	if raw == nil {
		return nil, refuse(CodeNotFound, "unknown-t3", "", "no transaction information "+args[0])
	}
	var anchor T3Anchor
	if err := json.Unmarshal(raw, &anchor); err != nil {
		return nil, fmt.Errorf("decode t3 anchor: %w", err)
	}
	body, err := tx.ownPrivate(t3Key(args[0]))
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, refuse(CodeForbidden, "not-a-party", "", tx.caller+" is neither seller, buyer nor regulator of "+args[0])
	}
	if err := checkHash(body, anchor.Hash); err != nil {
		return nil, fmt.Errorf("t3 %s: %w", args[0], err)
	}
	return unsealPrivate(body), nil
}

// checkHash verifies a private value against the hex SHA-256 its anchor in
// the shared state keeps.
func checkHash(body []byte, want string) error {
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != want {
		return errors.New("private copy does not match the hash on the ledger")
	}
	return nil
}

// ownPrivate reads key from the caller's own implicit collection, the only
// private data a caller may read.
func (tx *txn) ownPrivate(key string) ([]byte, error) {
	v, err := tx.st.GetPrivateData(ImplicitCollection(tx.caller), key)
	if err != nil {
		return nil, fmt.Errorf("read private %s: %w", key, err)
	}
	return v, nil
}

// TxRecord lists what one transaction anchored.
type TxRecord struct {
	TxID   string   `json:"txId"`
	Events []string `json:"events"` // hash IDs, sorted
	T3     []string `json:"t3"`     // T3 IDs, sorted
}

// readTx lists what transaction args[0] anchored that the caller may
// read: the events and T3 records it holds a private copy of (a party to
// the event, the seller or buyer of the T3; a regulator holds them all).
// A transaction with none of them is answered as unknown, so that a
// transaction between others cannot be told from one that never was.
// Filtering here, in one query, spares a service one ReadEvent or ReadT3
// per identifier.
func readTx(tx *txn, args []string) ([]byte, error) {
	var events, t3 []string
	prefix := txPrefix(args[0])
	err := tx.st.Range(prefix, prefix+keyEnd, func(key string, _ []byte) (bool, error) {
		switch rest := key[len(prefix):]; {
		case len(rest) > 2 && rest[:2] == "e~":
			events = append(events, rest[2:])
		case len(rest) > 2 && rest[:2] == "t~":
			t3 = append(t3, rest[2:])
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan transaction %s: %w", args[0], err)
	}
	// The private reads come after the scan, not inside it: a ledger may
	// not serve other reads while a range is open.
	out := TxRecord{TxID: args[0], Events: []string{}, T3: []string{}}
	if out.Events, err = tx.heldPrivately(events, anchorKey); err != nil {
		return nil, err
	}
	if out.T3, err = tx.heldPrivately(t3, t3Key); err != nil {
		return nil, err
	}
	if len(out.Events) == 0 && len(out.T3) == 0 {
		return nil, refuse(CodeNotFound, "unknown-tx", "", "transaction "+args[0]+" anchored no event")
	}
	return json.Marshal(&out)
}

// heldPrivately keeps of ids those whose record (key(id)) the caller holds
// in its own collection.
func (tx *txn) heldPrivately(ids []string, key func(string) string) ([]string, error) {
	out := []string{}
	for _, id := range ids {
		body, err := tx.ownPrivate(key(id))
		if err != nil {
			return nil, err
		}
		if body != nil {
			out = append(out, id)
		}
	}
	return out, nil
}

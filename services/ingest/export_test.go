package ingest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// DowngradeIndexToFormat1 rewrites the query index in dir, of a stopped
// service, as format 1 left it: no format marker, and read points and
// business locations indexed as captured rather than canonical. It returns
// how many index entries it rewrote.
func DowngradeIndexToFormat1(dir string) (int, error) {
	return downgradeIndex(dir, 0, func(ev epcis.Event) []movedEntry {
		return []movedEntry{
			{fieldReadPoint, ev.ReadPoint, canonLocation(ev.ReadPoint)},
			{fieldBizLocation, ev.BizLocation, canonLocation(ev.BizLocation)},
		}
	})
}

// DowngradeIndexToFormat2 rewrites the query index in dir, of a stopped
// service, as format 2 left it: EPCs that name an SGTIN or SSCC with
// Digital Link short names indexed as captured rather than canonical, and
// the format marker 2. It returns how many index entries it rewrote.
func DowngradeIndexToFormat2(dir string) (int, error) {
	return downgradeIndex(dir, 2, func(ev epcis.Event) []movedEntry {
		var moved []movedEntry
		add := func(field byte, values ...string) {
			for _, v := range values {
				// Format 2's canonEPC: chaincode.ParseItemID only, which
				// then did not read Digital Link short names.
				was := v
				if item, err := chaincode.ParseItemID(v); err == nil && !strings.Contains(v, "/gtin/") && !strings.Contains(v, "/sscc/") {
					was = item.DigitalLink()
				}
				moved = append(moved, movedEntry{field, was, canonEPC(v)})
			}
		}
		add(fieldEPC, ev.EPCList...)
		add(fieldEPC, ev.ChildEPCs...)
		add(fieldParent, ev.ParentID)
		add(fieldInput, ev.InputEPCList...)
		add(fieldOutput, ev.OutputEPCList...)
		return moved
	})
}

// movedEntry is an index entry an older format wrote under another value:
// was, where this format writes now.
type movedEntry struct {
	field    byte
	was, now string
}

// downgradeIndex rewrites the query index in dir, of a stopped service, as
// an older format left it: it moves the entries moves names for each
// stored event back from now to was, and sets the format marker to format
// (0: deletes it, as before there was one). It returns how many entries it
// moved.
func downgradeIndex(dir string, format uint64, moves func(epcis.Event) []movedEntry) (n int, err error) {
	db, err := pebble.Open(dir, &pebble.Options{})
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	batch := db.NewBatch()
	defer batch.Close()
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixEvent}, UpperBound: []byte{prefixEvent + 1}})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		seq := binary.BigEndian.Uint64(it.Key()[1:])
		var rec eventRecord
		var ev epcis.Event
		if err := json.Unmarshal(it.Value(), &rec); err != nil {
			return 0, fmt.Errorf("event %d: %w", seq, err)
		}
		if err := json.Unmarshal(rec.Body, &ev); err != nil {
			return 0, fmt.Errorf("event %d: %w", seq, err)
		}
		for _, m := range moves(ev) {
			if m.was == "" || m.was == m.now {
				continue
			}
			if err := batch.Delete(append(indexPrefix(m.field, m.now), be64(seq)...), nil); err != nil {
				return 0, err
			}
			if err := batch.Set(append(indexPrefix(m.field, m.was), be64(seq)...), nil, nil); err != nil {
				return 0, err
			}
			n++
		}
	}
	if format == 0 {
		err = batch.Delete([]byte{prefixFormat}, nil)
	} else {
		err = batch.Set([]byte{prefixFormat}, be64(format), nil)
	}
	if err != nil {
		return 0, err
	}
	return n, batch.Commit(pebble.Sync)
}

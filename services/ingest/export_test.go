package ingest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// DowngradeIndexToFormat1 rewrites the query index in dir, of a stopped
// service, as format 1 left it: no format marker, and read points and
// business locations indexed as captured rather than canonical. It returns
// how many index entries it rewrote.
func DowngradeIndexToFormat1(dir string) (n int, err error) {
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
		for _, f := range []struct {
			field byte
			value string
		}{{fieldReadPoint, ev.ReadPoint}, {fieldBizLocation, ev.BizLocation}} {
			canon := canonLocation(f.value)
			if canon == f.value {
				continue
			}
			if err := batch.Delete(append(indexPrefix(f.field, canon), be64(seq)...), nil); err != nil {
				return 0, err
			}
			if err := batch.Set(append(indexPrefix(f.field, f.value), be64(seq)...), nil, nil); err != nil {
				return 0, err
			}
			n++
		}
	}
	if err := batch.Delete([]byte{prefixFormat}, nil); err != nil {
		return 0, err
	}
	return n, batch.Commit(pebble.Sync)
}

// DowngradeIndexToFormat2 rewrites the query index in dir, of a stopped
// service, as format 2 left it: EPCs that name an SGTIN or SSCC with
// Digital Link short names indexed as captured rather than canonical, and
// the format marker 2. It returns how many index entries it rewrote.
func DowngradeIndexToFormat2(dir string) (n int, err error) {
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
		type entry struct {
			field byte
			value string
		}
		var entries []entry
		for _, v := range append(slices.Clone(ev.EPCList), ev.ChildEPCs...) {
			entries = append(entries, entry{fieldEPC, v})
		}
		entries = append(entries, entry{fieldParent, ev.ParentID})
		for _, v := range ev.InputEPCList {
			entries = append(entries, entry{fieldInput, v})
		}
		for _, v := range ev.OutputEPCList {
			entries = append(entries, entry{fieldOutput, v})
		}
		for _, f := range entries {
			// Format 2's canonEPC: chaincode.ParseItemID only, which then
			// did not read Digital Link short names.
			old := f.value
			if item, err := chaincode.ParseItemID(f.value); err == nil && !strings.Contains(f.value, "/gtin/") && !strings.Contains(f.value, "/sscc/") {
				old = item.DigitalLink()
			}
			canon := canonEPC(f.value)
			if f.value == "" || canon == old {
				continue
			}
			if err := batch.Delete(append(indexPrefix(f.field, canon), be64(seq)...), nil); err != nil {
				return 0, err
			}
			if err := batch.Set(append(indexPrefix(f.field, old), be64(seq)...), nil, nil); err != nil {
				return 0, err
			}
			n++
		}
	}
	if err := batch.Set([]byte{prefixFormat}, be64(2), nil); err != nil {
		return 0, err
	}
	return n, batch.Commit(pebble.Sync)
}

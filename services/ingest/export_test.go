package ingest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/cockroachdb/pebble"

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

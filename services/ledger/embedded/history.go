package embedded

import (
	"fmt"
	"time"

	"rxledger/chaincode"
)

// A history record is stored under historyKey(key, version):
// flags (1: delete), transaction ID, timestamp, value.

func encodeHistory(txID string, t time.Time, w *Write) []byte {
	e := encoder{b: make([]byte, 0, 1+1+len(txID)+8+2+len(w.Value))}
	if w.Delete {
		e.u8(1)
	} else {
		e.u8(0)
	}
	e.str(txID)
	e.u64(uint64(t.UnixNano()))
	e.bytes(w.Value)
	return e.b
}

// historyRecord is a decoded history value.
type historyRecord struct {
	TxID   string
	Time   time.Time
	Value  []byte
	Delete bool
}

func decodeHistory(raw []byte) (historyRecord, error) {
	d := &decoder{b: raw}
	var h historyRecord
	switch d.u8() {
	case 0:
	case 1:
		h.Delete = true
	default:
		d.fail(fmt.Errorf("bad delete flag"))
	}
	h.TxID = d.str()
	h.Time = time.Unix(0, int64(d.u64())).UTC()
	h.Value = d.bytes()
	if err := d.done(); err != nil {
		return historyRecord{}, fmt.Errorf("decode history: %w", err)
	}
	if h.Delete {
		h.Value = nil
	}
	return h, nil
}

// entry converts a record to the chaincode's view, copying the value.
func (h historyRecord) entry(v Version) chaincode.HistoryEntry {
	e := chaincode.HistoryEntry{TxID: h.TxID, Block: v.Block, Timestamp: h.Time, IsDelete: h.Delete}
	if !h.Delete {
		e.Value = append([]byte{}, h.Value...)
	}
	return e
}

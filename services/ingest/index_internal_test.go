package ingest

import (
	"encoding/binary"
	"log/slog"
	"testing"

	"github.com/cockroachdb/pebble"
)

// TestIndexFormat opens query indexes holding each kind of format marker:
// a new index is marked with the current format, an index of the current
// format is kept, and any other (no marker on a store that holds data, an
// older or newer format, a marker that does not read) is deleted, to be
// rebuilt from block 0, and marked.
func TestIndexFormat(t *testing.T) {
	tests := []struct {
		name   string
		marker []byte // nil: no marker
		data   bool   // whether the store holds a checkpoint
		kept   bool
	}{
		{name: "new index", kept: true},
		{name: "current format", marker: be64(indexFormat), data: true, kept: true},
		{name: "no marker: written before there was one", data: true, kept: indexFormat == 1},
		{name: "older format", marker: be64(indexFormat - 1), data: true},
		{name: "newer format", marker: be64(indexFormat + 1), data: true},
		{name: "unreadable marker", marker: []byte{1}, data: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := pebble.Open(dir, &pebble.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.marker != nil {
				if err := db.Set([]byte{prefixFormat}, tt.marker, pebble.Sync); err != nil {
					t.Fatal(err)
				}
			}
			if tt.data {
				if err := db.Set([]byte{prefixCheckpoint}, be64(7), pebble.Sync); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			idx, err := openIndex(dir, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { idx.close() })
			next, err := idx.checkpoint()
			if err != nil {
				t.Fatal(err)
			}
			if kept := next == 7; tt.data && kept != tt.kept {
				t.Fatalf("checkpoint %d after opening: kept %v, want kept %v", next, kept, tt.kept)
			}
			v, err := idx.get([]byte{prefixFormat})
			if err != nil || len(v) != 8 || binary.BigEndian.Uint64(v) != indexFormat {
				t.Fatalf("format marker %x (%v), want %d", v, err, indexFormat)
			}
		})
	}
}

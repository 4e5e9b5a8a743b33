package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"rxledger/internal/testenv"
)

// TestGeneratedTableIsCurrent regenerates the AI table and compares it with
// the committed ai_table_gen.go, so a dictionary or generator change cannot
// go unnoticed.
func TestGeneratedTableIsCurrent(t *testing.T) {
	dict := testenv.Testdata(t, "gs1-syntax-dictionary/gs1-syntax-dictionary.txt")
	const iso = "/usr/share/iso-codes/json"
	if _, err := os.Stat(filepath.Join(iso, "iso_3166-1.json")); err != nil {
		t.Skipf("SKIPPING: Debian iso-codes JSON files missing in %s (apt-get install iso-codes): %v", iso, err)
	}
	out := filepath.Join(t.TempDir(), "ai_table_gen.go")
	if err := run(dict, iso, out); err != nil {
		t.Fatalf("generate: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "ai_table_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("ai_table_gen.go is stale: run go generate ./epcis/gs1")
	}
}

func TestParseComponent(t *testing.T) {
	tests := []struct {
		in   string
		want component
	}{
		{"N14,csum,gcppos2", component{typ: 'N', min: 14, max: 14, linters: []string{"csum"}}},
		{"X..20", component{typ: 'X', min: 1, max: 20}},
		{"[N3],iso3166", component{typ: 'N', min: 3, max: 3, optional: true, linters: []string{"iso3166"}}},
		{"[X..17]", component{typ: 'X', min: 1, max: 17, optional: true}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseComponent(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.typ != tt.want.typ || got.min != tt.want.min || got.max != tt.want.max || got.optional != tt.want.optional || len(got.linters) != len(tt.want.linters) {
				t.Errorf("parseComponent(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
	if _, err := parseComponent("Q5"); err == nil {
		t.Error("parseComponent accepted type Q")
	}
}

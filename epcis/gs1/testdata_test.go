package gs1

import (
	"encoding/json"
	"os"
	"testing"
)

// loadJSON decodes the JSON file at path into v.
func loadJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

// jsonUnmarshal is json.Unmarshal (a seam so fuzz seeding shares one import).
var jsonUnmarshal = json.Unmarshal

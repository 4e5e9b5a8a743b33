package gs1

import (
	"errors"
	"strings"
	"testing"
)

// TestMaxElements checks that every parser refuses input with more than
// MaxElements AIs, and accepts exactly MaxElements.
func TestMaxElements(t *testing.T) {
	forms := []struct {
		name  string
		build func(n int) string
		// repeats is set where the parser itself allows an AI many times
		// (association rules come later), so MaxElements of one AI parse.
		repeats bool
	}{
		{"bracketed", func(n int) string { return strings.Repeat("(91)A", n) }, true},
		{"element string", func(n int) string { return "]d2" + strings.Repeat("91A"+string(GS), n) }, true},
		{"digital link query", func(n int) string {
			return "https://id.gs1.org/01/09506000134352?" + strings.TrimSuffix(strings.Repeat("91=A&", n-1), "&")
		}, false},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			if _, err := parseBarcode(f.build(MaxElements)); f.repeats && err != nil {
				t.Fatalf("%d AIs refused: %v", MaxElements, err)
			}
			_, err := ParseBarcode(f.build(MaxElements + 1))
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code != "too_many_elements" {
				t.Fatalf("%d AIs: error %v, want too_many_elements", MaxElements+1, err)
			}
		})
	}
}

package verify

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestFastDecodeBatch checks that the fast decoder reads what encoding/json
// reads and declines what it does not handle.
func TestFastDecodeBatch(t *testing.T) {
	tests := []struct {
		name string
		body string
		fast bool
	}{
		{"full", `{"requests":[{"gtin":"00312345678906","serial":"A1","lot":"L1","expiry":"991231","reqGLN":"0388888000009","corrUUID":"u","context":"c"},{"serial":"B"}],"reqGLN":"x","context":"y"}`, true},
		{"white space", " { \"requests\" : [ { \"gtin\" : \"1\" } , {} ] } \n", true},
		{"empty list", `{"requests":[]}`, true},
		{"empty object", `{}`, true},
		{"escape", `{"requests":[{"serial":"A\"1"}]}`, false},
		{"unknown field", `{"requests":[{"serial":"A1","color":"red"}]}`, false},
		{"number", `{"requests":[{"serial":1}]}`, false},
		{"trailing data", `{"requests":[]} x`, false},
		{"truncated", `{"requests":[{"serial":"A1"}`, false},
		{"null", `null`, false},
		{"requests given twice", `{"requests":[{"serial":"A1"}],"requests":[{"serial":"B1"}]}`, false},
		{"a request's serial given twice", `{"requests":[{"serial":"A1","serial":"B1"}]}`, false},
		{"the same member in two requests", `{"requests":[{"serial":"A1"},{"serial":"B1"}]}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got BatchRequest
			ok := fastDecodeBatch([]byte(tc.body), &got)
			if ok != tc.fast {
				t.Fatalf("fast path %v, want %v", ok, tc.fast)
			}
			if !ok {
				return
			}
			var want BatchRequest
			if err := json.Unmarshal([]byte(tc.body), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) && !(len(got.Requests) == 0 && len(want.Requests) == 0) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

package verify

import (
	"encoding/json"
	"testing"
	"time"

	"rxledger/services/platform/problem"
)

// TestResponseJSON checks the hand-written encoder against encoding/json's
// encoding of the same struct.
func TestResponseJSON(t *testing.T) {
	type plain Response // no MarshalJSON method
	body := problem.BodyOf(problem.New(problem.NotFound, "GTIN x"), "")
	ts := time.Date(2026, 11, 21, 7, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		r    Response
	}{
		{"verified", Response{Verified: true, VerificationTimestamp: ts, ResponderGLN: "0312345000004", LedgerHeight: 7, Source: SourceCache}},
		{"failed with conditions", Response{VerificationFailureReason: "No_match_GTIN_Serial_Lot", AdditionalInfo: "Recalled",
			Conditions: []string{"Recalled", "Expired"}, CorrUUID: "c-1", VerificationTimestamp: ts, LedgerHeight: 1, Source: SourceLedger}},
		{"escapes", Response{CorrUUID: "a\"b\\c<d>&\n\t\x01é\u2028\xff", VerificationTimestamp: ts, Source: SourceCache}},
		{"problem", Response{VerificationTimestamp: ts, Source: SourceLedger, CorrUUID: "c-2", Problem: &body}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(&tc.r)
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			if tc.r.Problem != nil {
				// No LMS answer: the problem alone, and the corrUUID.
				want, err = json.Marshal(struct {
					CorrUUID string        `json:"corrUUID,omitempty"`
					Problem  *problem.Body `json:"problem"`
				}{tc.r.CorrUUID, tc.r.Problem})
			} else {
				p := plain(tc.r)
				want, err = json.Marshal(&p)
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
	batch, err := json.Marshal(BatchResponse{Responses: []Response{tests[0].r, tests[1].r}})
	if err != nil {
		t.Fatal(err)
	}
	var back BatchResponse
	if err := json.Unmarshal(batch, &back); err != nil || len(back.Responses) != 2 || back.Responses[1].CorrUUID != "c-1" {
		t.Fatalf("batch %s: %v", batch, err)
	}
}

package ingest_test

import (
	"bytes"
	"net/url"
	"slices"
	"testing"

	"rxledger/epcis"
)

// TestReusedEventID checks that an eventID is no handle on another
// organisation's event: when the wholesaler captures an event with the
// eventID the manufacturer gave one of its own, each reads its own event by
// that ID and the manufacturer's stays reachable (a later capture cannot
// hide an earlier one), and a party to neither learns nothing.
func TestReusedEventID(t *testing.T) {
	e := newEnv(t, true, nil)
	const shared = "urn:uuid:6f1b0d2e-4c55-4c1a-9d0e-2b7f0c9a1e11"
	made := commission(0, "R", sgtin("J1"))
	made.EventID = shared
	sent := ship(1, mfrSGLN, whsSGLN, sgtin("J1"))
	got := receive(2, whsSGLN, sgtin("J1"))
	got.EventID = shared
	e.mustCapture(mfr, ctJSON, encode(t, document(made, sent), "json"))
	e.mustCapture(whs, ctJSON, encode(t, document(got), "json"))
	e.synced()

	path := "/epcis/events/" + url.PathEscape(shared)
	tests := []struct {
		name, org string
		status    int
		bizStep   string // of the event answered by ID
		query     []string
	}{
		{"the first capturer reads its own event", mfr, 200, "commissioning", []string{"commissioning", "receiving"}},
		{"the second capturer reads its own event", whs, 200, "receiving", []string{"receiving"}},
		{"a party to neither gets 404", pharm, 404, "", nil},
		{"the regulator reads the first", reg, 200, "commissioning", []string{"commissioning", "receiving"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do("GET", tt.org, path, "", nil, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
			}
			if tt.status == 200 {
				doc, err := epcis.DecodeJSON(bytes.NewReader(b))
				if err != nil || len(doc.Events) != 1 {
					t.Fatalf("decode %v: %s", err, b)
				}
				if bs := doc.Events[0].BizStep; bs != tt.bizStep && bs != "urn:epcglobal:cbv:bizstep:"+tt.bizStep {
					t.Errorf("answered the %s event, want the %s event", bs, tt.bizStep)
				}
			}
			events, _ := e.query(tt.org, "EQ_eventID="+url.QueryEscape(shared))
			var steps []string
			for _, ev := range events {
				steps = append(steps, bizStepName(ev.BizStep))
			}
			if !slices.Equal(steps, tt.query) {
				t.Errorf("EQ_eventID answers %v, want %v", steps, tt.query)
			}
		})
	}
}

// bizStepName is a CBV business step without its URN prefix.
func bizStepName(s string) string {
	const prefix = "urn:epcglobal:cbv:bizstep:"
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}

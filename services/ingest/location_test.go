package ingest_test

import (
	"net/url"
	"slices"
	"testing"

	"rxledger/epcis"
)

// One location, GLN 0312345000011, in the forms partners write it, and a
// sub-location of it (GLN extension 7).
const (
	locURN      = "urn:epc:id:sgln:0312345.00001.0" // EPCIS 1.2: extension "0" is no extension
	locDL       = "https://id.gs1.org/414/0312345000011"
	locDLOther  = "https://example.com/resolver/414/0312345000011" // another Digital Link host
	locDLShort  = "https://example.com/gln/0312345000011"          // Digital Link short names
	locDLZero   = locDL + "/254/0"
	subURN      = "urn:epc:id:sgln:0312345.00001.7"
	subDL       = locDL + "/254/7"
	subDLShort  = "https://example.com/gln/0312345000011/glnx/7"
	privateURN  = "urn:example:rxledger:dock:7"
	privateHTTP = "https://example.com/sites/dock-7"
)

// locations is a set of events at the location and its sub-location,
// captured with the location in one form or another, and one at a place
// named by private URIs.
type locations struct {
	id map[string]string // hash IDs by name
}

// captureLocations captures the URN forms in an EPCIS 1.2 XML document, as
// a partner on EPCIS 1.2 sends them, then the Digital Link forms in JSON-LD
// (query answers list the events in that order).
func captureLocations(t *testing.T, e *env) *locations {
	t.Helper()
	event := func(minute int, serial, readPoint, bizLocation string) epcis.Event {
		ev := commission(minute, "LOC", sgtin(serial))
		ev.ReadPoint, ev.BizLocation = readPoint, bizLocation
		return ev
	}
	byURN := event(0, "LOC1", locURN, locURN)
	byDL := event(1, "LOC2", locDL, locDLOther)
	subByURN := event(2, "LOC3", subURN, subURN)
	subByDL := event(3, "LOC4", subDL, subDLShort)
	private := event(4, "LOC5", privateHTTP, privateURN)
	e.mustCapture(mfr, ctXML, encode(t, document(byURN, subByURN), "xml12"))
	e.mustCapture(mfr, ctJSON, encode(t, document(byDL, subByDL, private), "json"))
	ids := hashIDs(t, byURN, byDL, subByURN, subByDL, private)
	l := &locations{id: map[string]string{}}
	for i, n := range []string{"byURN", "byDL", "subByURN", "subByDL", "private"} {
		l.id[n] = ids[i]
	}
	return l
}

func (l *locations) ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = l.id[n]
	}
	return out
}

// TestQueryLocationForms: EQ_readPoint and EQ_bizLocation find the events
// at a location whether it was captured, or is asked for, as an SGLN URN or
// as a Digital Link (any host, short names); a GLN extension still tells a
// sub-location apart; a private URI matches as written.
func TestQueryLocationForms(t *testing.T) {
	e := newEnv(t, true, nil)
	l := captureLocations(t, e)
	here, sub := []string{"byURN", "byDL"}, []string{"subByURN", "subByDL"}
	tests := []struct {
		name, param, value string
		want               []string
	}{
		{"readPoint as URN", "EQ_readPoint", locURN, here},
		{"readPoint as Digital Link", "EQ_readPoint", locDL, here},
		{"readPoint as Digital Link on another host", "EQ_readPoint", locDLOther, here},
		{"readPoint with short names", "EQ_readPoint", locDLShort, here},
		{"readPoint with extension 0", "EQ_readPoint", locDLZero, here},
		{"readPoint of the sub-location as URN", "EQ_readPoint", subURN, sub},
		{"readPoint of the sub-location as Digital Link", "EQ_readPoint", subDL, sub},
		{"bizLocation as URN", "EQ_bizLocation", locURN, here},
		{"bizLocation as Digital Link", "EQ_bizLocation", locDL, here},
		{"bizLocation with short names", "EQ_bizLocation", locDLShort, here},
		{"bizLocation of the sub-location as URN", "EQ_bizLocation", subURN, sub},
		{"bizLocation of the sub-location with short names", "EQ_bizLocation", subDLShort, sub},
		{"a list of forms", "EQ_bizLocation", locDL + "|" + subURN, []string{"byURN", "subByURN", "byDL", "subByDL"}},
		{"private URN as written", "EQ_bizLocation", privateURN, []string{"private"}},
		{"private web URI as written", "EQ_readPoint", privateHTTP, []string{"private"}},
		{"private URN otherwise written", "EQ_bizLocation", "URN:example:rxledger:dock:7", []string{}},
		{"private web URI otherwise written", "EQ_readPoint", privateHTTP + "/", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := e.query(reg, tt.param+"="+url.QueryEscape(tt.value))
			if want := l.ids(tt.want...); !slices.Equal(idsOf(got), want) {
				t.Fatalf("%s=%s: got %v\nwant %v", tt.param, tt.value, idsOf(got), want)
			}
		})
	}
	t.Run("with an EPC driving the scan", func(t *testing.T) {
		// MATCH_epc drives the index scan; the location is then checked
		// on the event itself.
		got, _ := e.query(reg, "MATCH_epc="+sgtin("LOC2")+"&EQ_readPoint="+url.QueryEscape(locURN))
		if want := l.ids("byDL"); !slices.Equal(idsOf(got), want) {
			t.Fatalf("got %v, want %v", idsOf(got), want)
		}
	})
}

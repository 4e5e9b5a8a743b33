package ingest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"rxledger/epcis"
	"rxledger/services/platform/problem"
)

// story is a small supply chain on the ledger: the manufacturer
// commissions three items and a pallet, packs two items on the pallet and
// ships it to the wholesaler, who receives it; then the manufacturer
// commissions a fourth item, and a fifth with a quantity of its lot.
type story struct {
	commission, containers, pack, ship, receive, later, inspect epcis.Event
	// hash IDs by name
	id map[string]string
}

const readPoint = "urn:epc:id:sgln:0312345.00000.1"

var lotClass = "urn:epc:class:lgtin:0312345.067890.Q"

func tellStory(t *testing.T, e *env) *story {
	t.Helper()
	s := &story{
		commission: commission(0, "Q", sgtin("I1"), sgtin("I2"), sgtin("I3")),
		containers: commissionContainers(1, sscc("1")),
		pack:       pack(2, sscc("1"), sgtin("I1"), sgtin("I2")),
		ship:       ship(3, mfrSGLN, whsSGLN, sscc("1")),
		receive:    receive(4, whsSGLN, sscc("1")),
		later:      commission(5, "Q2", sgtin("I4")),
	}
	q := 5.0
	s.inspect = commission(6, "Q", sgtin("I5"))
	s.inspect.QuantityList = []epcis.QuantityElement{{EPCClass: lotClass, Quantity: &q, HasQuantity: true}}
	s.receive.ReadPoint = "urn:epc:id:sgln:0388888.00000.7"
	e.mustCapture(mfr, ctJSON, encode(t, document(s.commission, s.containers, s.pack, s.ship), "json"))
	e.mustCapture(whs, ctXML, encode(t, document(s.receive), "xml"))
	e.mustCapture(mfr, ctJSON, encode(t, document(s.later, s.inspect), "json"))
	names := []string{"commission", "containers", "pack", "ship", "receive", "later", "inspect"}
	ids := hashIDs(t, s.commission, s.containers, s.pack, s.ship, s.receive, s.later, s.inspect)
	s.id = map[string]string{}
	for i, n := range names {
		s.id[n] = ids[i]
	}
	return s
}

func (s *story) ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = s.id[n]
	}
	return out
}

// TestQueryParameters asks the regulator's view of the story with each
// standard parameter.
func TestQueryParameters(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	dl := "https://id.gs1.org/01/00312345678906/21/I1"
	tests := []struct {
		name, params string
		want         []string
	}{
		{"no parameters", "", []string{"commission", "containers", "pack", "ship", "receive", "later", "inspect"}},
		{"eventType", "eventType=AggregationEvent", []string{"pack"}},
		{"eventType list", "eventType=AggregationEvent,TransformationEvent", []string{"pack"}},
		{"EQ_bizStep short", "EQ_bizStep=shipping", []string{"ship"}},
		{"EQ_bizStep URN", "EQ_bizStep=urn:epcglobal:cbv:bizstep:receiving", []string{"receive"}},
		{"EQ_bizStep list", "EQ_bizStep=shipping,receiving", []string{"ship", "receive"}},
		{"EQ_bizStep list with pipes", "EQ_bizStep=shipping|receiving", []string{"ship", "receive"}},
		{"EQ_bizStep list with escaped pipes", "EQ_bizStep=" + url.QueryEscape("shipping|receiving"), []string{"ship", "receive"}},
		{"MATCH_epc list of escaped values", "MATCH_epc=" + url.QueryEscape(dl) + "|" + url.QueryEscape(sgtin("I4")), []string{"commission", "pack", "later"}},
		{"EQ_disposition", "EQ_disposition=in_transit", []string{"ship"}},
		{"EQ_action and EQ_bizStep", "EQ_action=ADD&EQ_bizStep=commissioning", []string{"commission", "containers", "later", "inspect"}},
		{"MATCH_epc includes childEPCs", "MATCH_epc=" + sgtin("I1"), []string{"commission", "pack"}},
		{"MATCH_epc by Digital Link", "MATCH_epc=" + url.QueryEscape(dl), []string{"commission", "pack"}},
		{"MATCH_epc excludes parentID", "MATCH_epc=" + sscc("1"), []string{"containers", "ship", "receive"}},
		{"MATCH_anyEPC includes parentID", "MATCH_anyEPC=" + sscc("1"), []string{"containers", "pack", "ship", "receive"}},
		{"MATCH_anyEPC list", "MATCH_anyEPC=" + sgtin("I4") + "&MATCH_anyEPC=" + sgtin("I3"), []string{"commission", "later"}},
		{"MATCH_parentID", "MATCH_parentID=" + sscc("1"), []string{"pack"}},
		{"MATCH_epcClass", "MATCH_epcClass=" + lotClass, []string{"inspect"}},
		{"MATCH_anyEPCClass", "MATCH_anyEPCClass=" + lotClass, []string{"inspect"}},
		{"MATCH_epcClass by Digital Link", "MATCH_epcClass=" + url.QueryEscape("https://id.gs1.org/01/00312345678906/10/Q"), []string{"inspect"}},
		{"MATCH_anyEPCClass with short names", "MATCH_anyEPCClass=" + url.QueryEscape("https://example.com/gtin/00312345678906/lot/Q"), []string{"inspect"}},
		{"MATCH_epcClass of another lot", "MATCH_epcClass=" + url.QueryEscape("https://id.gs1.org/01/00312345678906/10/Q2"), []string{}},
		{"EQ_bizLocation", "EQ_bizLocation=" + whsSGLN, []string{"receive"}},
		{"EQ_readPoint", "EQ_readPoint=" + readPoint, []string{"commission", "later", "inspect"}},
		{"EQ_source_owning_party", "EQ_source_owning_party=" + mfrSGLN, []string{"ship"}},
		{"EQ_source_location as Digital Link", "EQ_source_location=" + url.QueryEscape("https://id.gs1.org/414/0312345000004"), []string{"ship"}},
		{"EQ_destination_owning_party as Digital Link", "EQ_destination_owning_party=" + url.QueryEscape("https://example.com/414/0388888000009"), []string{"ship"}},
		{"EQ_destination_location of another party", "EQ_destination_location=" + mfrSGLN, []string{}},
		{"source and destination combine", "EQ_source_owning_party=" + mfrSGLN + "&EQ_destination_owning_party=" + mfrSGLN, []string{}},
		{"EQ_source_possessing_party", "EQ_source_possessing_party=" + mfrSGLN, []string{}},
		{"GE_eventTime and LT_eventTime", "GE_eventTime=" + url.QueryEscape(at(3).Format("2006-01-02T15:04:05Z07:00")) +
			"&LT_eventTime=" + url.QueryEscape(at(5).Format("2006-01-02T15:04:05Z07:00")), []string{"ship", "receive"}},
		// "+01:00" written as is: a URL query reads its "+" as a space.
		{"GE_eventTime with its offset sign unencoded", "GE_eventTime=" + at(3).In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05Z07:00") +
			"&LT_eventTime=" + url.QueryEscape(at(5).Format("2006-01-02T15:04:05Z07:00")), []string{"ship", "receive"}},
		{"GE_recordTime", "GE_recordTime=2000-01-01T00:00:00Z", []string{"commission", "containers", "pack", "ship", "receive", "later", "inspect"}},
		{"LT_recordTime", "LT_recordTime=2000-01-01T00:00:00Z", []string{}},
		{"EQ_eventID", "EQ_eventID=" + url.QueryEscape(s.id["ship"]), []string{"ship"}},
		{"parameters combine", "eventType=ObjectEvent&MATCH_anyEPC=" + sscc("1"), []string{"containers", "ship", "receive"}},
		{"no match", "MATCH_epc=" + sgtin("NOPE"), []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, link := e.query(reg, tt.params)
			if want := s.ids(tt.want...); !slices.Equal(idsOf(got), want) {
				t.Fatalf("got %d events %v\nwant %d %v", len(got), idsOf(got), len(want), want)
			}
			if link != "" {
				t.Fatalf("a single page has a next link %q", link)
			}
			for _, ev := range got {
				if ev.RecordTime == nil || ev.RecordTime.IsZero() {
					t.Fatalf("event %s has no recordTime", ev.EventID)
				}
			}
		})
	}
}

// TestQueryParameterErrors checks that bad parameters are 400 problems
// naming the parameter.
// paramRefusal is a query (params) that must be a 400 problem naming the
// parameter param in its detail and location.
type paramRefusal struct{ name, params, param string }

// wantParamRefusals asks each query as the regulator, who sees every event,
// so that a refusal cannot be an empty answer in disguise.
func wantParamRefusals(t *testing.T, e *env, tests []paramRefusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do("GET", reg, "/epcis/events?"+tt.params, "", nil, nil)
			var p problem.Body
			if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &p) != nil {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			if !strings.Contains(p.Detail, tt.param) || !hasLocation(p.Errors, problem.Location{Field: tt.param}) {
				t.Fatalf("problem does not name %s: %s", tt.param, b)
			}
		})
	}
}

func TestQueryParameterErrors(t *testing.T) {
	e := newEnv(t, true, nil)
	tests := []paramRefusal{
		{"unknown parameter", "colour=blue", "colour"},
		{"unsupported standard parameter", "GT_INNER_gs1ushc:x=5", "GT_INNER_gs1ushc:x"},
		{"unsupported EXISTS_", "EXISTS_ilmd", "EXISTS_ilmd"},
		{"a location pattern", "EQ_bizLocation=urn:epc:idpat:sgln:0312345.*.*", "EQ_bizLocation"},
		{"a location pattern with descendants", "WD_readPoint=urn:epc:idpat:sgln:0312345.*.*", "WD_readPoint"},
		{"a source type that is not CBV's", "EQ_source_warehouse=" + readPoint, "EQ_source_warehouse"},
		{"ordering by another field", "orderBy=bizStep", "orderBy"},
		{"ordering in another direction", "orderBy=eventTime&orderDirection=UP", "orderDirection"},
		{"eventCountLimit zero", "eventCountLimit=0", "eventCountLimit"},
		{"maxEventCount negative", "maxEventCount=-1", "maxEventCount"},
		{"eventCountLimit and maxEventCount", "eventCountLimit=2&maxEventCount=5", "maxEventCount"},
		{"EXISTS_ with a value", "EXISTS_errorDeclaration=yes", "EXISTS_errorDeclaration"},
		{"business transaction without a type", "EQ_bizTransaction_=PO-1", "EQ_bizTransaction_"},
		{"bad event type", "eventType=Bogus", "eventType"},
		{"bad action", "EQ_action=MAYBE", "EQ_action"},
		{"bad time", "GE_eventTime=yesterday", "GE_eventTime"},
		{"two times", "LT_eventTime=2026-01-01T00:00:00Z&LT_eventTime=2026-01-02T00:00:00Z", "LT_eventTime"},
		{"perPage zero", "perPage=0", "perPage"},
		{"perPage above the maximum", "perPage=100000", "perPage"},
		{"perPage not a number", "perPage=ten", "perPage"},
		{"empty value", "MATCH_epc=", "MATCH_epc"},
		{"a pattern where whole EPCs are matched", "MATCH_epc=urn:epc:idpat:sgtin:0312345.067890.*", "MATCH_epc"},
		{"a pattern of a parent", "MATCH_parentID=urn:epc:idpat:sscc:0312345.*", "MATCH_parentID"},
		{"a class pattern wider than a GTIN", "MATCH_epcClass=urn:epc:idpat:sgtin:0312345.*.*", "MATCH_epcClass"},
		{"a class pattern that is no GTIN", "MATCH_epcClass=urn:epc:idpat:sgtin:abc.def.*", "MATCH_epcClass"},
		{"a class pattern of a GTIN too long", "MATCH_epcClass=urn:epc:idpat:sgtin:0312345.0678901.*", "MATCH_epcClass"},
		{"a class pattern in capitals", "MATCH_anyEPCClass=URN:EPC:IDPAT:SGTIN:0312345.067890.*", "MATCH_anyEPCClass"},
		{"a class where whole EPCs are matched", "MATCH_epc=urn:epc:class:lgtin:0312345.067890.L1", "MATCH_epc"},
		{"forged page token", "nextPageToken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nextPageToken"},
		{"malformed page token", "nextPageToken=%25%25", "nextPageToken"},
	}
	wantParamRefusals(t, e, tests)
}

// TestQueryPaging walks the pages of a query with the Link header and
// checks the page token is bound to its query and organisation.
func TestQueryPaging(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	var all []string
	var tokens []string
	params := "perPage=3"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		got, link := e.query(reg, params)
		if len(got) == 0 || len(got) > 3 {
			t.Fatalf("page of %d events", len(got))
		}
		all = append(all, idsOf(got)...)
		if link == "" {
			break
		}
		u := nextParams(link)
		v, err := url.ParseQuery(u)
		if err != nil || v.Get("perPage") != "3" || v.Get("nextPageToken") == "" {
			t.Fatalf("next link %q", link)
		}
		tokens = append(tokens, v.Get("nextPageToken"))
		params = u
	}
	if want := s.ids("commission", "containers", "pack", "ship", "receive", "later", "inspect"); !slices.Equal(all, want) {
		t.Fatalf("pages gave %v, want %v", all, want)
	}
	if len(tokens) != 2 {
		t.Fatalf("%d next links for 7 events at 3 a page", len(tokens))
	}
	misuse := []struct{ name, org, params string }{
		{"token of another query", reg, "perPage=3&eventType=ObjectEvent&nextPageToken=" + tokens[0]},
		{"token of another organisation", mfr, "perPage=3&nextPageToken=" + tokens[0]},
		{"tampered token", reg, "perPage=3&nextPageToken=" + flipLast(tokens[0])},
	}
	for _, tt := range misuse {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do("GET", tt.org, "/epcis/events?"+tt.params, "", nil, nil)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "nextPageToken") {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
		})
	}
	t.Run("perPage may change between pages", func(t *testing.T) {
		got, _ := e.query(reg, "perPage=100&nextPageToken="+tokens[0])
		if want := s.ids("ship", "receive", "later", "inspect"); !slices.Equal(idsOf(got), want) {
			t.Fatalf("got %v, want %v", idsOf(got), want)
		}
	})
}

func flipLast(s string) string {
	b := []byte(s)
	if b[len(b)-1] == 'A' {
		b[len(b)-1] = 'B'
	} else {
		b[len(b)-1] = 'A'
	}
	return string(b)
}

// TestQueryXML asks for XML and gets the same events as in JSON-LD.
func TestQueryXML(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	for _, accept := range []string{"application/xml", "text/xml", "application/json;q=0.5, application/xml"} {
		t.Run(accept, func(t *testing.T) {
			resp, b := e.do("GET", reg, "/epcis/events?MATCH_anyEPC="+sscc("1"), "", nil, map[string]string{"Accept": accept})
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/xml" {
				t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
			doc, err := epcis.DecodeXML(bytes.NewReader(b))
			if err != nil || doc.Query == nil {
				t.Fatalf("decode XML answer: %v\n%s", err, b)
			}
			if want := s.ids("containers", "pack", "ship", "receive"); !slices.Equal(idsOf(doc.Events), want) {
				t.Fatalf("got %v, want %v", idsOf(doc.Events), want)
			}
		})
	}
	t.Run("JSON preferred", func(t *testing.T) {
		resp, _ := e.do("GET", reg, "/epcis/events", "", nil, map[string]string{"Accept": "application/ld+json, application/xml;q=0.9"})
		if resp.Header.Get("Content-Type") != "application/ld+json" {
			t.Fatalf("Content-Type %s", resp.Header.Get("Content-Type"))
		}
	})
	// A type the query cannot answer in is told so, on both routes.
	for _, path := range []string{"/epcis/events", "/epcis/events/" + url.PathEscape(s.id["ship"])} {
		t.Run("CSV asked of "+path, func(t *testing.T) {
			resp, b := e.do("GET", reg, path, "", nil, map[string]string{"Accept": "text/csv"})
			var p problem.Body
			if err := json.Unmarshal(b, &p); err != nil || resp.StatusCode != http.StatusNotAcceptable || p.Code != problem.NotAcceptable ||
				!strings.Contains(p.Detail, "application/ld+json") || len(p.Errors) != 1 || p.Errors[0].Field != "Accept" {
				t.Fatalf("%d %s, want 406 naming the types there are", resp.StatusCode, b)
			}
		})
	}
}

// TestVisibility checks each organisation sees the events it is party to,
// the regulator sees all, and a single event outside one's view is unknown.
func TestVisibility(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	everything := s.ids("commission", "containers", "pack", "ship", "receive", "later", "inspect")
	views := map[string][]string{}
	for _, org := range []string{mfr, whs, pharm, reg} {
		got, _ := e.query(org, "")
		views[org] = idsOf(got)
	}
	if !slices.Equal(views[reg], everything) {
		t.Fatalf("regulator sees %v", views[reg])
	}
	if len(views[pharm]) != 0 {
		t.Fatalf("the pharmacy, party to nothing, sees %v", views[pharm])
	}
	for _, name := range []string{"ship", "receive"} {
		if !slices.Contains(views[whs], s.id[name]) {
			t.Fatalf("the wholesaler does not see the %s event it is party to", name)
		}
	}
	for _, name := range []string{"commission", "containers", "pack", "later", "inspect"} {
		if slices.Contains(views[whs], s.id[name]) {
			t.Fatalf("the wholesaler sees the manufacturer's %s event", name)
		}
		if !slices.Contains(views[mfr], s.id[name]) {
			t.Fatalf("the manufacturer does not see its %s event", name)
		}
	}
	sorted := slices.Clone(views[mfr])
	sort.Strings(sorted)
	if len(slices.Compact(sorted)) != len(views[mfr]) {
		t.Fatalf("duplicates in %v", views[mfr])
	}

	one := "/epcis/events/" + url.PathEscape(s.id["commission"])
	tests := []struct {
		name, org, path string
		status          int
	}{
		{"creator reads its event", mfr, one, 200},
		{"regulator reads any event", reg, one, 200},
		{"non-party gets 404", whs, one, 404},
		{"party to nothing gets 404", pharm, one, 404},
		{"unknown event is 404", reg, "/epcis/events/" + url.PathEscape("ni:///sha-256;00?ver=CBV2.0"), 404},
		{"party reads the shipment", whs, "/epcis/events/" + url.PathEscape(s.id["ship"]), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do("GET", tt.org, tt.path, "", nil, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			if tt.status != 200 {
				return
			}
			doc, err := epcis.DecodeJSON(bytes.NewReader(b))
			if err != nil || len(doc.Events) != 1 {
				t.Fatalf("decode %v: %s", err, b)
			}
			if id := doc.Events[0].EventID; "/epcis/events/"+url.PathEscape(id) != tt.path {
				t.Fatalf("event %s at %s", id, tt.path)
			}
		})
	}
	t.Run("a hash ID pasted unescaped is found", func(t *testing.T) {
		// "ni:///sha-256;<hex>?ver=CBV2.0" as written: its "?ver=CBV2.0"
		// arrives as the query string, which this route otherwise has none of.
		id := s.id["commission"]
		if !strings.Contains(id, "?ver=") {
			t.Fatalf("hash ID %q", id)
		}
		resp, b := e.do("GET", mfr, "/epcis/events/"+id, "", nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		doc, err := epcis.DecodeJSON(bytes.NewReader(b))
		if err != nil || len(doc.Events) != 1 || doc.Events[0].EventID != id {
			t.Fatalf("decode %v: %s", err, b)
		}
		// Still hidden from a non-party.
		if resp, b := e.do("GET", whs, "/epcis/events/"+id, "", nil, nil); resp.StatusCode != 404 {
			t.Fatalf("non-party: %d %s", resp.StatusCode, b)
		}
	})
	t.Run("404 bodies do not differ between hidden and unknown", func(t *testing.T) {
		_, hidden := e.do("GET", pharm, one, "", nil, nil)
		var p problem.Body
		if err := json.Unmarshal(hidden, &p); err != nil || p.Code != problem.NotFound || !strings.HasPrefix(p.Detail, "no event ") {
			t.Fatalf("hidden event answer %s", hidden)
		}
	})
}

// TestQueryValueWithComma: a comma within a value (GS1 serials and URIs may
// hold one) is written %2C and matches that value, not the value before it;
// a raw comma separates values.
func TestQueryValueWithComma(t *testing.T) {
	e := newEnv(t, true, nil)
	comma, plain := sgtin("C,1"), sgtin("C")
	s := e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "CM", comma), commission(1, "CM", plain)), "json"))
	if !s.Success {
		t.Fatalf("capture: %+v", s)
	}
	for _, tc := range []struct {
		params string
		want   []string
	}{
		{"MATCH_epc=" + url.QueryEscape(comma), []string{comma}},
		{"MATCH_epc=" + url.QueryEscape(plain), []string{plain}},
		{"MATCH_epc=" + url.QueryEscape(plain) + "," + url.QueryEscape(comma), []string{comma, plain}},
	} {
		got, _ := e.query(reg, tc.params)
		var epcs []string
		for _, ev := range got {
			epcs = append(epcs, ev.EPCList...)
		}
		slices.Sort(epcs)
		slices.Sort(tc.want)
		if !slices.Equal(epcs, tc.want) {
			t.Errorf("%s: events of %v, want %v", tc.params, epcs, tc.want)
		}
	}
}

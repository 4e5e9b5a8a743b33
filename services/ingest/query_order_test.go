package ingest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"rxledger/epcis"
	"rxledger/services/ingest"
	"rxledger/services/platform/problem"
)

// TestQueryFilters covers the parameters matched on the event itself, not
// on the index: business transactions, and locations with descendants.
func TestQueryFilters(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	po := url.QueryEscape("urn:epcglobal:cbv:bt:0312345000004:PO-1")
	tests := []onePage{
		{"EQ_bizTransaction_ by short type", "EQ_bizTransaction_po=" + po, []string{"ship"}},
		{"EQ_bizTransaction_ by URN type", "EQ_bizTransaction_urn:epcglobal:cbv:btt:po=" + po, []string{"ship"}},
		{"EQ_bizTransaction_ by web URI type", "EQ_bizTransaction_" + url.QueryEscape("https://ref.gs1.org/cbv/BTT-po") + "=" + po, []string{"ship"}},
		{"EQ_bizTransaction_ in a list", "EQ_bizTransaction_po=PO-9|" + po, []string{"ship"}},
		{"EQ_bizTransaction_ of another value", "EQ_bizTransaction_po=PO-9", []string{}},
		{"EQ_bizTransaction_ of another type", "EQ_bizTransaction_inv=" + po, []string{}},
		{"EQ_bizTransaction_ with another parameter", "EQ_bizTransaction_po=" + po + "&EQ_bizStep=receiving", []string{}},
		{"WD_readPoint matches as EQ_readPoint", "WD_readPoint=" + readPoint, []string{"commission", "later", "inspect"}},
		{"WD_bizLocation as a Digital Link", "WD_bizLocation=" + url.QueryEscape("https://id.gs1.org/414/0388888000009"), []string{"receive"}},
		{"EQ_ and WD_ must both hold", "EQ_readPoint=" + readPoint + "&WD_readPoint=" + mfrSGLN, []string{}},
		{"EQ_ and WD_ that agree", "EQ_readPoint=" + readPoint + "," + mfrSGLN + "&WD_readPoint=" + readPoint, []string{"commission", "later", "inspect"}},
		{"EQ_transformationID", "EQ_transformationID=urn:uuid:0fd5b8a4-0c4b-4a5e-9d3f-1f0c2b7e8a11", []string{}},
		{"EXISTS_errorDeclaration", "EXISTS_errorDeclaration", []string{}},
		{"EXISTS_errorDeclaration=false", "EXISTS_errorDeclaration=false&eventType=AggregationEvent", []string{"pack"}},
		{"EQ_errorReason", "EQ_errorReason=incorrect_data", []string{}},
	}
	checkOnePage(t, e, s, tests)
}

// TestQueryOrderAndLimits covers orderBy, orderDirection, eventCountLimit
// and maxEventCount, alone, with each other and across pages.
func TestQueryOrderAndLimits(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	ledgerOrder := []string{"commission", "containers", "pack", "ship", "receive", "later", "inspect"}
	newest := slices.Clone(ledgerOrder)
	slices.Reverse(newest) // the story's event times rise with its ledger order
	tests := []onePage{
		{"orderBy eventTime is newest first", "orderBy=eventTime", newest},
		{"orderBy eventTime ASC", "orderBy=eventTime&orderDirection=ASC", ledgerOrder},
		{"orderBy recordTime DESC", "orderBy=recordTime&orderDirection=DESC", newest},
		{"orderDirection alone keeps the ledger order", "orderDirection=DESC", ledgerOrder},
		{"eventCountLimit takes the first", "eventCountLimit=2", ledgerOrder[:2]},
		{"eventCountLimit above the answer", "eventCountLimit=50", ledgerOrder},
		{"eventCountLimit after ordering", "orderBy=eventTime&eventCountLimit=2", newest[:2]},
		{"eventCountLimit after filtering", "EQ_bizStep=commissioning&orderBy=eventTime&eventCountLimit=1", []string{"inspect"}},
		{"maxEventCount not exceeded", "maxEventCount=7", ledgerOrder},
		{"maxEventCount with a filter", "EQ_bizStep=shipping&maxEventCount=1", []string{"ship"}},
		{"maxEventCount sorted", "orderBy=eventTime&maxEventCount=7", newest},
	}
	checkOnePage(t, e, s, tests)

	for _, params := range []string{"maxEventCount=6", "orderBy=eventTime&maxEventCount=6", "EQ_bizStep=commissioning&maxEventCount=0"} {
		t.Run("too large: "+params, func(t *testing.T) {
			resp, b := e.do("GET", reg, "/epcis/events?"+params, "", nil, nil)
			var p problem.Body
			if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal(b, &p) != nil ||
				!strings.Contains(p.Detail, "QueryTooLargeException") || !hasLocation(p.Errors, problem.Location{Field: "maxEventCount"}) {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
		})
	}

	pages := func(t *testing.T, params string) (all []string, sizes []int) {
		t.Helper()
		for len(sizes) < 10 {
			got, link := e.query(reg, params)
			all, sizes = append(all, idsOf(got)...), append(sizes, len(got))
			if link == "" {
				return all, sizes
			}
			params = nextParams(link)
		}
		t.Fatal("paging does not end")
		return nil, nil
	}
	t.Run("eventCountLimit across pages", func(t *testing.T) {
		all, sizes := pages(t, "eventCountLimit=5&perPage=2")
		if !slices.Equal(all, s.ids(ledgerOrder[:5]...)) || !slices.Equal(sizes, []int{2, 2, 1}) {
			t.Fatalf("pages of %v gave %v", sizes, all)
		}
	})
	t.Run("sorted pages with a limit", func(t *testing.T) {
		all, sizes := pages(t, "orderBy=eventTime&eventCountLimit=4&perPage=3")
		if !slices.Equal(all, s.ids(newest[:4]...)) || !slices.Equal(sizes, []int{3, 1}) {
			t.Fatalf("pages of %v gave %v", sizes, all)
		}
	})
	t.Run("sorted pages stay put while events are captured", func(t *testing.T) {
		first, link := e.query(reg, "orderBy=eventTime&perPage=3")
		if !slices.Equal(idsOf(first), s.ids(newest[:3]...)) || link == "" {
			t.Fatalf("first page %v, link %q", idsOf(first), link)
		}
		// Newer than every event of the answer: sorted first, were it in.
		e.mustCapture(mfr, ctJSON, encode(t, document(commission(60, "Q3", sgtin("I6"))), "json"))
		e.synced()
		rest, _ := pages(t, nextParams(link))
		if !slices.Equal(append(idsOf(first), rest...), s.ids(newest...)) {
			t.Fatalf("pages gave %v then %v, want %v", idsOf(first), rest, s.ids(newest...))
		}
		got, _ := e.query(reg, "orderBy=eventTime&eventCountLimit=1")
		if len(got) != 1 || !slices.Contains(got[0].EPCList, sgtin("I6")) {
			t.Fatalf("a new query does not start with the new event: %v", idsOf(got))
		}
	})
	t.Run("maxEventCount holds across pages while events are captured", func(t *testing.T) {
		first, link := e.query(reg, "maxEventCount=8&perPage=3") // the story and I6
		if len(first) != 3 || link == "" {
			t.Fatalf("first page %v, link %q", idsOf(first), link)
		}
		e.mustCapture(mfr, ctJSON, encode(t, document(commission(61, "Q3", sgtin("I7"))), "json"))
		rest, _ := pages(t, nextParams(link))
		if n := len(first) + len(rest); n != 8 {
			t.Fatalf("%d events over the pages of an answer of at most 8", n)
		}
	})
}

// TestQuerySortBound: an answer to sort larger than MaxSortedEvents is a
// 413 saying how to narrow it, unless eventCountLimit keeps few enough.
func TestQuerySortBound(t *testing.T) {
	e := newEnv(t, true, func(c *ingest.Config) { c.MaxSortedEvents = 4 })
	s := tellStory(t, e)
	resp, b := e.do("GET", reg, "/epcis/events?orderBy=eventTime", "", nil, nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "eventCountLimit") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	for _, params := range []string{"orderBy=eventTime&eventCountLimit=2", "orderBy=eventTime&EQ_bizStep=commissioning"} {
		if got, _ := e.query(reg, params); len(got) == 0 {
			t.Fatalf("%s: no events", params)
		}
	}
	got, _ := e.query(reg, "orderBy=eventTime&orderDirection=ASC&eventCountLimit=2")
	if want := s.ids("commission", "containers"); !slices.Equal(idsOf(got), want) {
		t.Fatalf("got %v, want %v", idsOf(got), want)
	}
	// An eventCountLimit above half the bound keeps every match to sort
	// and still ends the answer at the limit: no page after it.
	got, link := e.query(reg, "orderBy=eventTime&MATCH_anyEPC="+sscc("1")+"&eventCountLimit=3&perPage=3")
	if want := s.ids("receive", "ship", "pack"); !slices.Equal(idsOf(got), want) || link != "" {
		t.Fatalf("got %v and link %q, want %v and no next page", idsOf(got), link, want)
	}
	// Without orderBy nothing is sorted, so nothing is bounded.
	if got, _ := e.query(reg, ""); len(got) != 7 {
		t.Fatalf("%d events in ledger order, want 7", len(got))
	}
}

// TestQueryEPCFormat: the GS1-EPC-Format header writes an answer's
// identifiers as Digital Links or as EPC URNs (the prefix length from the
// company prefixes regulators attest), without it as captured; the answer
// says which; another value is a 400.
func TestQueryEPCFormat(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e) // captured with EPC URNs
	dlItem := "https://id.gs1.org/01/00312345678906/21/DL1"
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(9, "DL", dlItem)), "json"))

	get := func(t *testing.T, format, params string) ([]epcis.Event, http.Header) {
		t.Helper()
		h := map[string]string{}
		if format != "" {
			h[ingest.HeaderEPCFormat] = format
		}
		resp, b := e.do("GET", reg, "/epcis/events?"+params, "", nil, h)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		doc, err := epcis.DecodeJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return doc.Events, resp.Header
	}
	ship := "EQ_eventID=" + url.QueryEscape(s.id["ship"])
	tests := []struct {
		format, params, header string
		epc, bizLocation       string
	}{
		{"", ship, ingest.EPCFormatAsCaptured, sscc("1"), mfrSGLN},
		{ingest.EPCFormatNoPreference, ship, ingest.EPCFormatAsCaptured, sscc("1"), mfrSGLN},
		{ingest.EPCFormatDigitalLink, ship, ingest.EPCFormatDigitalLink, "https://id.gs1.org/00/103123450000000018", "https://id.gs1.org/414/0312345000004"},
		{ingest.EPCFormatURN, ship, ingest.EPCFormatURN, sscc("1"), mfrSGLN},
		{ingest.EPCFormatURN, "MATCH_epc=" + url.QueryEscape(dlItem), ingest.EPCFormatURN, "urn:epc:id:sgtin:0312345.067890.DL1", mfrSGLN},
		{ingest.EPCFormatAsCaptured, "MATCH_epc=" + url.QueryEscape(dlItem), ingest.EPCFormatAsCaptured, dlItem, mfrSGLN},
	}
	for _, tt := range tests {
		t.Run(tt.format+" "+tt.params, func(t *testing.T) {
			got, h := get(t, tt.format, tt.params)
			if len(got) != 1 || len(got[0].EPCList) != 1 || got[0].EPCList[0] != tt.epc || got[0].BizLocation != tt.bizLocation {
				t.Fatalf("events %+v, want epc %s at %s", got, tt.epc, tt.bizLocation)
			}
			if h.Get(ingest.HeaderEPCFormat) != tt.header {
				t.Fatalf("%s: %q, want %q", ingest.HeaderEPCFormat, h.Get(ingest.HeaderEPCFormat), tt.header)
			}
		})
	}
	resp, b := e.do("GET", reg, "/epcis/events", "", nil, map[string]string{ingest.HeaderEPCFormat: "Sometimes"})
	var p problem.Body
	if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &p) != nil || !hasLocation(p.Errors, problem.Location{Field: ingest.HeaderEPCFormat}) {
		t.Fatalf("a format that is none: %d %s", resp.StatusCode, b)
	}
}

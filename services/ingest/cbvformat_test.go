package ingest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rxledger/epcis"
	"rxledger/services/ingest"
	"rxledger/services/platform/problem"
)

// TestQueryCBVXMLFormat: the GS1-CBV-XML-Format header writes an XML
// answer's CBV values as web URIs or as URNs (URNs without it, for
// No_Preference and for Never_Translates, as the model keeps no captured
// form), and the answer says which; a JSON-LD answer keeps its bare words
// and names no form; another value is a 400 naming the header, on both
// routes and whatever the answer's media type.
func TestQueryCBVXMLFormat(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	shipQuery := "/epcis/events?EQ_eventID=" + url.QueryEscape(s.id["ship"])
	shipEvent := "/epcis/events/" + url.PathEscape(s.id["ship"])
	webURIs := []string{"https://ref.gs1.org/cbv/BizStep-shipping", "https://ref.gs1.org/cbv/Disp-in_transit",
		"https://ref.gs1.org/cbv/BTT-po", "https://ref.gs1.org/cbv/SDT-owning_party", "https://ref.gs1.org/cbv/SDT-location"}
	urns := []string{"urn:epcglobal:cbv:bizstep:shipping", "urn:epcglobal:cbv:disp:in_transit",
		"urn:epcglobal:cbv:btt:po", "urn:epcglobal:cbv:sdt:owning_party", "urn:epcglobal:cbv:sdt:location"}
	tests := []struct {
		name, path, format, echo string
		want, not                []string
	}{
		{"no header", shipQuery, "", ingest.CBVXMLFormatURN, urns, webURIs},
		{"Always_Web_URI", shipQuery, ingest.CBVXMLFormatWebURI, ingest.CBVXMLFormatWebURI, webURIs, urns},
		{"Always_URN", shipQuery, ingest.CBVXMLFormatURN, ingest.CBVXMLFormatURN, urns, webURIs},
		{"No_Preference", shipQuery, ingest.CBVXMLFormatNoPreference, ingest.CBVXMLFormatURN, urns, webURIs},
		{"Never_Translates", shipQuery, ingest.CBVXMLFormatNeverTranslates, ingest.CBVXMLFormatURN, urns, webURIs},
		{"Always_Web_URI for one event", shipEvent, ingest.CBVXMLFormatWebURI, ingest.CBVXMLFormatWebURI, webURIs, urns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Accept": "application/xml"}
			if tt.format != "" {
				h[ingest.HeaderCBVXMLFormat] = tt.format
			}
			resp, b := e.do("GET", reg, tt.path, "", nil, h)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/xml" {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			if got := resp.Header.Get(ingest.HeaderCBVXMLFormat); got != tt.echo {
				t.Errorf("%s: %q, want %q", ingest.HeaderCBVXMLFormat, got, tt.echo)
			}
			for _, w := range tt.want {
				if !bytes.Contains(b, []byte(">"+w+"<")) && !bytes.Contains(b, []byte(`"`+w+`"`)) {
					t.Errorf("answer lacks %s:\n%s", w, b)
				}
			}
			for _, n := range tt.not {
				if bytes.Contains(b, []byte(n)) {
					t.Errorf("answer has %s:\n%s", n, b)
				}
			}
			doc, err := epcis.DecodeXML(bytes.NewReader(b))
			if err != nil || len(doc.Events) != 1 || doc.Events[0].BizStep != "shipping" || doc.Events[0].Disposition != "in_transit" {
				t.Fatalf("decode the answer: %v\n%s", err, b)
			}
		})
	}
	t.Run("JSON-LD keeps bare words and names no form", func(t *testing.T) {
		resp, b := e.do("GET", reg, shipQuery, "", nil, map[string]string{ingest.HeaderCBVXMLFormat: ingest.CBVXMLFormatWebURI})
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/ld+json" {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if got := resp.Header.Get(ingest.HeaderCBVXMLFormat); got != "" {
			t.Errorf("a JSON-LD answer says %s: %q", ingest.HeaderCBVXMLFormat, got)
		}
		if !bytes.Contains(b, []byte(`"bizStep":"shipping"`)) && !bytes.Contains(b, []byte(`"bizStep": "shipping"`)) {
			t.Errorf("bizStep is not the bare word:\n%s", b)
		}
	})
	for _, path := range []string{shipQuery, shipEvent} {
		for _, accept := range []string{"application/xml", "application/ld+json"} {
			t.Run("unknown value to "+strings.SplitN(path, "?", 2)[0]+" in "+accept, func(t *testing.T) {
				resp, b := e.do("GET", reg, path, "", nil, map[string]string{"Accept": accept, ingest.HeaderCBVXMLFormat: "Always_Web_URIs"})
				var p problem.Body
				if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &p) != nil ||
					!hasLocation(p.Errors, problem.Location{Field: ingest.HeaderCBVXMLFormat}) || !strings.Contains(p.Detail, "Always_Web_URIs") {
					t.Fatalf("%d %s", resp.StatusCode, b)
				}
			})
		}
	}
}

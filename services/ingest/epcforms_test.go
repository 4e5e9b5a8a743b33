package ingest_test

import (
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"rxledger/epcis"
	"rxledger/internal/testenv"
	"rxledger/services/ingest"
)

// The story's package I1 and pallet in GS1 Digital Link short names
// (GS1 Digital Link 1.x: /gtin/, /ser/, /lot/, /sscc/), on id.gs1.org and
// on other hosts.
const (
	i1Short      = "https://id.gs1.org/gtin/00312345678906/ser/I1"
	i1ShortOther = "https://example.com/gtin/00312345678906/ser/I1"
	i2ShortLot   = "https://example.com/resolver/gtin/00312345678906/lot/Q/ser/I2"
	palletShort  = "https://id.gs1.org/sscc/103123450000000018"
	palletOther  = "https://example.com/resolver/sscc/103123450000000018"
	lotShort     = "https://id.gs1.org/gtin/00312345678906/lot/Q"
)

// inspectShort is an inspection of I1 at location, naming it with short
// names as a partner's system may write it; the chaincode reads them as the
// package's and holds the observer to its custody rule.
func inspectShort(location string) epcis.Event {
	return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "inspecting",
		EventTime: at(7), EventTimeZoneOffset: "+00:00", EPCList: []string{i1ShortOther}, BizLocation: location}
}

// TestQueryEPCShortNames: MATCH_epc, MATCH_anyEPC and MATCH_parentID find a
// package or a pallet named with Digital Link short names, on any host, as
// they find it named by EPC URN or numeric Digital Link; an event captured
// with short names is found by every form.
func TestQueryEPCShortNames(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellStory(t, e)
	// The story shipped I1 to the wholesaler, which holds it now.
	e.mustCapture(whs, ctJSON, encode(t, document(inspectShort(whsSGLN)), "json"))
	s.id["inspectShort"] = hashIDs(t, inspectShort(whsSGLN))[0]
	i1 := []string{"commission", "pack", "inspectShort"}
	tests := []struct {
		name, params string
		want         []string
	}{
		{"MATCH_epc with short names", "MATCH_epc=" + url.QueryEscape(i1Short), i1},
		{"MATCH_epc with short names on another host", "MATCH_epc=" + url.QueryEscape(i1ShortOther), i1},
		{"MATCH_epc with short names and a lot", "MATCH_epc=" + url.QueryEscape(i2ShortLot), []string{"commission", "pack"}},
		{"MATCH_epc as URN finds the event captured with short names", "MATCH_epc=" + sgtin("I1"), i1},
		{"MATCH_epc as Digital Link finds it too", "MATCH_epc=" + url.QueryEscape("https://id.gs1.org/01/00312345678906/21/I1"), i1},
		{"MATCH_anyEPC with short names", "MATCH_anyEPC=" + url.QueryEscape(palletOther), []string{"containers", "pack", "ship", "receive"}},
		{"MATCH_anyEPC list in forms", "MATCH_anyEPC=" + url.QueryEscape(i1Short) + "," + sgtin("I4"), []string{"commission", "pack", "later", "inspectShort"}},
		{"MATCH_parentID with short names", "MATCH_parentID=" + url.QueryEscape(palletShort), []string{"pack"}},
		{"MATCH_parentID and MATCH_epc with short names", "MATCH_parentID=" + url.QueryEscape(palletOther) +
			"&MATCH_epc=" + url.QueryEscape(i1Short), []string{"pack"}},
		{"a lot is no package", "MATCH_epc=" + url.QueryEscape(lotShort), []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := e.query(reg, tt.params)
			if want := s.ids(tt.want...); !slices.Equal(idsOf(got), want) {
				t.Fatalf("%s: got %v\nwant %v", tt.params, idsOf(got), want)
			}
		})
	}
}

// TestIndexOfFormat2Rebuilt starts the service on a query index as format
// 2 wrote it (EPCs written with short names indexed as captured): the index
// is rebuilt from the ledger at start, which is logged, and then finds the
// event captured with short names by the package's URN.
func TestIndexOfFormat2Rebuilt(t *testing.T) {
	logs := &testenv.Buffer{}
	e := newEnv(t, true, func(c *ingest.Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "Q", sgtin("I1"))), "json"))
	e.mustCapture(mfr, ctJSON, encode(t, document(inspectShort(mfrSGLN)), "json"))
	want := hashIDs(t, commission(0, "Q", sgtin("I1")), inspectShort(mfrSGLN))
	e.stop()
	n, err := ingest.DowngradeIndexToFormat2(filepath.Join(e.dir, "index"))
	if err != nil || n == 0 {
		t.Fatalf("write the index in format 2: %d entries, %v", n, err)
	}

	e.start(true)
	e.synced()
	if !strings.Contains(logs.String(), "the query index is of another format; rebuilding it from the ledger") {
		t.Fatalf("the rebuild was not logged:\n%s", logs.String())
	}
	if got, _ := e.query(reg, "MATCH_epc="+sgtin("I1")); !slices.Equal(idsOf(got), want) {
		t.Fatalf("MATCH_epc as URN after the rebuild: got %v, want %v", idsOf(got), want)
	}
}

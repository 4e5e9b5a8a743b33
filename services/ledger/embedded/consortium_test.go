package embedded

import (
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"rxledger/internal/testenv"
	"strings"
	"testing"
)

func TestDemoConsortium(t *testing.T) {
	c, err := LoadConsortium(filepath.Join(testenv.RepoRoot(t), "deploy", "consortium", "demo.json"))
	if err != nil {
		t.Fatalf("load demo consortium: %v", err)
	}
	want := map[string]string{
		"ManufacturerMSP": "manufacturer", "WholesalerMSP": "wholesaler",
		"PharmacyMSP": "dispenser", "RegulatorMSP": "regulator",
	}
	if len(c.Organizations) != len(want) {
		t.Fatalf("demo has %d organisations, want %d", len(c.Organizations), len(want))
	}
	for msp, role := range want {
		o, ok := c.Org(msp)
		if !ok {
			t.Errorf("demo lacks %s", msp)
			continue
		}
		if len(o.Roles) != 1 || o.Roles[0] != role {
			t.Errorf("%s roles %v, want [%s]", msp, o.Roles, role)
		}
	}
	if o, _ := c.Org("ManufacturerMSP"); len(o.GS1CompanyPrefixes) == 0 || o.GS1CompanyPrefixes[0] != "0312345" {
		t.Errorf("manufacturer prefixes %v, want 0312345 first", o.GS1CompanyPrefixes)
	}
}

func TestParseConsortiumRejects(t *testing.T) {
	org := `{"mspId":"AMSP","name":"A","roles":["manufacturer"]}`
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{`, "decode"},
		{"unknown field", `{"name":"c","organisations":[]}`, "unknown field"},
		{"trailing document", `{"name":"c","organizations":[` + org + `]} {}`, "trailing"},
		{"no name", `{"organizations":[` + org + `]}`, "name is required"},
		{"no organisations", `{"name":"c","organizations":[]}`, "at least one organization"},
		{"bad MSP ID", `{"name":"c","organizations":[{"mspId":"A MSP","name":"A","roles":["manufacturer"]}]}`, "mspId"},
		{"duplicate MSP ID", `{"name":"c","organizations":[` + org + `,` + org + `]}`, "duplicate"},
		{"no org name", `{"name":"c","organizations":[{"mspId":"AMSP","roles":["manufacturer"]}]}`, "name is required"},
		{"no roles", `{"name":"c","organizations":[{"mspId":"AMSP","name":"A","roles":[]}]}`, "at least one role"},
		{"unknown role", `{"name":"c","organizations":[{"mspId":"AMSP","name":"A","roles":["pirate"]}]}`, "unknown role"},
		{"bad company prefix", `{"name":"c","organizations":[{"mspId":"AMSP","name":"A","roles":["manufacturer"],"gs1CompanyPrefixes":["12ab"]}]}`, "gs1CompanyPrefix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConsortium([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestLoadConsortiumMissingFile(t *testing.T) {
	if _, err := LoadConsortium(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("loading a missing file succeeded")
	}
}

// TestParseConsortiumSaysWhere: a file that does not decode is reported with
// the line and column of the problem, as a hand-edited file needs.
func TestParseConsortiumSaysWhere(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"missing comma", "{\"name\": \"c\",\n \"organizations\": [\n  {\"mspId\": \"AMSP\" \"name\": \"A\"}\n ]\n}", "line 3, column 20"},
		{"misspelt field", "{\"name\": \"c\",\n \"organizations\": [\n  {\"mspId\": \"AMSP\", \"nmae\": \"A\"}\n ]\n}", "line 3, column 21"},
		{"wrong type", "{\"name\": \"c\",\n \"organizations\": [\n  {\"mspId\": \"AMSP\", \"roles\": \"manufacturer\"}\n ]\n}", "line 3, column 43"}, // the end of the value,
		{"cut short", "{\"name\": \"c\",\n \"organizations\": [\n", "line 3, column 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConsortium([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestRecordedConsortium reads the consortium of a ledger's genesis block:
// none before the ledger exists, the one it was created with after, even
// when it was opened again with another.
func TestRecordedConsortium(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	if c, err := RecordedConsortium(dir); c != nil || err != nil {
		t.Fatalf("before the ledger exists: %+v, %v; want nil, nil", c, err)
	}
	created := testConsortium()
	l := openAtWith(t, dir, created, Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	wider := testConsortium()
	wider.Organizations = append(wider.Organizations, Organization{MSPID: "LaterMSP", Name: "Later", Roles: []string{"3PL"}})
	l = openAtWith(t, dir, wider, Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := RecordedConsortium(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, created) {
		t.Errorf("recorded consortium %+v, want the one the ledger was created with, %+v", got, created)
	}
}

// TestOpenChecksGenesis: a ledger opens again with its consortium, grown or
// not, and refuses another consortium's name or one that leaves out an
// organisation of its genesis block, naming it; nothing is written.
func TestOpenChecksGenesis(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	l := openAtWith(t, dir, testConsortium(), Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	renamed := testConsortium()
	renamed.Name = "another-name"
	fewer := testConsortium()
	gone := fewer.Organizations[len(fewer.Organizations)-1].MSPID
	fewer.Organizations = fewer.Organizations[:len(fewer.Organizations)-1]
	files := func() map[string]int64 {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, e := range entries {
			if info, err := e.Info(); err == nil {
				out[e.Name()] = info.Size()
			}
		}
		return out
	}
	stored := files()
	for _, tc := range []struct {
		cons *Consortium
		want string
	}{
		{renamed, "created for consortium " + testConsortium().Name + ", not another-name"},
		{fewer, "lacks " + gone},
	} {
		_, err := Open(dir, tc.cons, (&kvChaincode{}).invoke, Options{Logger: slog.New(slog.DiscardHandler)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("open with %s: %v, want an error saying %q", tc.cons.Name, err, tc.want)
		}
		if now := files(); !maps.Equal(now, stored) {
			t.Errorf("a refused open changed the store's files: %v, before %v", now, stored)
		}
	}
	grown := testConsortium()
	grown.Organizations = append(grown.Organizations, Organization{MSPID: "LaterMSP", Name: "Later", Roles: []string{"3PL"}})
	l = openAtWith(t, dir, grown, Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

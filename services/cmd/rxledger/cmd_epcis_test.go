package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/epcis"
	"rxledger/internal/testenv"
)

// runCLI runs the rxledger command line with args and stdin.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

const pharmaExample = "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml"

func TestEpcisHash(t *testing.T) {
	dir := testenv.Testdata(t, "epcis-event-hash/examples")
	one := filepath.Join(dir, "ReferenceEventHashAlgorithm.xml")
	two := filepath.Join(dir, "epcisDocWith2DifferentTransformationEvents.xml")
	want1, err := os.ReadFile(strings.TrimSuffix(one, ".xml") + ".hashes")
	if err != nil {
		t.Fatal(err)
	}
	want2, err := os.ReadFile(strings.TrimSuffix(two, ".xml") + ".hashes")
	if err != nil {
		t.Fatal(err)
	}
	ids2 := strings.Fields(string(want2))

	t.Run("one file prints the IDs", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", "epcis", "hash", one)
		if code != 0 || strings.TrimSpace(out) != strings.TrimSpace(string(want1)) {
			t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want1)
		}
	})
	t.Run("several files print file, index and ID", func(t *testing.T) {
		code, out, _ := runCLI(t, "", "epcis", "hash", one, two)
		want := one + "\t0\t" + strings.TrimSpace(string(want1)) + "\n" + two + "\t0\t" + ids2[0] + "\n" + two + "\t1\t" + ids2[1] + "\n"
		if code != 0 || out != want {
			t.Fatalf("exit %d, stdout\n%s\nwant\n%s", code, out, want)
		}
	})
	t.Run("stdin", func(t *testing.T) {
		b, err := os.ReadFile(one)
		if err != nil {
			t.Fatal(err)
		}
		code, out, _ := runCLI(t, string(b), "epcis", "hash", "-")
		if code != 0 || strings.TrimSpace(out) != strings.TrimSpace(string(want1)) {
			t.Fatalf("exit %d, stdout %q", code, out)
		}
	})
	t.Run("JSON-LD input", func(t *testing.T) {
		jsonld := strings.TrimSuffix(one, ".xml") + ".jsonld"
		code, out, errOut := runCLI(t, "", "epcis", "hash", jsonld)
		if code != 0 || strings.TrimSpace(out) != strings.TrimSpace(string(want1)) {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}

func TestEpcisConvert(t *testing.T) {
	src := testenv.Testdata(t, "epcis2-examples/openepcis/XML/Capture/Documents/ObjectEvent.xml")
	t.Run("to EPCIS 1.2 XML", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", "epcis", "convert", "--to", "xml12", src)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		d, err := epcis.DecodeXML(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if d.SchemaVersion != "1.2" || len(d.Events) != 2 || !strings.Contains(out, epcis.NSEPCIS1) {
			t.Fatalf("got schema %q with %d events", d.SchemaVersion, len(d.Events))
		}
	})
	t.Run("to JSON-LD", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", "epcis", "convert", "--to", "json", src)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		fromJSON, err := epcis.DecodeJSON(strings.NewReader(out))
		if err != nil {
			t.Fatalf("output is not EPCIS JSON-LD: %v\n%s", err, out)
		}
		fromXML, err := epcis.DecodeXML(openTestFile(t, src))
		if err != nil {
			t.Fatal(err)
		}
		for i := range fromXML.Events {
			want, _ := epcis.HashID(&fromXML.Events[i])
			got, _ := epcis.HashID(&fromJSON.Events[i])
			if want == "" || got != want {
				t.Fatalf("event %d: hash ID after conversion %s, want %s", i, got, want)
			}
		}
	})
	t.Run("EPC URNs to Digital Link and back", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", "epcis", "convert", "--to", "xml", "--ids", "dl", src)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if strings.Contains(out, "urn:epc:id:sgtin:") || !strings.Contains(out, "https://id.gs1.org/01/") {
			t.Fatalf("identifiers not converted to Digital Link:\n%s", out)
		}
		code, back, errOut := runCLI(t, out, "epcis", "convert", "--to", "xml", "--ids", "urn", "--company-prefix-length", "7", "-")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		orig, err := epcis.DecodeXML(openTestFile(t, src))
		if err != nil {
			t.Fatal(err)
		}
		again, err := epcis.DecodeXML(strings.NewReader(back))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := again.Events[0].EPCList, orig.Events[0].EPCList; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("EPCs after URN -> DL -> URN = %v, want %v", got, want)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		tests := map[string][]string{
			"bad target":          {"epcis", "convert", "--to", "csv", src},
			"urn without prefix":  {"epcis", "convert", "--to", "xml", "--ids", "urn", src},
			"unknown ids mode":    {"epcis", "convert", "--to", "xml", "--ids", "gtin", src},
			"missing file":        {"epcis", "convert", "--to", "xml"},
			"unknown subcommand":  {"epcis", "frobnicate"},
			"no subcommand":       {"epcis"},
			"validate two inputs": {"epcis", "validate", src, src},
		}
		for name, args := range tests {
			t.Run(name, func(t *testing.T) {
				if code, _, _ := runCLI(t, "", args...); code != 2 {
					t.Fatalf("exit %d, want 2", code)
				}
			})
		}
	})
}

func TestEpcisValidate(t *testing.T) {
	t.Run("valid document", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", "epcis", "validate", testenv.Testdata(t, pharmaExample))
		if code != 0 || out != "valid: 8 events\n" {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("XML problem with line and column", func(t *testing.T) {
		bad := testenv.Testdata(t, "epcis2-examples/openepcis/XML/Capture/Invalid/ObjectEvent_with_invalid_action.xml")
		code, out, _ := runCLI(t, "", "epcis", "validate", bad)
		want := bad + ":line 12:17: event 0: /EPCISDocument/EPCISBody/EventList/ObjectEvent/action: invalid action \"CREATE\""
		if code != 1 || !strings.HasPrefix(out, want) {
			t.Fatalf("exit %d, stdout %q, want prefix %q", code, out, want)
		}
	})
	t.Run("validation problem with event index and path", func(t *testing.T) {
		bad := testenv.Testdata(t, "epcis12-xml/fastnt-v1/Capture/CaptureInvalidUri.xml")
		code, out, _ := runCLI(t, "", "epcis", "validate", bad)
		want := bad + ":5:7: event 0: epcisBody.eventList[0].childEPCs[0]: "
		if code != 1 || !strings.HasPrefix(out, want) || !strings.Contains(out, "not an absolute URI") {
			t.Fatalf("exit %d, stdout %q, want prefix %q", code, out, want)
		}
	})
	t.Run("every JSON problem, the decoder's too", func(t *testing.T) {
		// A bad timestamp (found while decoding) and a bad action: both are
		// reported, as POST /epcis/capture reports them.
		doc := `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument",
"schemaVersion":"2.0","creationDate":"2026-11-04T13:00:00Z","epcisBody":{"eventList":[
{"type":"ObjectEvent","eventTime":"notatime","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0312345.010101.1"],"action":"OBSERVE"},
{"type":"ObjectEvent","eventTime":"2026-11-04T13:01:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0312345.010101.2"],"action":"FOO"}]}}`
		code, out, _ := runCLI(t, doc, "epcis", "validate", "-")
		if code != 1 || !strings.Contains(out, "eventList[0].eventTime") || !strings.Contains(out, "eventList[1].action") {
			t.Fatalf("exit %d, stdout %q, want both problems", code, out)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		code, out, _ := runCLI(t, "EPCIS?", "epcis", "validate", "-")
		if code != 1 || !strings.Contains(out, "cannot tell the format") {
			t.Fatalf("exit %d, stdout %q", code, out)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		code, _, errOut := runCLI(t, "", "epcis", "validate", filepath.Join(t.TempDir(), "none.xml"))
		if code != 1 || !strings.Contains(errOut, "no such file") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}

func TestEpcisT3(t *testing.T) {
	code, out, errOut := runCLI(t, "", "epcis", "t3", testenv.Testdata(t, pharmaExample))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got epcis.T3
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not T3 JSON: %v\n%s", err, out)
	}
	ti := got.Information
	if ti.Seller.Name != "GS1 Pharma" || ti.Buyer.Name != "GS1 Drug Distributor" || len(ti.Products) != 1 ||
		ti.Products[0].NDC != "0001-0123-45" || ti.Products[0].Containers != 12 || got.Statement == nil || !got.Statement.Affirmed {
		t.Fatalf("unexpected T3: %s", out)
	}
}

func TestEpcisListedInHelp(t *testing.T) {
	code, out, _ := runCLI(t, "", "help")
	if code != 0 || !strings.Contains(out, "epcis ") {
		t.Fatalf("exit %d, help does not list epcis:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "epcis", "-h")
	if code != 0 || !strings.Contains(out, "convert --to json|xml|xml12") {
		t.Fatalf("exit %d, epcis -h:\n%s", code, out)
	}
}

// openTestFile opens path and closes it when the test ends.
func openTestFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestEpcisDigitalLinkPipeline converts the GS1 US example to Digital Link
// identifiers and checks that hash IDs and the T3 survive.
func TestEpcisDigitalLinkPipeline(t *testing.T) {
	src := testenv.Testdata(t, pharmaExample)
	_, wantHashes, _ := runCLI(t, "", "epcis", "hash", src)
	for _, to := range []string{"json", "xml", "xml12"} {
		t.Run(to, func(t *testing.T) {
			code, converted, errOut := runCLI(t, "", "epcis", "convert", "--to", to, "--ids", "dl", src)
			if code != 0 || strings.Contains(converted, "urn:epc:id:sgtin:") {
				t.Fatalf("exit %d (%s), or EPC URNs left in the output", code, errOut)
			}
			if _, hashes, _ := runCLI(t, converted, "epcis", "hash", "-"); hashes != wantHashes || hashes == "" {
				t.Fatalf("hash IDs after conversion:\n%s\nwant\n%s", hashes, wantHashes)
			}
			code, out, errOut := runCLI(t, converted, "epcis", "t3", "-")
			if code != 0 {
				t.Fatalf("t3: exit %d: %s", code, errOut)
			}
			var got epcis.T3
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			p := got.Information.Products
			if len(p) != 1 || p[0].NDC != "0001-0123-45" || p[0].Containers != 12 || p[0].Lot != "A123" ||
				got.Information.Seller.Name != "GS1 Pharma" || !strings.HasPrefix(p[0].Identifiers[0], "https://id.gs1.org/01/") {
				t.Fatalf("T3 after Digital Link conversion: %s", out)
			}
		})
	}
}

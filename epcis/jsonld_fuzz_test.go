package epcis

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"rxledger/internal/testenv"
)

// addExampleSeeds adds the shared JSON examples and hash vectors to the fuzz
// corpus when the shared test data is there (the fuzz targets also run
// without it, from their own seeds).
func addExampleSeeds(f *testing.F) {
	f.Helper()
	for _, sub := range []string{"epcis2-examples", "epcis-event-hash"} {
		dir := filepath.Join(testenv.TestdataDir(f), sub)
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".jsonld")) {
				return nil
			}
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
			return nil
		})
	}
	f.Add([]byte(docWith(stdContext, minimalEvent)))
	f.Add(benchObjectEventDoc(2, 3))
	f.Add(benchAggregationDoc(5))
}

// FuzzDecodeJSON: decoding never panics, and a document that decodes can be
// validated, encoded and decoded again with every event keeping its hash.
func FuzzDecodeJSON(f *testing.F) {
	addExampleSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := JSONDecoder{Limits: Limits{MaxDocumentBytes: 1 << 20}}.DecodeBytes(data)
		if err != nil {
			return
		}
		_ = doc.Validate()
		var buf bytes.Buffer
		if err := EncodeJSON(&buf, doc); err != nil {
			t.Fatalf("encode a decoded document: %v", err)
		}
		again, err := DecodeJSON(&buf)
		if err != nil {
			t.Fatalf("decode an encoded document: %v\n%s", err, buf.String())
		}
		if len(again.Events) != len(doc.Events) {
			t.Fatalf("%d events after the round trip, want %d", len(again.Events), len(doc.Events))
		}
		for i := range doc.Events {
			h1, err1 := HashID(&doc.Events[i])
			h2, err2 := HashID(&again.Events[i])
			if (err1 == nil) != (err2 == nil) || h1 != h2 {
				p1, _ := PreHash(&doc.Events[i])
				p2, _ := PreHash(&again.Events[i])
				t.Fatalf("event %d hash changed through JSON:\n%s\n%s", i, p1, p2)
			}
		}
	})
}

// FuzzHashID: for events built from arbitrary field values, the hash ID is
// the SHA-256 of the pre-hash string, stable, and survives a JSON round trip.
func FuzzHashID(f *testing.F) {
	f.Add("urn:epc:id:sgtin:0614141.107346.2017", "shipping", "urn:epc:id:sgln:0614141.00777.0", "lot 1", 10.5)
	f.Add("https://id.gs1.org/01/10614141073464/21/a%2Fb", "urn:epcglobal:cbv:bizstep:receiving", "https://example.com/loc", "00123", 0.0)
	f.Add("urn:epc:id:sscc:0614141.1234567890", "cbv:BizStep-packing", "", "", -1e-7)
	f.Fuzz(func(t *testing.T, epc, bizStep, location, text string, quantity float64) {
		e := validObjectEvent()
		e.EPCList = []string{epc, "urn:epc:id:sgtin:0614141.107346.2018"}
		e.BizStep = bizStep
		e.ReadPoint = location
		e.QuantityList[0].Quantity = &quantity
		e.ILMD = []Element{{Space: "urn:epcglobal:cbv:mda:", Local: "lotNumber", Text: text}}
		pre, err := PreHash(&e)
		if err != nil {
			t.Fatalf("PreHash: %v", err)
		}
		id, err := HashID(&e)
		if err != nil {
			t.Fatalf("HashID: %v", err)
		}
		sum := sha256.Sum256([]byte(pre))
		if want := "ni:///sha-256;" + hex.EncodeToString(sum[:]) + "?ver=CBV2.0"; id != want {
			t.Fatalf("HashID %s is not the SHA-256 of the pre-hash (%s)", id, want)
		}
		if again, _ := HashID(&e); again != id {
			t.Fatalf("HashID is not stable")
		}
		valid := utf8.ValidString(epc) && utf8.ValidString(bizStep) && utf8.ValidString(location) && utf8.ValidString(text)
		if !valid || quantity != quantity || quantity > 1e300 || quantity < -1e300 {
			return // JSON cannot carry these unchanged
		}
		var buf bytes.Buffer
		if err := EncodeJSON(&buf, &Document{Events: []Event{e}}); err != nil {
			return
		}
		doc, err := DecodeJSON(&buf)
		if err != nil {
			return // e.g. a location that is not a string JSON-LD accepts
		}
		if got, _ := HashID(&doc.Events[0]); got != id {
			p2, _ := PreHash(&doc.Events[0])
			t.Fatalf("hash changed through JSON:\n%s\n%s", pre, p2)
		}
	})
}

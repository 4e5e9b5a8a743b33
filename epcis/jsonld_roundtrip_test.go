package epcis

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"rxledger/internal/testenv"
)

// validJSONExamples returns the valid example documents (relative paths)
// and the decoder each needs.
func validJSONExamples(t *testing.T) (string, []string) {
	t.Helper()
	dir := testenv.Testdata(t, "epcis2-examples")
	var out []string
	for _, rel := range filesUnder(t, dir, ".json") {
		rel = filepath.ToSlash(rel)
		if _, invalid := invalidExamples[rel]; invalid || isQueryRequest(rel) {
			continue
		}
		out = append(out, rel)
	}
	return dir, out
}

// eventHashes returns the hash ID of every event of d.
func eventHashes(t *testing.T, d *Document) []string {
	t.Helper()
	out := make([]string, len(d.Events))
	for i := range d.Events {
		h, err := HashID(&d.Events[i])
		if err != nil {
			t.Fatalf("event %d: hash: %v", i, err)
		}
		out[i] = h
	}
	return out
}

// jsonComparable returns a copy of d with every time in UTC (DeepEqual would
// compare the *time.Location) and the namespace prefix map dropped (prefixes
// are presentation).
func jsonComparable(d *Document) *Document {
	c := *d
	c.Namespaces = nil
	c.Events = append([]Event(nil), d.Events...)
	toUTC(reflect.ValueOf(&c).Elem())
	return &c
}

var timeType = reflect.TypeOf(time.Time{})

func toUTC(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			toUTC(v.Field(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			c := reflect.New(v.Elem().Type())
			c.Elem().Set(v.Elem())
			toUTC(c.Elem())
			v.Set(c)
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := 0; i < c.Len(); i++ {
			toUTC(c.Index(i))
		}
		v.Set(c)
	}
}

// TestJSONRoundTrip decodes every valid example, encodes it, decodes the
// result strictly and requires the same model and the same event hashes.
func TestJSONRoundTrip(t *testing.T) {
	dir, files := validJSONExamples(t)
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			_, lenient := lenientExamples[rel]
			doc, err := decodeJSONFile(t, JSONDecoder{AllowMissingContext: lenient}, filepath.Join(dir, rel))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			var buf bytes.Buffer
			if err := EncodeJSON(&buf, doc); err != nil {
				t.Fatalf("encode: %v", err)
			}
			again, err := DecodeJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("decode encoded document: %v\n%s", err, buf.String())
			}
			want, got := jsonComparable(doc), jsonComparable(again)
			if want.SchemaVersion != got.SchemaVersion {
				got.SchemaVersion = want.SchemaVersion // 1.x is written as 2.0
			}
			if !reflect.DeepEqual(want, got) {
				for i := range want.Events {
					if i < len(got.Events) && !reflect.DeepEqual(want.Events[i], got.Events[i]) {
						t.Fatalf("event %d differs after the round trip:\nwant %+v\n got %+v", i, want.Events[i], got.Events[i])
					}
				}
				t.Fatalf("document differs after the round trip:\nwant %+v\n got %+v", want, got)
			}
			if h1, h2 := eventHashes(t, doc), eventHashes(t, again); !reflect.DeepEqual(h1, h2) {
				t.Fatalf("hashes differ after the round trip:\n%v\n%v", h1, h2)
			}
		})
	}
}

// TestJSONToXMLRoundTrip takes every valid JSON example through the XML
// codec (EncodeXML, DecodeXML) and requires every event to keep its hash ID,
// which covers every hashed field and every user extension.
func TestJSONToXMLRoundTrip(t *testing.T) {
	dir, files := validJSONExamples(t)
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			_, lenient := lenientExamples[rel]
			doc, err := decodeJSONFile(t, JSONDecoder{AllowMissingContext: lenient}, filepath.Join(dir, rel))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			var buf bytes.Buffer
			if err := EncodeXML(&buf, doc); err != nil {
				t.Fatalf("encode xml: %v", err)
			}
			again, err := DecodeXML(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("decode xml: %v\n%s", err, buf.String())
			}
			if h1, h2 := eventHashes(t, doc), eventHashes(t, again); !reflect.DeepEqual(h1, h2) {
				for i := range h1 {
					if i < len(h2) && h1[i] != h2[i] {
						p1, _ := PreHash(&doc.Events[i])
						p2, _ := PreHash(&again.Events[i])
						t.Fatalf("event %d hash differs after JSON -> XML -> model:\n%s\n%s", i, p1, p2)
					}
				}
				t.Fatalf("hashes differ: %v vs %v", h1, h2)
			}
		})
	}
}

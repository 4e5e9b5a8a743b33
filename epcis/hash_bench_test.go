package epcis

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchObjectEventDoc builds a capture document of n DSCSA shipping
// ObjectEvents with epcs SGTINs each, in EPCIS 2.0 JSON-LD.
func benchObjectEventDoc(n, epcs int) []byte {
	var b strings.Builder
	b.WriteString(`{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",{"gs1ushc":"http://epcis.gs1us.org/hc/ns"}],` +
		`"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T10:00:00.000Z","epcisBody":{"eventList":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"type":"ObjectEvent","eventTime":"2024-03-01T09:30:00.000-05:00","eventTimeZoneOffset":"-05:00","epcList":[`)
		for j := 0; j < epcs; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"urn:epc:id:sgtin:0614141.107346.%d"`, 100000+i*epcs+j)
		}
		b.WriteString(`],"action":"OBSERVE","bizStep":"shipping","disposition":"in_transit",` +
			`"readPoint":{"id":"urn:epc:id:sgln:0614141.00777.0"},"bizLocation":{"id":"urn:epc:id:sgln:0614141.00777.0"},` +
			`"bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:0614141000005:PO-4711"},` +
			`{"type":"desadv","bizTransaction":"urn:epcglobal:cbv:bt:0614141000005:ASN-1001"}],` +
			`"sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:0614141.00000"},{"type":"location","source":"urn:epc:id:sgln:0614141.00777.0"}],` +
			`"destinationList":[{"type":"owning_party","destination":"urn:epc:id:pgln:0012345.00000"},{"type":"location","destination":"urn:epc:id:sgln:0012345.00001.0"}]}`)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// benchAggregationDoc builds a document with one packing AggregationEvent of
// children SGTINs into an SSCC.
func benchAggregationDoc(children int) []byte {
	var b strings.Builder
	b.WriteString(`{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],` +
		`"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T10:00:00.000Z","epcisBody":{"eventList":[` +
		`{"type":"AggregationEvent","eventTime":"2024-03-01T09:30:00.000-05:00","eventTimeZoneOffset":"-05:00",` +
		`"parentID":"urn:epc:id:sscc:0614141.1234567890","childEPCs":[`)
	for j := 0; j < children; j++ {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"urn:epc:id:sgtin:0614141.107346.%d"`, 1000000+j)
	}
	b.WriteString(`],"action":"ADD","bizStep":"packing","disposition":"in_progress","readPoint":{"id":"urn:epc:id:sgln:0614141.00777.0"}}]}}`)
	return []byte(b.String())
}

// decodeValidateHash is the capture hot path: decode, validate, hash.
func decodeValidateHash(b *testing.B, data []byte) int {
	doc, err := JSONDecoder{}.DecodeAndValidateBytes(data)
	if err != nil {
		b.Fatalf("decode and validate: %v", err)
	}
	for i := range doc.Events {
		if _, err := HashID(&doc.Events[i]); err != nil {
			b.Fatalf("hash: %v", err)
		}
	}
	return len(doc.Events)
}

func BenchmarkDecodeValidateHashJSON_ObjectEvent10EPC(b *testing.B) {
	const events, epcs = 100, 10
	data := benchObjectEventDoc(events, epcs)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0, _ := processCPUTime()
	for b.Loop() {
		decodeValidateHash(b, data)
	}
	reportThroughput(b, cpu0, events, events*epcs)
}

// reportThroughput reports events/s and EPCs/s of wall-clock time and, where
// the platform tells, per CPU-second of the whole process (GC included),
// which stays meaningful on a machine shared with other work.
func reportThroughput(b *testing.B, cpu0 time.Duration, eventsPerOp, epcsPerOp int) {
	wall := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*eventsPerOp)/wall, "events/s")
	b.ReportMetric(float64(b.N*epcsPerOp)/wall, "EPCs/s")
	if cpu1, ok := processCPUTime(); ok && cpu1 > cpu0 {
		cpu := (cpu1 - cpu0).Seconds()
		b.ReportMetric(float64(b.N*eventsPerOp)/cpu, "events/cpu-s")
		b.ReportMetric(float64(b.N*epcsPerOp)/cpu, "EPCs/cpu-s")
	}
}

func BenchmarkDecodeValidateHashJSON_Aggregation1000EPC(b *testing.B) {
	const children = 1000
	data := benchAggregationDoc(children)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0, _ := processCPUTime()
	for b.Loop() {
		decodeValidateHash(b, data)
	}
	reportThroughput(b, cpu0, 1, children)
}

func TestBenchmarkDocumentsAreValid(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		events int
	}{
		{"object events", benchObjectEventDoc(3, 10), 3},
		{"aggregation", benchAggregationDoc(1000), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := JSONDecoder{}.DecodeAndValidateBytes(tt.data)
			if err != nil {
				t.Fatalf("benchmark document is not valid: %v", err)
			}
			if len(doc.Events) != tt.events {
				t.Fatalf("%d events, want %d", len(doc.Events), tt.events)
			}
			seen := map[string]bool{}
			for i := range doc.Events {
				h, err := HashID(&doc.Events[i])
				if err != nil || seen[h] {
					t.Fatalf("event %d: hash %q, err %v (duplicate: %v)", i, h, err, seen[h])
				}
				seen[h] = true
			}
		})
	}
}

package epcis

import "testing"

// benchJSONShapes are the documents the per-stage JSON benchmarks run on.
var benchJSONShapes = []struct {
	name         string
	data         func() []byte
	events, epcs int
}{
	{"ObjectEvent_10EPC", func() []byte { return benchObjectEventDoc(1, 10) }, 1, 10},
	{"ObjectEvent_10EPC_x100", func() []byte { return benchObjectEventDoc(100, 10) }, 100, 1000},
	{"AggregationEvent_1000EPC", func() []byte { return benchAggregationDoc(1000) }, 1, 1000},
}

// BenchmarkDecodeJSON measures JSONDecoder.DecodeBytes alone.
func BenchmarkDecodeJSON(b *testing.B) {
	for _, s := range benchJSONShapes {
		b.Run(s.name, func(b *testing.B) {
			data := s.data()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu0, _ := processCPUTime()
			for b.Loop() {
				if _, err := (JSONDecoder{}).DecodeBytes(data); err != nil {
					b.Fatalf("decode: %v", err)
				}
			}
			reportThroughput(b, cpu0, s.events, s.epcs)
		})
	}
}

// BenchmarkValidateJSON measures Document.Validate alone on a decoded
// document.
func BenchmarkValidateJSON(b *testing.B) {
	for _, s := range benchJSONShapes {
		b.Run(s.name, func(b *testing.B) {
			doc, err := JSONDecoder{}.DecodeBytes(s.data())
			if err != nil {
				b.Fatalf("decode: %v", err)
			}
			b.ReportAllocs()
			cpu0, _ := processCPUTime()
			for b.Loop() {
				if err := doc.Validate(); err != nil {
					b.Fatalf("validate: %v", err)
				}
			}
			reportThroughput(b, cpu0, s.events, s.epcs)
		})
	}
}

// BenchmarkHashID measures HashID of every event of a decoded document.
func BenchmarkHashID(b *testing.B) {
	for _, s := range benchJSONShapes {
		b.Run(s.name, func(b *testing.B) {
			doc, err := JSONDecoder{}.DecodeBytes(s.data())
			if err != nil {
				b.Fatalf("decode: %v", err)
			}
			b.ReportAllocs()
			cpu0, _ := processCPUTime()
			for b.Loop() {
				for i := range doc.Events {
					if _, err := HashID(&doc.Events[i]); err != nil {
						b.Fatalf("hash: %v", err)
					}
				}
			}
			reportThroughput(b, cpu0, s.events, s.epcs)
		})
	}
}

// BenchmarkDecodeValidateHashJSON_SingleObjectEvent10EPC is the capture path
// for a document holding one 10-EPC ObjectEvent, where per-document costs
// are not amortised.
func BenchmarkDecodeValidateHashJSON_SingleObjectEvent10EPC(b *testing.B) {
	data := benchObjectEventDoc(1, 10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0, _ := processCPUTime()
	for b.Loop() {
		decodeValidateHash(b, data)
	}
	reportThroughput(b, cpu0, 1, 10)
}

package ingest_test

import (
	"fmt"
	"testing"
)

// BenchmarkCaptureHTTP captures large commissioning documents over HTTP
// on the embedded ledger, one after another, each until its job succeeds,
// and reports EPCs per second.
func BenchmarkCaptureHTTP(b *testing.B) {
	for _, size := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("epcs=%d", size), func(b *testing.B) {
			e := newEnv(b, true, nil)
			docs := make([][]byte, b.N)
			for i := range docs {
				epcs := make([]string, size)
				for j := range epcs {
					epcs[j] = sgtin(fmt.Sprintf("B%dx%d", i, j))
				}
				docs[i] = encode(b, document(commission(i, fmt.Sprintf("LB%d", i), epcs...)), "json")
			}
			b.ResetTimer()
			for i := range docs {
				j := e.job(mfr, e.capture(mfr, ctJSON, docs[i]))
				if !j.Success {
					b.Fatalf("job %+v", j.Errors)
				}
			}
			b.ReportMetric(float64(size*b.N)/b.Elapsed().Seconds(), "epcs/s")
		})
	}
}

package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/verify/verifytest"
)

// benchFixture delivers n serials and waits for the projection.
func benchFixture(b *testing.B, useRedis bool, n int) (*fixture, []string) {
	b.Helper()
	f := newFixture(b, useRedis, Options{})
	serials := make([]string, n)
	for i := range serials {
		serials[i] = f.w.Serial(fmt.Sprintf("B%d", i))
	}
	f.w.Distribute(f.w.Serial("LB"), serials...)
	verifytest.Eventually(b, "projection", func() bool { return f.svc.CaughtUp(context.Background()) == nil })
	return f, serials
}

// BenchmarkVerifyHTTP measures one LMS GET through the gin engine and the
// auth middleware (no network), answered from the cache.
func BenchmarkVerifyHTTP(b *testing.B) {
	for _, impl := range cacheImpls {
		b.Run(impl.name, func(b *testing.B) {
			f, serials := benchFixture(b, impl.redis, 1000)
			engine := httpx.NewEngine(httpx.EngineConfig{})
			f.svc.Mount(engine, auth.Middleware(f.w.Keys))
			key := "Bearer " + f.w.APIKey[verifytest.Wholesaler]
			b.SetParallelism(16) // concurrent requests, as a server sees them
			b.ReportAllocs()
			b.ResetTimer()
			defer reportCPU(b)()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, path(serials[i%len(serials)], "10="+f.w.Serial("LB")+"&17=991231"), nil)
					req.Header.Set("Authorization", key)
					rec := httptest.NewRecorder()
					engine.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d %s", rec.Code, rec.Body)
					}
					i++
				}
			})
		})
	}
}

// reportCPU reports, when the returned function is called, the process's
// CPU time per operation since reportCPU was: on a shared machine a steadier
// figure than ns/op, which counts the time other processes took the cores
// (Redis's own CPU is not in it: it runs in its own process).
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVerifyBatch measures Verify on batches of 1000 from the cache
// and reports identifiers per second.
func BenchmarkVerifyBatch(b *testing.B) {
	for _, impl := range cacheImpls {
		b.Run(impl.name, func(b *testing.B) {
			f, serials := benchFixture(b, impl.redis, 1000)
			reqs := make([]Request, len(serials))
			for i, s := range serials {
				reqs[i] = Request{GTIN: verifytest.GTIN, Serial: s}
			}
			caller := f.w.Principal[verifytest.Wholesaler]
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out, err := f.svc.Verify(context.Background(), caller, reqs)
				if err != nil || !out[0].Verified || out[0].Source != SourceCache {
					b.Fatalf("%v %+v", err, out[0])
				}
			}
			b.ReportMetric(float64(b.N*len(reqs))/b.Elapsed().Seconds(), "ids/s")
		})
	}
}

// BenchmarkVerifyBatchHTTP measures POST /verify/batch of 1000 identifiers
// through the gin engine (no network) and reports identifiers per second.
func BenchmarkVerifyBatchHTTP(b *testing.B) {
	for _, impl := range cacheImpls {
		b.Run(impl.name, func(b *testing.B) {
			f, serials := benchFixture(b, impl.redis, 1000)
			engine := httpx.NewEngine(httpx.EngineConfig{})
			f.svc.Mount(engine, auth.Middleware(f.w.Keys))
			reqs := make([]Request, len(serials))
			for i, s := range serials {
				reqs[i] = Request{GTIN: verifytest.GTIN, Serial: s, Lot: f.w.Serial("LB"), Expiry: verifytest.Expiry}
			}
			body, err := json.Marshal(BatchRequest{Requests: reqs})
			if err != nil {
				b.Fatal(err)
			}
			key := "Bearer " + f.w.APIKey[verifytest.Wholesaler]
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/verify/batch", bytes.NewReader(body))
				req.Header.Set("Authorization", key)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				engine.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(b.N*len(reqs))/b.Elapsed().Seconds(), "ids/s")
		})
	}
}

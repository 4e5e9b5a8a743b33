package auth_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/telemetry"
)

// BenchmarkPlatformChain measures what the platform adds to every
// authenticated request: request ID, trace context, metrics, access log (JSON
// to io.Discard), recovery, body limit, API key check and role check.
func BenchmarkPlatformChain(b *testing.B) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		b.Run("log "+level.String(), func(b *testing.B) {
			s, err := auth.OpenStore(b.TempDir() + "/" + auth.KeysFile)
			if err != nil {
				b.Fatal(err)
			}
			key, _, err := s.Issue(auth.Grant{Org: "PharmacyMSP", Role: auth.Dispenser})
			if err != nil {
				b.Fatal(err)
			}
			tr, _ := telemetry.NewTracing(context.Background(), telemetry.TracingConfig{})
			m := telemetry.NewMetrics()
			e := httpx.NewEngine(httpx.EngineConfig{
				Logger:  telemetry.NewLogger(io.Discard, level),
				Observe: []gin.HandlerFunc{tr.Middleware("bench"), m.Middleware()},
			})
			e.GET("/v1/verify", auth.Middleware(s), auth.Require(auth.Dispenser), func(c *gin.Context) {
				httpx.Respond(c, http.StatusOK, gin.H{"verified": true})
			})
			req := httptest.NewRequest("GET", "/v1/verify", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

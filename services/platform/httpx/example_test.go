package httpx_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// A handler decodes its input with DecodeJSON, answers with Respond and
// fails with Fail; the engine turns every failure into problem+json.
func Example() {
	type verifyRequest struct {
		GTIN   string `json:"gtin"`
		Serial string `json:"serial"`
	}
	e := httpx.NewEngine(httpx.EngineConfig{})
	e.POST("/v1/verify", func(c *gin.Context) {
		var req verifyRequest
		if err := httpx.DecodeJSON(c, &req); err != nil {
			httpx.Fail(c, err)
			return
		}
		if len(req.GTIN) != 14 {
			httpx.Fail(c, problem.New(problem.Invalid, "gtin must have 14 digits").At(problem.Location{Field: "gtin"}))
			return
		}
		httpx.Respond(c, http.StatusOK, gin.H{"verified": true})
	})

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/verify", strings.NewReader(`{"gtin":"123","serial":"A1"}`)))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 400 application/problem+json
}

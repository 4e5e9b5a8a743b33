package verify

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// The link types a verification request may name (GS1 Digital Link
// resolver vocabulary); empty means verificationService.
var linkTypes = map[string]bool{
	"": true, "verificationService": true, "gs1:verificationService": true,
	"https://gs1.org/voc/verificationService": true,
}

// BatchRequest is the body of POST /verify/batch. ReqGLN and Context apply
// to every request that does not give its own.
type BatchRequest struct {
	Requests []Request `json:"requests"`
	ReqGLN   string    `json:"reqGLN,omitempty"`
	Context  string    `json:"context,omitempty"`
}

// BatchResponse is the answer to POST /verify/batch: one LMS answer per
// request, in order.
type BatchResponse struct {
	Responses []Response `json:"responses"`
}

// Mount registers the verification routes on r behind authenticate (the
// API key middleware): GET /verify/01/{gtin}/21/{serial} (GS1 LMS with the
// Digital Link query parameters 10 lot, 17 expiry YYMMDD, linkType, context,
// reqGLN, corrUUID), the same with the lot in the path as GS1 Digital Link
// orders it, GET /verify/01/{gtin}/10/{lot}/21/{serial}, and POST
// /verify/batch.
func (s *Service) Mount(r gin.IRouter, authenticate gin.HandlerFunc) {
	g := r.Group("/verify", authenticate)
	g.GET("/01/:gtin/21/*serial", s.handleSingle)
	g.GET("/01/:gtin/10/:lot/21/*serial", s.handleSingle)
	g.POST("/batch", s.handleBatch)
}

// serialSegments is how many segments of the escaped path after /01/ come
// before the serial: {gtin}/21, or {gtin}/10/{lot}/21.
func serialSegments(lotInPath bool) int {
	if lotInPath {
		return 4
	}
	return 2
}

// pathSerialProblem refuses a serial segment that is more than one path
// segment as written: a '/' in a serial is written %2F, so "/21/S1/10/L1"
// is a Digital Link with its lot after the serial, which would otherwise be
// verified as serial "S1/10/L1" and come back as no match.
func pathSerialProblem(escapedPath string, lotInPath bool) error {
	_, tail, ok := strings.Cut(escapedPath, "/01/")
	if !ok {
		return nil
	}
	for range serialSegments(lotInPath) {
		if _, tail, ok = strings.Cut(tail, "/"); !ok {
			return nil
		}
	}
	serial, extra, more := strings.Cut(tail, "/")
	if !more {
		return nil
	}
	return problem.New(problem.Invalid,
		"the path goes on after serial %q with /%s: write a '/' within a serial as %%2F, and give the lot as ?10= or before the serial (/01/{gtin}/10/{lot}/21/{serial})", serial, extra).
		At(problem.Location{Field: "serial"})
}

func (s *Service) handleSingle(c *gin.Context) {
	caller, ok := auth.PrincipalOf(c)
	if !ok {
		httpx.Fail(c, problem.New(problem.Unauthorized, "an API key is required"))
		return
	}
	q := parseLMSQuery(c.Request.URL.RawQuery)
	if q.Repeated != "" {
		httpx.Fail(c, problem.New(problem.Invalid, "parameter %s is given twice, the second time as %q: give it once", q.Repeated, q.Again).
			At(problem.Location{Field: q.Repeated}))
		return
	}
	if !linkTypes[q.LinkType] {
		httpx.Fail(c, problem.New(problem.Invalid, "linkType %q is not verificationService", q.LinkType).At(problem.Location{Field: "linkType"}))
		return
	}
	lot, lotInPath := c.Params.Get("lot")
	if lotInPath {
		if q.Lot != "" && q.Lot != lot {
			httpx.Fail(c, problem.New(problem.Invalid, "the lot is %q in the path and %q in ?10=: give it once", lot, q.Lot).At(problem.Location{Field: "10"}))
			return
		}
		q.Lot = lot
	}
	if strings.Contains(strings.TrimPrefix(c.Param("serial"), "/"), "/") { // only then may the path go on after the serial
		if err := pathSerialProblem(c.Request.URL.EscapedPath(), lotInPath); err != nil {
			httpx.Fail(c, err)
			return
		}
	}
	req := Request{
		GTIN:     c.Param("gtin"),
		Serial:   strings.TrimPrefix(c.Param("serial"), "/"),
		Lot:      q.Lot,
		Expiry:   q.Expiry,
		ReqGLN:   q.ReqGLN,
		CorrUUID: q.CorrUUID,
		Context:  q.Context,
	}
	if err := req.Validate(""); err != nil {
		httpx.Fail(c, queryFieldNames(err))
		return
	}
	out, err := s.Verify(c.Request.Context(), caller, []Request{req})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	if p := out[0].Problem; p != nil {
		httpx.Fail(c, problem.New(problem.NotFound, "%s", p.Detail).At(problem.Location{Field: "gtin"}))
		return
	}
	buf := bufPool.Get().(*[]byte)
	*buf = out[0].appendJSON((*buf)[:0])
	writeJSON(c, *buf)
	bufPool.Put(buf)
}

// bufPool holds answer buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeJSON answers 200 with an encoded JSON body.
func writeJSON(c *gin.Context, body []byte) {
	h := c.Writer.Header()
	// Assigned, not Set: the values are constant, shared and never
	// modified, which saves the hot path an allocation for each.
	h["Cache-Control"] = noStore
	h["Content-Type"] = jsonUTF8
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(body)
}

// Header values writeJSON shares between responses.
var (
	noStore  = []string{"no-store"}
	jsonUTF8 = []string{"application/json; charset=utf-8"}
)

// queryFieldNames renames the lot and expiry fields of a validation problem
// to the GS1 application identifiers the query string names them by.
func queryFieldNames(err error) error {
	pe, ok := err.(*problem.Error)
	if !ok {
		return err
	}
	c := *pe
	c.Where = append([]problem.Location(nil), pe.Where...)
	for i := range c.Where {
		switch c.Where[i].Field {
		case "lot":
			c.Where[i].Field = "10"
		case "expiry":
			c.Where[i].Field = "17"
		}
	}
	return &c
}

func (s *Service) handleBatch(c *gin.Context) {
	caller, ok := auth.PrincipalOf(c)
	if !ok {
		httpx.Fail(c, problem.New(problem.Unauthorized, "an API key is required"))
		return
	}
	if err := httpx.CheckJSONContentType(c); err != nil {
		httpx.Fail(c, err)
		return
	}
	raw, err := httpx.ReadBody(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	var body BatchRequest
	if !fastDecodeBatch(raw, &body) {
		body = BatchRequest{}
		if err := httpx.DecodeJSONBytes(raw, &body); err != nil {
			httpx.Fail(c, err)
			return
		}
		if err := httpx.NoDuplicateKeys(raw); err != nil {
			httpx.Fail(c, err)
			return
		}
	}
	switch n := len(body.Requests); {
	case n == 0:
		httpx.Fail(c, problem.New(problem.Invalid, "requests must list at least one request").At(problem.Location{Field: "requests"}))
		return
	case n > s.opts.MaxBatch:
		httpx.Fail(c, problem.New(problem.TooLarge, "a batch holds at most %d requests, this one %d", s.opts.MaxBatch, n).
			At(problem.Location{Field: "requests"}))
		return
	}
	var invalid []*problem.Error // every wrong request, not only the first
	for i := range body.Requests {
		r := &body.Requests[i]
		if r.ReqGLN == "" {
			r.ReqGLN = body.ReqGLN
		}
		if r.Context == "" {
			r.Context = body.Context
		}
		if r.Validate("") != nil { // again, naming the request, only on failure
			if invalid == nil {
				invalid = make([]*problem.Error, len(body.Requests))
			}
			invalid[i] = r.Validate(fmt.Sprintf("requests[%d].", i))
		}
	}
	if p := problem.Items("request", invalid); p != nil {
		httpx.Fail(c, p)
		return
	}
	out, err := s.Verify(c.Request.Context(), caller, body.Requests)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	encoded, _ := BatchResponse{Responses: out}.MarshalJSON()
	writeJSON(c, encoded)
}

package httpx_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"

	"rxledger/internal/testenv"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
	"rxledger/services/platform/telemetry"
)

type payload struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// newServer starts a real HTTP server on an engine with test routes.
func newServer(t *testing.T, maxBody int64) (*httptest.Server, *testenv.Buffer) {
	t.Helper()
	logs := &testenv.Buffer{}
	e := httpx.NewEngine(httpx.EngineConfig{Logger: telemetry.NewLogger(logs, slog.LevelDebug), MaxBodyBytes: maxBody})
	e.GET("/ok", func(c *gin.Context) { httpx.Respond(c, http.StatusOK, gin.H{"ok": true}) })
	e.GET("/panic", func(c *gin.Context) { panic("secret panic detail /etc/passwd") })
	e.GET("/disk-full", func(c *gin.Context) {
		httpx.Fail(c, fmt.Errorf("store capture document: write /srv/secret/jobs/x.json: %w", &fs.PathError{Op: "write", Path: "/srv/secret", Err: syscall.ENOSPC}))
	})
	e.GET("/internal", func(c *gin.Context) {
		httpx.Fail(c, errors.New("dial tcp 10.0.0.7:6379: secret internal detail"))
	})
	e.GET("/invalid", func(c *gin.Context) {
		httpx.Fail(c, problem.New(problem.Invalid, "gtin has a bad check digit").
			At(problem.Location{Field: "items[2].gtin", Index: problem.Index(2)}))
	})
	e.GET("/wrapped", func(c *gin.Context) {
		httpx.Fail(c, fmtWrap(problem.New(problem.Conflict, "serial already commissioned")))
	})
	e.POST("/echo", func(c *gin.Context) {
		var p payload
		if err := httpx.DecodeJSON(c, &p); err != nil {
			httpx.Fail(c, err)
			return
		}
		httpx.Respond(c, http.StatusOK, p)
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv, logs
}

func fmtWrap(err error) error { return errors.Join(errors.New("context"), err) }

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, b
}

func newReq(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// decodeProblem checks the problem+json media type and decodes the body.
func decodeProblem(t *testing.T, resp *http.Response, b []byte) problem.Body {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != problem.MediaType {
		t.Fatalf("Content-Type = %q, want %q; body %s", ct, problem.MediaType, b)
	}
	var p problem.Body
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("decode problem %s: %v", b, err)
	}
	if p.Status != resp.StatusCode {
		t.Errorf("problem status %d, HTTP status %d", p.Status, resp.StatusCode)
	}
	if p.RequestID == "" || p.RequestID != resp.Header.Get(httpx.HeaderRequestID) {
		t.Errorf("problem requestId %q, header %q", p.RequestID, resp.Header.Get(httpx.HeaderRequestID))
	}
	return p
}

func TestProblems(t *testing.T) {
	srv, logs := newServer(t, 1024)
	tests := []struct {
		name       string
		method     string
		path       string
		status     int
		code       problem.Code
		detailHas  string
		mustNotHas string
		where      []problem.Location
	}{
		{name: "panic is a 500 without internals", method: "GET", path: "/panic", status: 500, code: problem.Internal,
			detailHas: "request ID", mustNotHas: "secret"},
		{name: "plain error is a 500 without internals", method: "GET", path: "/internal", status: 500, code: problem.Internal,
			detailHas: "request ID", mustNotHas: "secret"},
		{name: "a full disk is a 503 the caller may retry, without internals", method: "GET", path: "/disk-full", status: 503, code: problem.Unavailable,
			detailHas: "no disk space left", mustNotHas: "secret"},
		{name: "invalid with where", method: "GET", path: "/invalid", status: 400, code: problem.Invalid,
			detailHas: "check digit", where: []problem.Location{{Field: "items[2].gtin", Index: problem.Index(2)}}},
		{name: "wrapped problem keeps its code", method: "GET", path: "/wrapped", status: 409, code: problem.Conflict,
			detailHas: "already commissioned"},
		{name: "unknown route", method: "GET", path: "/nope", status: 404, code: problem.NotFound, detailHas: "/nope"},
		{name: "wrong method", method: "DELETE", path: "/ok", status: 405, code: problem.MethodNotAllowed, detailHas: "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := do(t, newReq(t, tt.method, srv.URL+tt.path, nil))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, b)
			}
			p := decodeProblem(t, resp, b)
			if p.Code != tt.code || p.Type != "https://rxledger.dev/problems/"+string(tt.code) || p.Title == "" {
				t.Errorf("code %q type %q title %q", p.Code, p.Type, p.Title)
			}
			if p.Instance != tt.path {
				t.Errorf("instance %q, want %q", p.Instance, tt.path)
			}
			if !strings.Contains(p.Detail, tt.detailHas) {
				t.Errorf("detail %q lacks %q", p.Detail, tt.detailHas)
			}
			if tt.mustNotHas != "" && strings.Contains(string(b), tt.mustNotHas) {
				t.Errorf("body leaks %q: %s", tt.mustNotHas, b)
			}
			if tt.where != nil {
				got, _ := json.Marshal(p.Errors)
				want, _ := json.Marshal(tt.where)
				if string(got) != string(want) {
					t.Errorf("errors %s, want %s", got, want)
				}
			}
		})
	}
	t.Run("405 names allowed methods", func(t *testing.T) {
		resp, _ := do(t, newReq(t, "POST", srv.URL+"/ok", nil))
		if got := resp.Header.Get("Allow"); !strings.Contains(got, "GET") {
			t.Errorf("Allow = %q", got)
		}
	})
	t.Run("panic and cause are logged", func(t *testing.T) {
		l := logs.String()
		for _, want := range []string{"secret panic detail", `"stack"`, "secret internal detail"} {
			if !strings.Contains(l, want) {
				t.Errorf("logs lack %q:\n%s", want, l)
			}
		}
	})
}

func TestRequestID(t *testing.T) {
	srv, logs := newServer(t, 1024)
	tests := []struct {
		name     string
		incoming string
		keep     bool
	}{
		{name: "generated when absent", incoming: "", keep: false},
		{name: "caller's kept", incoming: "abc-123_x.y:z", keep: true},
		{name: "unsafe replaced", incoming: "bad id\twith spaces", keep: false},
		{name: "too long replaced", incoming: strings.Repeat("a", 129), keep: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newReq(t, "GET", srv.URL+"/ok", nil)
			if tt.incoming != "" {
				req.Header.Set(httpx.HeaderRequestID, tt.incoming)
			}
			resp, _ := do(t, req)
			got := resp.Header.Get(httpx.HeaderRequestID)
			if tt.keep && got != tt.incoming {
				t.Errorf("request ID %q, want %q", got, tt.incoming)
			}
			if !tt.keep && (got == tt.incoming || len(got) != 32) {
				t.Errorf("request ID %q, want a new 32-hex ID", got)
			}
			if !strings.Contains(logs.String(), `"requestId":"`+got+`"`) {
				t.Errorf("no access log line with requestId %s", got)
			}
		})
	}
}

func TestAccessLogLine(t *testing.T) {
	srv, logs := newServer(t, 1024)
	req := newReq(t, "GET", srv.URL+"/invalid", nil)
	req.Header.Set(httpx.HeaderRequestID, "line-check-1")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	do(t, req)
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, "line-check-1") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("log line not JSON: %s", l)
			}
		}
	}
	if line == nil {
		t.Fatalf("no log line for the request:\n%s", logs.String())
	}
	want := map[string]any{"msg": "http request", "route": "/invalid", "status": float64(400), "method": "GET", "level": "WARN",
		"client": "127.0.0.1", // not the spoofable X-Forwarded-For
		"error":  "invalid: gtin has a bad check digit"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["latencyMs"].(float64); !ok {
		t.Error("log line has no latency")
	}
}

func TestBodyLimitAndDecode(t *testing.T) {
	srv, _ := newServer(t, 64)
	tests := []struct {
		name    string
		body    string
		chunked bool
		status  int
		code    problem.Code
		where   *problem.Location
		detail  string
	}{
		{name: "valid", body: `{"name":"a","count":2}`, status: 200},
		{name: "declared too large", body: strings.Repeat(" ", 65) + "{}", status: 413, code: problem.TooLarge, detail: "64 bytes"},
		{name: "streamed too large", body: `{"name":"` + strings.Repeat("x", 100) + `"}`, chunked: true, status: 413, code: problem.TooLarge},
		{name: "empty", body: "", status: 400, code: problem.Invalid, detail: "empty"},
		{name: "syntax error", body: "{\n  \"name\": \"a\",\n  \"count\": 2,,\n}", status: 400, code: problem.Invalid,
			where: &problem.Location{Line: 3, Column: 14}, detail: "malformed"},
		{name: "wrong type", body: "{\"name\":\"a\",\n\"count\":\"two\"}", status: 400, code: problem.Invalid,
			where: &problem.Location{Field: "count", Line: 2}, detail: `"count"`},
		{name: "unknown field", body: `{"name":"a","colour":1}`, status: 400, code: problem.Invalid,
			where: &problem.Location{Field: "colour", Line: 1}, detail: "colour"},
		{name: "truncated", body: `{"name":"a"`, status: 400, code: problem.Invalid, detail: "ends early"},
		{name: "trailing data", body: `{"name":"a"} {}`, status: 400, code: problem.Invalid, detail: "after"},
		{name: "a member given twice in two cases", body: "{\"name\":\"a\",\n\"NAME\":\"b\"}", status: 400, code: problem.Invalid,
			where: &problem.Location{Field: "NAME", Line: 2}, detail: "NAME is given twice"},
		{name: "a member given twice", body: "{\"name\":\"a\",\n\"name\":\"b\"}", status: 400, code: problem.Invalid,
			where: &problem.Location{Field: "name", Line: 2}, detail: "name is given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			resp, b := do(t, newReq(t, "POST", srv.URL+"/echo", body))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if tt.status == 200 {
				return
			}
			p := decodeProblem(t, resp, b)
			if p.Code != tt.code || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("code %q detail %q, want %q containing %q", p.Code, p.Detail, tt.code, tt.detail)
			}
			if tt.where != nil {
				if len(p.Errors) != 1 {
					t.Fatalf("errors %+v, want one", p.Errors)
				}
				got := p.Errors[0]
				if got.Field != tt.where.Field || got.Line != tt.where.Line || (tt.where.Column != 0 && got.Column != tt.where.Column) {
					t.Errorf("where %+v, want %+v", got, *tt.where)
				}
			}
		})
	}
}

func TestJSONContentType(t *testing.T) {
	srv, _ := newServer(t, 1<<10)
	tests := []struct {
		name        string
		contentType string // "" sends none
		status      int
		detail      string
	}{
		{name: "none", status: 200},
		{name: "json", contentType: "application/json", status: 200},
		{name: "json in utf-8, any case", contentType: "Application/JSON; charset=UTF-8", status: 200},
		{name: "a +json type", contentType: "application/merge-patch+json", status: 200},
		{name: "a form, as curl -d sends", contentType: "application/x-www-form-urlencoded", status: 415, detail: "application/x-www-form-urlencoded"},
		{name: "xml", contentType: "application/xml", status: 415, detail: "application/xml"},
		{name: "text", contentType: "text/plain", status: 415, detail: "text/plain"},
		{name: "json in another charset", contentType: "application/json; charset=utf-16", status: 415, detail: "utf-16"},
		{name: "unreadable", contentType: "application/json; charset", status: 415, detail: "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newReq(t, "POST", srv.URL+"/echo", strings.NewReader(`{"name":"a","count":2}`))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, b := do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if tt.status == 200 {
				return
			}
			p := decodeProblem(t, resp, b)
			if p.Code != problem.UnsupportedMediaType || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("code %q detail %q, want %q containing %q", p.Code, p.Detail, problem.UnsupportedMediaType, tt.detail)
			}
			if len(p.Errors) != 1 || p.Errors[0].Field != "Content-Type" {
				t.Errorf("errors %+v, want one at Content-Type", p.Errors)
			}
		})
	}
}

func TestSuccessLogLevel(t *testing.T) {
	tests := []struct {
		name        string
		success     slog.Level
		wantSuccess bool
	}{
		{name: "successes at info", success: slog.LevelInfo, wantSuccess: true},
		{name: "successes at debug", success: slog.LevelDebug, wantSuccess: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &testenv.Buffer{}
			e := httpx.NewEngine(httpx.EngineConfig{Logger: telemetry.NewLogger(logs, slog.LevelInfo), SuccessLogLevel: tt.success})
			e.GET("/ok", func(c *gin.Context) { httpx.Respond(c, http.StatusOK, gin.H{}) })
			srv := httptest.NewServer(e)
			defer srv.Close()
			do(t, newReq(t, "GET", srv.URL+"/ok", nil))
			do(t, newReq(t, "GET", srv.URL+"/missing", nil))
			l := logs.String()
			if got := strings.Contains(l, `"route":"/ok"`); got != tt.wantSuccess {
				t.Errorf("success logged = %v, want %v:\n%s", got, tt.wantSuccess, l)
			}
			if !strings.Contains(l, `"path":"/missing"`) {
				t.Errorf("the 404 was not logged:\n%s", l)
			}
		})
	}
}

// TestAddLogAttrsOfSharedSlices: attributes one slice holds for every
// request (as the key store's prepared ones of a key), added first and then
// followed by each request's own, end up in each request's log line with
// its own attributes only, and the shared slice is never written, whether
// it is full (kept as it is) or has room to spare (copied).
func TestAddLogAttrsOfSharedSlices(t *testing.T) {
	logs := &testenv.Buffer{}
	e := httpx.NewEngine(httpx.EngineConfig{Logger: telemetry.NewLogger(logs, slog.LevelDebug)})
	full := []slog.Attr{slog.String("org", "SharedMSP")}
	spare := make([]slog.Attr, 1, 4)
	spare[0] = slog.String("org", "SpareMSP")
	for path, shared := range map[string][]slog.Attr{"/full": full, "/spare": spare} {
		e.GET(path, func(c *gin.Context) {
			httpx.AddLogAttrs(c, shared...)
			httpx.AddLogAttrs(c, slog.String("n", c.Query("n")))
			httpx.Respond(c, http.StatusOK, gin.H{"ok": true})
		})
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			path := []string{"/full", "/spare"}[i%2]
			req, err := http.NewRequest("GET", fmt.Sprintf("%s%s?n=%d", srv.URL, path, i), nil)
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set(httpx.HeaderRequestID, fmt.Sprintf("shared-%d", i))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	lines := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var line map[string]any
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("log line not JSON: %s", l)
		}
		if id, _ := line["requestId"].(string); strings.HasPrefix(id, "shared-") {
			lines[id] = line
		}
	}
	for i := range n {
		line := lines[fmt.Sprintf("shared-%d", i)]
		org := []string{"SharedMSP", "SpareMSP"}[i%2]
		if line["org"] != org || line["n"] != strconv.Itoa(i) {
			t.Errorf("request %d: log line %v, want org %s and n %d", i, line, org, i)
		}
	}
	if len(full) != 1 || full[0].Value.String() != "SharedMSP" || spare[:2][1].Key != "" {
		t.Errorf("a shared slice was written: %v, %v", full, spare[:cap(spare)])
	}
}

// TestMalformedQuery: a query string that net/url would parse only in part
// is refused whole, before any handler could answer without the dropped
// parameter; a well-formed one, escapes included, passes.
func TestMalformedQuery(t *testing.T) {
	srv, _ := newServer(t, 0)
	for _, tc := range []struct {
		query string
		ok    bool
		says  string
		field string // where the problem is; "" for the whole query
	}{
		{"10=LOT1&17=280630", true, "", ""},
		{"10=LOT%3B1&17=280630&x=%25", true, "", ""},
		{"", true, "", ""},
		{"10=WRONGLOT%&17=280630", false, "'%' at offset 11", ""},
		{"10=LOT%4", false, "'%' at offset 6", ""},
		{"10=LOT%zz", false, "'%' at offset 6", ""},
		{"10=WRONGLOT;&17=280630", false, "';' at offset 11", ""},
		{"EQ_bizStep=shipping;x=1", false, "';' at offset 19", ""},
		{"EQ_bizTransaction_po%00=x", false, "%00 at offset 20 is a control character", "EQ_bizTransaction_po%00"},
		{"17=280630&10=LOT%0a1", false, "%0a at offset 16 is a control character", "10"},
		{"10=LOT%7F", false, "%7F at offset 6", "10"},
		{"10=L%C3%B6T%20%7e%2F", true, "", ""},
	} {
		resp, b := do(t, newReq(t, http.MethodGet, srv.URL+"/ok?"+tc.query, nil))
		if tc.ok {
			if resp.StatusCode != http.StatusOK {
				t.Errorf("?%s: %d %s", tc.query, resp.StatusCode, b)
			}
			continue
		}
		pb := decodeProblem(t, resp, b)
		if tc.field == "" {
			tc.field = "query"
		}
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(pb.Detail, tc.says) || len(pb.Errors) != 1 || pb.Errors[0].Field != tc.field {
			t.Errorf("?%s: %d %+v, want 400 saying %q at field %s", tc.query, resp.StatusCode, pb, tc.says, tc.field)
		}
	}
}

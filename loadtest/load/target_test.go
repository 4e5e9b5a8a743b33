package load

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{url: "http://127.0.0.1:8080/v1/verify", ok: true},
		{url: "http://127.9.9.9/", ok: true},
		{url: "http://localhost:1/", ok: true},
		{url: "http://[::1]:8080/", ok: true},
		{url: "https://127.0.0.1/", ok: false},
		{url: "http://10.0.0.1/", ok: false},
		{url: "http://example.com/", ok: false},
		{url: "http://localhost.example.com/", ok: false},
		{url: "http://0.0.0.0:8080/", ok: false},
		{url: "ftp://127.0.0.1/", ok: false},
		{url: "127.0.0.1:8080", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if err := CheckLoopback(tt.url); (err == nil) != tt.ok {
				t.Errorf("CheckLoopback(%q) = %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}
}

func TestTemplateRequest(t *testing.T) {
	tmpl, err := NewTemplate(Template{
		Method: "POST",
		URL:    "http://127.0.0.1:1/v1/items/{seq}?x={seq}",
		Header: http.Header{"Authorization": {"Bearer k"}},
		Body:   `{"serial":"SN{seq}","n":{seq}}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := tmpl.Request(42)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if req.URL.String() != "http://127.0.0.1:1/v1/items/42?x=42" || string(body) != `{"serial":"SN42","n":42}` {
		t.Errorf("request %s %s", req.URL, body)
	}
	if req.Header.Get("Authorization") != "Bearer k" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", req.Header)
	}
	if tmpl.Name() != "POST http://127.0.0.1:1/v1/items/{seq}?x={seq}" {
		t.Errorf("default name %q", tmpl.Name())
	}
	if _, err := NewTemplate(Template{URL: "http://192.168.1.1/"}); err == nil {
		t.Error("a non-loopback template was accepted")
	}
}

func TestTemplateCheck(t *testing.T) {
	validate := func(b []byte) error {
		if !strings.Contains(string(b), "verified") {
			return io.ErrUnexpectedEOF
		}
		return nil
	}
	tests := []struct {
		name   string
		tmpl   Template
		status int
		body   string
		ok     bool
	}{
		{name: "any 2xx", status: 204, ok: true},
		{name: "4xx fails", status: 404, ok: false},
		{name: "expected status", tmpl: Template{Expect: 404}, status: 404, ok: true},
		{name: "other status than expected", tmpl: Template{Expect: 200}, status: 201, ok: false},
		{name: "valid body", tmpl: Template{Validate: validate}, status: 200, body: `{"verified":true}`, ok: true},
		{name: "invalid body", tmpl: Template{Validate: validate}, status: 200, body: `{}`, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.tmpl.Check(tt.status, []byte(tt.body)); (err == nil) != tt.ok {
				t.Errorf("Check = %v, want ok=%v", err, tt.ok)
			}
			if tt.tmpl.NeedsBody() != (tt.tmpl.Validate != nil) {
				t.Error("NeedsBody disagrees with Validate")
			}
		})
	}
}

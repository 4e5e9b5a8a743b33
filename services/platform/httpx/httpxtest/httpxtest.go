// Package httpxtest holds what the services' HTTP tests share: a request
// sent with an API key and its answer read whole, decoded after its status
// is checked, and problem+json refusals taken apart.
package httpxtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"rxledger/services/platform/problem"
)

// Response is an HTTP answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends method to url with apiKey as the bearer token ("" for none) and
// body as JSON ("" for none), and reads the answer.
func Do(t testing.TB, method, url, apiKey, body string) Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Decode decodes the answer into out after checking its status.
func (r Response) Decode(t testing.TB, status int, out any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes a refusal after checking that it is problem+json of the
// status, with a code and a detail.
func (r Response) Problem(t testing.TB, status int) problem.Body {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != problem.MediaType {
		t.Fatalf("Content-Type %q, want %s: %s", ct, problem.MediaType, r.Body)
	}
	var b problem.Body
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("decode problem %s: %v", r.Body, err)
	}
	if b.Status != status || b.Detail == "" || b.Code == "" {
		t.Fatalf("problem %s: want status %d, a code and a detail", r.Body, status)
	}
	return b
}

// Fields are the fields a problem names, in order.
func Fields(b problem.Body) []string {
	var out []string
	for _, l := range b.Errors {
		out = append(out, l.Field)
	}
	return out
}

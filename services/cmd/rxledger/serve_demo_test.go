package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"rxledger/services/demo"
	"rxledger/services/platform/auth"
)

// stop ends a served process and waits for it, leaving its exit code for
// the cleanup startServe registered.
func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	code := <-s.code
	s.code <- code
	if code != 0 {
		t.Fatalf("serve exited %d; logs:\n%s", code, s.logs.String())
	}
}

var (
	curlLine    = regexp.MustCompile(`curl -s -H 'Authorization: Bearer (\S+)' '(http://[^']+/verify/[^']+)'`)
	historyLine = regexp.MustCompile(`curl -s -H 'Authorization: Bearer (\S+)' '(http://[^']+/items/[^']+/history)'`)
)

func TestServeDemo(t *testing.T) {
	data := t.TempDir()
	s := startServe(t, "--demo", "--data", data)
	out := strings.Join(s.out, "\n")
	path := filepath.Join(data, DemoCredentialsFile)
	if !strings.Contains(out, path) {
		t.Errorf("start message does not name %s:\n%s", path, out)
	}
	for _, want := range []string{"/verify/01/", "/epcis/events?", "/epcis/capture", demo.CaptureExampleFile} {
		if !strings.Contains(out, want) {
			t.Errorf("start message has no command with %q:\n%s", want, out)
		}
	}
	if info, err := os.Stat(filepath.Join(data, demo.CaptureExampleFile)); err != nil || info.Size() == 0 {
		t.Errorf("example capture document: %v", err)
	}

	// The printed verification command works as printed.
	m := curlLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no verification curl command in:\n%s", out)
	}
	req, err := http.NewRequest(http.MethodGet, m[2], nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+m[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Verified bool `json:"verified"`
	}
	err = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !answer.Verified {
		t.Fatalf("printed verification: status %d, %+v (%v)", resp.StatusCode, answer, err)
	}

	// So does the printed custody history command.
	h := historyLine.FindStringSubmatch(out)
	if h == nil {
		t.Fatalf("no custody history curl command in:\n%s", out)
	}
	req, err = http.NewRequest(http.MethodGet, h[2], nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h[1])
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	var history struct {
		Entries []json.RawMessage `json:"entries"`
	}
	err = json.NewDecoder(resp.Body).Decode(&history)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(history.Entries) == 0 {
		t.Fatalf("printed custody history: status %d, %d entries (%v)", resp.StatusCode, len(history.Entries), err)
	}

	creds, err := demo.ReadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 4 {
		t.Fatalf("%d demo credentials; want 4", len(creds))
	}
	s.stop(t)

	// Started again on the same data: the same keys, nothing loaded twice.
	s = startServe(t, "--demo", "--data", data)
	again, err := demo.ReadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range creds {
		if again[i].APIKey != creds[i].APIKey {
			t.Errorf("%s: key changed across a restart", creds[i].Org)
		}
	}
	keys, err := auth.OpenStore(filepath.Join(data, auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(keys.List()); n != len(creds) {
		t.Errorf("%d keys in the store after a restart; want %d", n, len(creds))
	}
	if !strings.Contains(s.logs.String(), `"submitted":0`) {
		t.Errorf("the second start submitted demo transactions; logs:\n%s", s.logs.String())
	}
}

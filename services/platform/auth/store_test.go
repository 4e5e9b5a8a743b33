package auth_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/services/platform/auth"
	"rxledger/services/platform/problem"
)

func openStore(t *testing.T) (*auth.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", auth.KeysFile)
	s, err := auth.OpenStore(path)
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	return s, path
}

func issue(t *testing.T, s *auth.Store, g auth.Grant) (string, auth.Principal) {
	t.Helper()
	key, p, err := s.Issue(g)
	if err != nil {
		t.Fatalf("Issue(%+v): %v", g, err)
	}
	return key, p
}

var manufacturer = auth.Grant{Org: "ManufacturerMSP", Role: auth.Manufacturer, GLN: "0312345000010", Label: "line 1"}

func TestIssueRefusesBadGrants(t *testing.T) {
	s, _ := openStore(t)
	tests := []struct {
		name  string
		grant auth.Grant
	}{
		{name: "no org", grant: auth.Grant{Role: auth.Dispenser}},
		{name: "org with spaces", grant: auth.Grant{Org: "Pharmacy MSP", Role: auth.Dispenser}},
		{name: "unknown role", grant: auth.Grant{Org: "PharmacyMSP", Role: "admin"}},
		{name: "bad GLN", grant: auth.Grant{Org: "PharmacyMSP", Role: auth.Dispenser, GLN: "12345"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := s.Issue(tt.grant); !problem.Is(err, problem.Invalid) {
				t.Errorf("Issue(%+v) = %v, want an Invalid problem", tt.grant, err)
			}
		})
	}
	if n := len(s.List()); n != 0 {
		t.Errorf("%d keys stored after refusals", n)
	}
}

func TestAuthenticate(t *testing.T) {
	s, _ := openStore(t)
	key, issued := issue(t, s, manufacturer)
	revokedKey, revoked := issue(t, s, auth.Grant{Org: "PharmacyMSP", Role: auth.Dispenser})
	if err := s.Revoke(revoked.KeyID); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	id, _, _ := auth.ParseKey(key)
	_, otherSecret, _ := auth.NewKey()

	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{name: "valid", key: key, ok: true},
		{name: "malformed", key: "hunter2"},
		{name: "unknown id", key: strings.Replace(key, id, "0000000000000000", 1)},
		{name: "wrong secret", key: auth.KeyPrefix + id + "_" + otherSecret},
		{name: "revoked", key: revokedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Authenticate(context.Background(), tt.key)
			if tt.ok {
				if err != nil || p != issued {
					t.Errorf("Authenticate = %+v, %v; want %+v", p, err, issued)
				}
				return
			}
			if !problem.Is(err, problem.Unauthorized) {
				t.Errorf("Authenticate = %+v, %v; want an Unauthorized problem", p, err)
			}
		})
	}
	if issued.Org != "ManufacturerMSP" || issued.Role != auth.Manufacturer || issued.GLN != "0312345000010" || issued.KeyID != id {
		t.Errorf("principal %+v does not reflect the grant", issued)
	}
}

func TestStorePersistsHashesOnly(t *testing.T) {
	s, path := openStore(t)
	key, p := issue(t, s, manufacturer)
	_, secret, _ := auth.ParseKey(key)

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %v, want 0600", perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) {
		t.Error("key file holds the secret")
	}
	if !strings.Contains(string(b), auth.HashSecret(secret)) {
		t.Error("key file lacks the secret's hash")
	}

	reopened, err := auth.OpenStore(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	got, err := reopened.Authenticate(context.Background(), key)
	if err != nil || got != p {
		t.Errorf("after reopen Authenticate = %+v, %v; want %+v", got, err, p)
	}
	if err := reopened.Revoke("0000000000000000"); !problem.Is(err, problem.NotFound) {
		t.Errorf("Revoke(unknown) = %v, want NotFound", err)
	}
}

func TestOpenStoreRefusesBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{name: "not JSON", content: "{"},
		{name: "unknown version", content: `{"version":2,"keys":[]}`},
		{name: "unknown role", content: mustJSON(t, map[string]any{"version": 1, "keys": []map[string]any{
			{"id": "0011223344556677", "sha256": strings.Repeat("a", 64), "org": "XMSP", "role": "admin"}}})},
		{name: "missing hash", content: mustJSON(t, map[string]any{"version": 1, "keys": []map[string]any{
			{"id": "0011223344556677", "org": "XMSP", "role": "dispenser"}}})},
		{name: "hash not hex", content: mustJSON(t, map[string]any{"version": 1, "keys": []map[string]any{
			{"id": "0011223344556677", "sha256": strings.Repeat("g", 64), "org": "XMSP", "role": "dispenser"}}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), auth.KeysFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := auth.OpenStore(path); err == nil {
				t.Error("OpenStore accepted a bad file")
			}
		})
	}
}

func TestListOrdered(t *testing.T) {
	s, _ := openStore(t)
	issue(t, s, auth.Grant{Org: "WholesalerMSP", Role: auth.Wholesaler})
	issue(t, s, manufacturer)
	issue(t, s, auth.Grant{Org: "PharmacyMSP", Role: auth.Dispenser})
	var orgs []string
	for _, p := range s.List() {
		orgs = append(orgs, p.Org)
	}
	if got := strings.Join(orgs, ","); got != "ManufacturerMSP,PharmacyMSP,WholesalerMSP" {
		t.Errorf("List orgs %s", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package auth

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// forceRefresh makes the store's next call look at its file.
func forceRefresh(s *Store) { s.nextCheck.Store(0) }

func mustOpen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Two stores on one file stand for a serving process and `rxledger keys`.
func TestStoresShareTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeysFile)
	server, cli := mustOpen(t, path), mustOpen(t, path)
	ctx := context.Background()

	key, p, err := cli.Issue(Grant{Org: "PharmacyMSP", Role: Dispenser})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a key issued elsewhere is accepted after a refresh", func(t *testing.T) {
		forceRefresh(server)
		if got, err := server.Authenticate(ctx, key); err != nil || got != p {
			t.Errorf("Authenticate = %+v, %v", got, err)
		}
	})
	t.Run("issues from both are kept", func(t *testing.T) {
		if _, _, err := server.Issue(Grant{Org: "WholesalerMSP", Role: Wholesaler}); err != nil {
			t.Fatal(err)
		}
		forceRefresh(cli)
		if n := len(cli.List()); n != 2 {
			t.Errorf("%d keys after one issue in each store, want 2", n)
		}
	})
	t.Run("a key revoked elsewhere is refused after a refresh", func(t *testing.T) {
		if err := cli.Revoke(p.KeyID); err != nil {
			t.Fatal(err)
		}
		forceRefresh(server)
		if _, err := server.Authenticate(ctx, key); err == nil {
			t.Error("revoked key still accepted")
		}
	})
	t.Run("a corrupt file keeps the keys in memory", func(t *testing.T) {
		k2, _, err := server.Issue(Grant{Org: "RegulatorMSP", Role: Regulator})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		forceRefresh(server)
		if _, err := server.Authenticate(ctx, k2); err != nil {
			t.Errorf("Authenticate after the file was corrupted: %v", err)
		}
		if _, _, err := server.Issue(Grant{Org: "RegulatorMSP", Role: Regulator}); err == nil {
			t.Error("Issue over a corrupt file succeeded (it would drop every key)")
		}
	})
}

func TestNoRefreshBeforeInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeysFile)
	server, cli := mustOpen(t, path), mustOpen(t, path)
	key, _, err := cli.Issue(Grant{Org: "PharmacyMSP", Role: Dispenser})
	if err != nil {
		t.Fatal(err)
	}
	// The next look at the file is due later, so the new key is not known
	// yet: the hot path does not touch the file on every request.
	server.nextCheck.Store(time.Now().Add(time.Hour).UnixNano())
	if _, err := server.Authenticate(context.Background(), key); err == nil {
		t.Error("key accepted before the store looked at its file again")
	}
}

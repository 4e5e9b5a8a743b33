package auth

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
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

// TestNoRefreshBeforeInterval: a key the store holds is checked without
// looking at the file, so a key revoked by another process is still
// accepted until the store's next periodic look.
func TestNoRefreshBeforeInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeysFile)
	server, cli := mustOpen(t, path), mustOpen(t, path)
	key, p, err := cli.Issue(Grant{Org: "PharmacyMSP", Role: Dispenser})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	server.nextCheck.Store(time.Now().Add(time.Hour).UnixNano())
	if _, err := server.Authenticate(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := cli.Revoke(p.KeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Authenticate(ctx, key); err != nil {
		t.Error("a held key looked at the file before the next periodic look")
	}
	forceRefresh(server)
	if _, err := server.Authenticate(ctx, key); err == nil {
		t.Error("a key revoked elsewhere is accepted after the periodic look")
	}
}

// TestAuthenticateWhileKeysChange authenticates keys of several
// organisations from many goroutines while keys are issued and revoked in
// the serving store and in another one on the same file (so the serving
// store re-reads it and swaps its prepared records): every key that stays
// valid is accepted with its own principal and log attributes throughout,
// and a key revoked elsewhere is refused once the store has looked at the
// file.
func TestAuthenticateWhileKeysChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeysFile)
	server, cli := mustOpen(t, path), mustOpen(t, path)
	orgs := []string{"ManufacturerMSP", "WholesalerMSP", "PharmacyMSP", "RegulatorMSP"}
	keys := make([]string, len(orgs))
	want := make([]Principal, len(orgs))
	for i, org := range orgs {
		k, p, err := cli.Issue(Grant{Org: org, Role: Dispenser, GLN: fmt.Sprintf("03777770000%02d", i)})
		if err != nil {
			t.Fatal(err)
		}
		keys[i], want[i] = k, p
	}
	doomed, _, err := cli.Issue(Grant{Org: "LapsedMSP", Role: Wholesaler})
	if err != nil {
		t.Fatal(err)
	}
	forceRefresh(server)
	server.List() // the serving store reads the keys issued elsewhere

	// 40 issues and revocations, half in each store, while the keys are
	// authenticated.
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := range 40 {
			st := []*Store{server, cli}[i%2]
			_, p, err := st.Issue(Grant{Org: "ChurnMSP", Role: Dispenser})
			if err == nil {
				err = st.Revoke(p.KeyID)
			}
			if err != nil {
				t.Error(err)
				return
			}
			forceRefresh(server)
		}
	})
	for g := range 8 {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				i := (g + n) % len(keys)
				r, err := server.authenticate(keys[i])
				if err != nil {
					t.Errorf("key of %s refused while keys changed: %v", orgs[i], err)
					return
				}
				p := *r.who
				attrs := fmt.Sprint(r.logAttrs)
				if p != want[i] || attrs != fmt.Sprintf("[org=%s role=%s keyId=%s]", want[i].Org, want[i].Role, want[i].KeyID) {
					t.Errorf("key of %s: principal %+v, log attributes %s; want %+v", orgs[i], p, attrs, want[i])
					return
				}
				wrong := []byte(keys[i])
				if wrong[len(wrong)-2] == 'a' {
					wrong[len(wrong)-2] = 'b'
				} else {
					wrong[len(wrong)-2] = 'a'
				}
				if _, err := server.Authenticate(context.Background(), string(wrong)); err == nil {
					t.Errorf("key of %s with another secret accepted", orgs[i])
					return
				}
			}
		})
	}
	wg.Wait()

	id, _, err := ParseKey(doomed)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Revoke(id); err != nil {
		t.Fatal(err)
	}
	forceRefresh(server)
	if _, err := server.Authenticate(context.Background(), doomed); err == nil {
		t.Error("key revoked by another store accepted after a refresh")
	}
}

// TestRefreshKeepsANewerChange: a refresh that read the file before this
// store revoked a key does not install what it read over the revocation
// (the key would work again until the next refresh).
func TestRefreshKeepsANewerChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.json")
	s1, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	key, p, err := s2.Issue(Grant{Org: "ManufacturerMSP", Role: Manufacturer})
	if err != nil {
		t.Fatal(err)
	}
	refreshHook = func() {
		refreshHook = nil
		if err := s1.Revoke(p.KeyID); err != nil {
			t.Errorf("revoke: %v", err)
		}
	}
	t.Cleanup(func() { refreshHook = nil })
	s1.refresh() // reads the file with the key, then the revocation lands
	if _, err := s1.Authenticate(context.Background(), key); err == nil {
		t.Fatal("a key revoked by this store authenticates after a refresh that read the file before the revocation")
	}
}

// TestKeyIssuedElsewhereWorksAtOnce: a serving store takes a key that
// another process issued a moment ago on its first use, without waiting for
// its periodic look at the file, also when several requests use it at once;
// misses that queue behind one look are served by it.
func TestKeyIssuedElsewhereWorksAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeysFile)
	server, cli := mustOpen(t, path), mustOpen(t, path)
	ctx := context.Background()
	server.nextCheck.Store(time.Now().Add(time.Hour).UnixNano()) // no periodic look during the test
	key, p, err := cli.Issue(Grant{Org: "PharmacyMSP", Role: Dispenser})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := server.Authenticate(ctx, key); err != nil || got != p {
		t.Fatalf("a key issued elsewhere, used at once: %+v, %v", got, err)
	}
	for round := range 20 {
		key, _, err := cli.Issue(Grant{Org: "PharmacyMSP", Role: Dispenser})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { _, errs[i] = server.Authenticate(ctx, key) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: request %d of 8 using a new key at once: %v", round, i, err)
			}
		}
	}

	// Misses that failed before one look began are all served by it.
	server.missMu.Lock()
	server.lastMissLook = 0
	before := server.missLooks
	server.missMu.Unlock()
	since := time.Now().UnixNano()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { server.refreshOnMiss(since) })
	}
	wg.Wait()
	if looks := server.missLooks - before; looks != 1 {
		t.Errorf("8 misses at one moment made %d looks at the file, want 1", looks)
	}
}

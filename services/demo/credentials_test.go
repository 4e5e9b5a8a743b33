package demo

import (
	"os"
	"path/filepath"
	"testing"

	"rxledger/services/platform/auth"
)

func TestCredentialsKeptAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, CredentialsFile)
	keys, err := auth.OpenStore(filepath.Join(dir, auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	first, err := Credentials(t.Context(), path, keys)
	if err != nil {
		t.Fatalf("first: %v", err)
	}
	if len(first) != len(Orgs()) || len(keys.List()) != len(Orgs()) {
		t.Fatalf("%d credentials, %d stored keys; want one per organisation (%d)", len(first), len(keys.List()), len(Orgs()))
	}
	for _, c := range first {
		p, err := keys.Authenticate(t.Context(), c.APIKey)
		if err != nil || p.Org != c.Org || p.Role != c.Role || p.GLN != c.GLN {
			t.Errorf("%s: key authenticates as %+v (%v)", c.Org, p, err)
		}
		if len(c.Samples.Active) == 0 || len(c.Samples.Recalled) == 0 || len(c.Samples.Dispensed) == 0 || len(c.Samples.Suspect) == 0 {
			t.Errorf("%s: samples missing a state: %+v", c.Org, c.Samples)
		}
		switch c.Org {
		case Manufacturer:
			if c.CompanyPrefix != CompanyPrefix || len(c.GTINs) != len(Products()) {
				t.Errorf("manufacturer entry: prefix %q, GTINs %v", c.CompanyPrefix, c.GTINs)
			}
		default:
			if c.CompanyPrefix != "" || c.GTINs != nil {
				t.Errorf("%s entry carries the manufacturer's prefix or GTINs", c.Org)
			}
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v; want 0600", info.Mode().Perm())
	}

	// A restart: a new store on the same file keeps every key.
	keys, err = auth.OpenStore(filepath.Join(dir, auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	second, err := Credentials(t.Context(), path, keys)
	if err != nil {
		t.Fatalf("second: %v", err)
	}
	for i := range first {
		if second[i].APIKey != first[i].APIKey {
			t.Errorf("%s: key changed across a restart", first[i].Org)
		}
	}
	if len(keys.List()) != len(Orgs()) {
		t.Errorf("%d keys stored after a restart; want %d", len(keys.List()), len(Orgs()))
	}

	// A revoked key is replaced; the others stay.
	if err := keys.Revoke(first[2].KeyID); err != nil {
		t.Fatal(err)
	}
	third, err := Credentials(t.Context(), path, keys)
	if err != nil {
		t.Fatalf("third: %v", err)
	}
	for i := range first {
		changed := third[i].APIKey != first[i].APIKey
		if changed != (i == 2) {
			t.Errorf("%s: key changed %v after revoking %s's key", first[i].Org, changed, first[2].Org)
		}
	}
	if _, err := keys.Authenticate(t.Context(), third[2].APIKey); err != nil {
		t.Errorf("replacement key of %s does not work: %v", third[2].Org, err)
	}
	onDisk, err := ReadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	if onDisk[2].APIKey != third[2].APIKey {
		t.Errorf("file keeps the revoked key of %s", third[2].Org)
	}
}

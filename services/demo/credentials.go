package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"rxledger/services/platform/atomicfile"
	"rxledger/services/platform/auth"
)

// CredentialsFile is the name of the demo credentials file in the data
// directory.
const CredentialsFile = "demo-credentials.json"

// Credential is one entry of the demo credentials file: an organisation's
// API key and what a newcomer needs to call the services as it.
type Credential struct {
	Org  string    `json:"org"`
	Name string    `json:"name"`
	Role auth.Role `json:"role"`
	// APIKey goes in "Authorization: Bearer <apiKey>".
	APIKey string `json:"apiKey"`
	KeyID  string `json:"keyId"`
	GLN    string `json:"gln"`
	// CompanyPrefix, GTINs and Products are set for the manufacturer.
	CompanyPrefix string    `json:"companyPrefix,omitempty"`
	GTINs         []string  `json:"gtins,omitempty"`
	Products      []Product `json:"products,omitempty"`
	// Samples are demo packages in each state; every entry carries the
	// same, so whichever key one picks there is something to verify.
	Samples Samples `json:"samples"`
}

// Credentials returns the demo credentials stored at path, issuing keys in
// keys for the organisations that have none that still works there, and
// rewrites the file (mode 0600) with the working keys. Keys are thus issued
// once and kept across restarts; a key revoked or lost from the store is
// replaced by a new one.
func Credentials(ctx context.Context, path string, keys *auth.Store) ([]Credential, error) {
	old, err := ReadCredentials(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	samples := StorySamples()
	var gtins []string
	for _, p := range Products() {
		gtins = append(gtins, p.GTIN)
	}
	var out []Credential
	for _, o := range Orgs() {
		c := Credential{Org: o.MSP, Name: o.Name, Role: o.KeyRole, GLN: o.GLN, Samples: samples}
		if o.MSP == Manufacturer {
			c.CompanyPrefix, c.GTINs, c.Products = CompanyPrefix, gtins, Products()
		}
		if k, ok := workingKey(ctx, keys, old, o); ok {
			c.APIKey, c.KeyID = k.APIKey, k.KeyID
		} else {
			key, p, err := keys.Issue(auth.Grant{Org: o.MSP, Role: o.KeyRole, GLN: o.GLN, Label: "demo: " + o.Name})
			if err != nil {
				return nil, fmt.Errorf("issue the demo key of %s: %w", o.MSP, err)
			}
			c.APIKey, c.KeyID = key, p.KeyID
		}
		out = append(out, c)
	}
	if err := writeCredentials(path, out); err != nil {
		return nil, err
	}
	return out, nil
}

// workingKey finds o's entry in old whose key the store still accepts for
// o's organisation, role and GLN.
func workingKey(ctx context.Context, keys *auth.Store, old []Credential, o Org) (Credential, bool) {
	for _, c := range old {
		if c.Org != o.MSP || c.APIKey == "" {
			continue
		}
		p, err := keys.Authenticate(ctx, c.APIKey)
		if err == nil && p.Org == o.MSP && p.Role == o.KeyRole && p.GLN == o.GLN {
			c.KeyID = p.KeyID
			return c, true
		}
	}
	return Credential{}, false
}

// ReadCredentials reads a demo credentials file.
func ReadCredentials(path string) ([]Credential, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read demo credentials: %w", err)
	}
	var out []Credential
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decode demo credentials %s: %w", path, err)
	}
	return out, nil
}

// writeCredentials writes the file atomically: a temporary file, synced,
// renamed over the old one.
func writeCredentials(path string, creds []Credential) error {
	raw, err := json.MarshalIndent(creds, "", "  ")
	if err != nil {
		return fmt.Errorf("encode demo credentials: %w", err)
	}
	if err := atomicfile.Write(path, append(raw, '\n')); err != nil {
		return fmt.Errorf("write demo credentials: %w", err)
	}
	return nil
}

package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"rxledger/services/platform/problem"
)

// KeysFile is the store's file name in the data directory.
const KeysFile = "apikeys.json"

// Grant is what a new key is issued for.
type Grant struct {
	Org   string // Fabric MSP ID
	Role  Role
	GLN   string // optional: the organisation's 13-digit GLN
	Label string // optional: who holds the key
}

// record is a stored key: never the secret, only its hash.
type record struct {
	ID      string    `json:"id"`
	Hash    string    `json:"sha256"`
	Org     string    `json:"org"`
	Role    Role      `json:"role"`
	GLN     string    `json:"gln,omitempty"`
	Label   string    `json:"label,omitempty"`
	Created time.Time `json:"created"`
}

func (r record) principal() Principal {
	return Principal{KeyID: r.ID, Org: r.Org, Role: r.Role, GLN: r.GLN, Label: r.Label}
}

// file is the JSON document on disk.
type file struct {
	Version int      `json:"version"`
	Keys    []record `json:"keys"`
}

// Store is a file-backed set of API keys, safe for concurrent use. All keys
// are held in memory; every change rewrites the file atomically (write to a
// temporary file, sync, rename) with mode 0600.
type Store struct {
	path string

	mu   sync.RWMutex
	keys map[string]record
}

var (
	mspPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	glnPattern = regexp.MustCompile(`^[0-9]{13}$`)
)

// OpenStore loads the key store at path, creating an empty one (and its
// directory) if there is none.
func OpenStore(path string) (*Store, error) {
	s := &Store{path: path, keys: map[string]record{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create key store directory: %w", err)
		}
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("read key store: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("decode key store %s: %w", path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("key store %s: unsupported version %d", path, f.Version)
	}
	for i, r := range f.Keys {
		if _, err := ParseRole(string(r.Role)); err != nil || r.ID == "" || r.Org == "" || len(r.Hash) != 64 {
			return nil, fmt.Errorf("key store %s: key %d (%q) is incomplete or has an unknown role", path, i, r.ID)
		}
		s.keys[r.ID] = r
	}
	return s, nil
}

// Issue creates, stores and returns a new key for g. The returned key string
// is the only copy of the secret: it cannot be recovered later.
func (s *Store) Issue(g Grant) (key string, p Principal, err error) {
	if !mspPattern.MatchString(g.Org) {
		return "", Principal{}, problem.New(problem.Invalid, "organisation %q is not an MSP ID", g.Org)
	}
	if _, err := ParseRole(string(g.Role)); err != nil {
		return "", Principal{}, problem.Wrap(problem.Invalid, err, "unknown role %q", g.Role)
	}
	if g.GLN != "" && !glnPattern.MatchString(g.GLN) {
		return "", Principal{}, problem.New(problem.Invalid, "GLN %q is not 13 digits", g.GLN)
	}
	id, secret, key := NewKey()
	r := record{ID: id, Hash: HashSecret(secret), Org: g.Org, Role: g.Role, GLN: g.GLN, Label: g.Label,
		Created: time.Now().UTC().Truncate(time.Second)}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = r
	if err := s.saveLocked(); err != nil {
		delete(s.keys, id)
		return "", Principal{}, err
	}
	return key, r.principal(), nil
}

// Revoke deletes the key with the given ID.
func (s *Store) Revoke(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.keys[id]
	if !ok {
		return problem.New(problem.NotFound, "no API key %q", id)
	}
	delete(s.keys, id)
	if err := s.saveLocked(); err != nil {
		s.keys[id] = r
		return err
	}
	return nil
}

// List returns the principals of every key, ordered by organisation and ID.
func (s *Store) List() []Principal {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Principal, 0, len(s.keys))
	for _, r := range s.keys {
		out = append(out, r.principal())
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Org != out[j].Org {
			return out[i].Org < out[j].Org
		}
		return out[i].KeyID < out[j].KeyID
	})
	return out
}

// Authenticate returns the principal of a key, or an Unauthorized problem.
// The secret is compared in constant time; an unknown key ID fails without a
// comparison (IDs are not secret).
func (s *Store) Authenticate(_ context.Context, key string) (Principal, error) {
	id, secret, err := ParseKey(key)
	if err != nil {
		return Principal{}, problem.Wrap(problem.Unauthorized, err, "the API key is malformed")
	}
	s.mu.RLock()
	r, ok := s.keys[id]
	s.mu.RUnlock()
	if !ok || !secretMatches(secret, r.Hash) {
		return Principal{}, problem.New(problem.Unauthorized, "the API key is not valid")
	}
	return r.principal(), nil
}

// saveLocked writes the store atomically. The caller holds s.mu.
func (s *Store) saveLocked() error {
	f := file{Version: 1, Keys: make([]record, 0, len(s.keys))}
	for _, r := range s.keys {
		f.Keys = append(f.Keys, r)
	}
	sort.Slice(f.Keys, func(i, j int) bool { return f.Keys[i].ID < f.Keys[j].ID })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode key store: %w", err)
	}
	return writeFileAtomic(s.path, append(b, '\n'))
}

// writeFileAtomic replaces path with data (mode 0600) so that readers see
// either the old or the new file, never a part.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save key store: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save key store: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save key store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save key store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save key store: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save key store: %w", err)
	}
	return nil
}

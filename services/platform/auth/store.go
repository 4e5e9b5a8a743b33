package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"rxledger/services/platform/atomicfile"
	"rxledger/services/platform/problem"
)

// KeysFile is the store's file name in the data directory.
const KeysFile = "apikeys.json"

// RefreshInterval is how often a store looks at its file for changes made by
// another process (`rxledger keys issue|revoke` while a server runs).
const RefreshInterval = time.Second

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

	// What Authenticate uses, made once when the record is read or issued
	// rather than on every request: the decoded hash, the principal (shared
	// by every request of the key, never modified) and its access log
	// attributes.
	sum      [sha256.Size]byte
	who      *Principal
	logAttrs []slog.Attr
}

func (r record) principal() Principal {
	return Principal{KeyID: r.ID, Org: r.Org, Role: r.Role, GLN: r.GLN, Label: r.Label}
}

// prepare fills what Authenticate uses; it fails when the stored hash is
// not a hex SHA-256.
func (r *record) prepare() bool {
	sum, ok := decodeHash(r.Hash)
	if !ok {
		return false
	}
	p := r.principal()
	r.sum, r.who, r.logAttrs = sum, &p, principalAttrs(p)
	return true
}

// file is the JSON document on disk.
type file struct {
	Version int      `json:"version"`
	Keys    []record `json:"keys"`
}

// Store is a file-backed set of API keys, safe for concurrent use by
// goroutines and by processes sharing the file. Keys are held in memory and
// the file is re-read when it changes (checked at most every
// RefreshInterval, and when a request names a key ID the store does not
// hold), so a key issued by another process works at once and one revoked
// by another process stops working within about a second. Changes lock the file (flock on a sibling
// .lock file), re-read it, and rewrite it atomically (temporary file, sync,
// rename) with mode 0600.
type Store struct {
	path string

	mu      sync.RWMutex
	keys    map[string]*record
	version fileVersion // of the file the keys were read from

	// regulators are the regulator organisations, whose keys must have
	// the regulator role (CheckOrgRole); nil until SetRegulators.
	regulators atomic.Pointer[[]string]

	nextCheck atomic.Int64 // unix nanoseconds of the next look at the file
	// missMu orders the looks for key IDs not held (refreshOnMiss);
	// lastMissLook is when the last began (UnixNano), missLooks counts them.
	missMu       sync.Mutex
	lastMissLook int64
	missLooks    int
}

// fileVersion identifies one content of the file.
type fileVersion struct {
	mod  time.Time
	size int64
	ino  uint64
}

var (
	mspPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	glnPattern = regexp.MustCompile(`^[0-9]{13}$`)
)

// OpenStore loads the key store at path; a missing file is an empty store
// (the file and its directory are created with the first key).
func OpenStore(path string) (*Store, error) {
	s := &Store{path: path}
	keys, v, err := readKeys(path)
	if err != nil {
		return nil, err
	}
	s.keys, s.version = keys, v
	s.nextCheck.Store(time.Now().Add(RefreshInterval).UnixNano())
	return s, nil
}

// readKeys reads and checks the file; a missing file is an empty set.
func readKeys(path string) (map[string]*record, fileVersion, error) {
	keys := map[string]*record{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return keys, fileVersion{}, nil
	}
	if err != nil {
		return nil, fileVersion{}, fmt.Errorf("read key store: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fileVersion{}, fmt.Errorf("read key store: %w", err)
	}
	var doc file
	if err := json.NewDecoder(f).Decode(&doc); err != nil {
		return nil, fileVersion{}, fmt.Errorf("decode key store %s: %w", path, err)
	}
	if doc.Version != 1 {
		return nil, fileVersion{}, fmt.Errorf("key store %s: unsupported version %d", path, doc.Version)
	}
	for i := range doc.Keys {
		r := &doc.Keys[i]
		if _, err := ParseRole(string(r.Role)); err != nil || r.ID == "" || r.Org == "" || !r.prepare() {
			return nil, fileVersion{}, fmt.Errorf("key store %s: key %d (%q) is incomplete, has an unknown role or a hash that is not a hex SHA-256", path, i, r.ID)
		}
		keys[r.ID] = r
	}
	return keys, versionOf(info), nil
}

func versionOf(info fs.FileInfo) fileVersion {
	v := fileVersion{mod: info.ModTime(), size: info.Size()}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		v.ino = st.Ino // a rename gives a new inode even within one mtime tick
	}
	return v
}

// refresh re-reads the file if it changed since it was read. A file that
// cannot be read keeps the keys in memory (a half-edited file must not
// lock everyone out); Authenticate retries after RefreshInterval.
func (s *Store) refresh() {
	var v fileVersion
	if info, err := os.Stat(s.path); err == nil {
		v = versionOf(info)
	}
	s.mu.RLock()
	before := s.version
	s.mu.RUnlock()
	if v == before {
		return
	}
	keys, v, err := readKeys(s.path)
	if err != nil {
		return
	}
	if refreshHook != nil {
		refreshHook()
	}
	s.mu.Lock()
	// A change by this store since the look above installed what it wrote,
	// which is newer than what was read here: keep it (a key it revoked
	// must not come back until the next refresh).
	if s.version == before {
		s.keys, s.version = keys, v
	}
	s.mu.Unlock()
}

// refreshHook, when set (by tests), runs between refresh's read of the file
// and its installing what it read.
var refreshHook func()

// SetRegulators names the regulator organisations: from then on, a key of
// one of them with another role than regulator is neither issued nor
// authenticated (CheckOrgRole; 403), whenever it was issued.
func (s *Store) SetRegulators(orgs []string) {
	regs := slices.Clone(orgs)
	s.regulators.Store(&regs)
}

// regulatorOrgs are the organisations SetRegulators named (nil: none).
func (s *Store) regulatorOrgs() []string {
	if p := s.regulators.Load(); p != nil {
		return *p
	}
	return nil
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
	if err := CheckOrgRole(g.Org, g.Role, s.regulatorOrgs()); err != nil {
		return "", Principal{}, err
	}
	id, secret, key := NewKey()
	r := record{ID: id, Hash: HashSecret(secret), Org: g.Org, Role: g.Role, GLN: g.GLN, Label: g.Label,
		Created: time.Now().UTC().Truncate(time.Second)}
	r.prepare()
	err = s.change(func(keys map[string]*record) error {
		keys[id] = &r
		return nil
	})
	if err != nil {
		return "", Principal{}, err
	}
	return key, r.principal(), nil
}

// Revoke deletes the key with the given ID.
func (s *Store) Revoke(id string) error {
	return s.change(func(keys map[string]*record) error {
		if _, ok := keys[id]; !ok {
			return problem.New(problem.NotFound, "no API key %q", id)
		}
		delete(keys, id)
		return nil
	})
}

// change applies edit to the keys as they are on disk, under the file
// lock, writes them and makes them the store's keys.
func (s *Store) change(edit func(map[string]*record) error) error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("create key store directory: %w", err)
	}
	unlock, err := lockFile(s.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, _, err := readKeys(s.path)
	if err != nil {
		return err
	}
	if err := edit(keys); err != nil {
		return err
	}
	if err := writeKeys(s.path, keys); err != nil {
		return err
	}
	info, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("save key store: %w", err)
	}
	s.keys, s.version = keys, versionOf(info)
	return nil
}

// lockFile takes an exclusive flock on path, creating it, and returns its release.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock key store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock key store: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// List returns the principals of every key, ordered by organisation and ID.
func (s *Store) List() []Principal {
	s.maybeRefresh()
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
	r, err := s.authenticate(key)
	if err != nil {
		return Principal{}, err
	}
	return *r.who, nil
}

// authenticate is Authenticate returning the key's record, whose prepared
// principal and log attributes the middleware uses as they are.
func (s *Store) authenticate(key string) (*record, error) {
	id, secret, err := ParseKey(key)
	if err != nil {
		return nil, problem.Wrap(problem.Unauthorized, err, "the API key is malformed")
	}
	s.maybeRefresh()
	s.mu.RLock()
	r, ok := s.keys[id]
	s.mu.RUnlock()
	if !ok {
		// The clock after the lookup: a look that began earlier may be
		// repeated, never one that began after it skipped.
		s.refreshOnMiss(time.Now().UnixNano())
		// A key issued by another process (rxledger keys issue) a moment
		// ago works at once, not after the next periodic look.
		s.mu.RLock()
		r, ok = s.keys[id]
		s.mu.RUnlock()
	}
	if !ok || !sumMatches(secret, &r.sum) {
		return nil, problem.New(problem.Unauthorized, "the API key is not valid")
	}
	if err := CheckOrgRole(r.Org, r.Role, s.regulatorOrgs()); err != nil {
		return nil, err
	}
	return r, nil
}

// maybeRefresh refreshes when RefreshInterval has passed since the last look;
// one caller does it, the others go on with the keys they have.
func (s *Store) maybeRefresh() {
	now := time.Now().UnixNano()
	next := s.nextCheck.Load()
	if now < next || !s.nextCheck.CompareAndSwap(next, now+int64(RefreshInterval)) {
		return
	}
	s.refresh()
}

// missInterval bounds how often unknown key IDs make a store look at its
// file: a flood of made-up keys costs at most one stat per interval. (A
// variable for tests.)
var missInterval = 10 * time.Millisecond

// refreshOnMiss makes sure the store has looked at its file since a lookup
// at since (UnixNano) failed to find a key ID: a key issued by another
// process before that lookup is then held. Misses wait for one look at a
// time, at most one per missInterval: a look that began after since
// serves every miss queued behind it, and a flood of made-up keys is slowed
// to one look per interval instead of one stat per request.
func (s *Store) refreshOnMiss(since int64) {
	s.missMu.Lock()
	defer s.missMu.Unlock()
	if s.lastMissLook >= since {
		return
	}
	if wait := s.lastMissLook + int64(missInterval) - time.Now().UnixNano(); wait > 0 {
		time.Sleep(time.Duration(wait))
	}
	s.lastMissLook = time.Now().UnixNano()
	s.missLooks++
	s.refresh()
}

// writeKeys writes the keys atomically.
func writeKeys(path string, keys map[string]*record) error {
	f := file{Version: 1, Keys: make([]record, 0, len(keys))}
	for _, r := range keys {
		f.Keys = append(f.Keys, *r)
	}
	sort.Slice(f.Keys, func(i, j int) bool { return f.Keys[i].ID < f.Keys[j].ID })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode key store: %w", err)
	}
	if err := atomicfile.Write(path, append(b, '\n')); err != nil {
		return fmt.Errorf("save key store: %w", err)
	}
	return nil
}

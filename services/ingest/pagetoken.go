package ingest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"rxledger/services/platform/atomicfile"
)

// tokenKey signs page tokens, so that a client can neither forge a token
// nor carry one over to another query or organisation. It is kept in the
// data directory: tokens stay valid across restarts and index rebuilds.
type tokenKey struct{ key []byte }

// loadTokenKey reads a 32-byte secret key from path, making and storing a
// new random one when there is none (page tokens, capture salts). A file of
// another size is refused rather than replaced: a new key invalidates the
// page tokens given out and changes the salts of resumed captures. Services
// starting at once on the same directory all get the key the file keeps.
func loadTokenKey(path string) (*tokenKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, fmt.Errorf("make key %s: %w", path, err)
		}
		switch err := atomicfile.Create(path, k); {
		case err == nil:
			return &tokenKey{key: k}, nil
		case !errors.Is(err, fs.ErrExist):
			return nil, fmt.Errorf("store key %s: %w", path, err)
		}
		// Another start stored its key first: use that one.
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("key %s holds %d bytes, not 32: restore it from a backup, or remove it to make a new one (page tokens given out stop working, and captures resumed after the change store their T3 again)", path, len(b))
	}
	return &tokenKey{key: b}, nil
}

// errBadToken is any token that is malformed, forged, or from another query.
var errBadToken = errors.New("not a page token of this query")

// issue returns the token of the page after seq for a query (its
// fingerprint) asked by org.
func (k *tokenKey) issue(after uint64, fingerprint []byte, org string) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], after)
	mac := k.mac(b[:], fingerprint, org)
	return base64.RawURLEncoding.EncodeToString(append(b[:], mac[:16]...))
}

// open checks a token and returns the seq it continues after.
func (k *tokenKey) open(token string, fingerprint []byte, org string) (uint64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 24 {
		return 0, errBadToken
	}
	mac := k.mac(raw[:8], fingerprint, org)
	if !hmac.Equal(raw[8:], mac[:16]) {
		return 0, errBadToken
	}
	return binary.BigEndian.Uint64(raw[:8]), nil
}

func (k *tokenKey) mac(after, fingerprint []byte, org string) []byte {
	h := hmac.New(sha256.New, k.key)
	h.Write(after)
	h.Write(fingerprint)
	h.Write([]byte{0})
	h.Write([]byte(org))
	return h.Sum(nil)
}

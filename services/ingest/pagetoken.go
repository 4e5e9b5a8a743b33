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
func loadTokenKey(path, renewed string) (*tokenKey, error) {
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
		return nil, fmt.Errorf("key %s holds %d bytes, not 32: restore it from a backup, or remove it to make a new one (%s)", path, len(b), renewed)
	}
	return &tokenKey{key: b}, nil
}

// errBadToken is any token that is malformed, forged, or from another query.
var errBadToken = errors.New("not a page token of this query")

// pageState is where a query's next page starts.
type pageState struct {
	// after is the seq of the last event served, in ledger order.
	after uint64
	// served counts the events the earlier pages held: the position of
	// the next page in a sorted answer, and what eventCountLimit leaves.
	served uint64
	// ceiling is the highest seq a sorted answer holds, fixed by its first
	// page, so that events indexed since neither shift nor join it.
	ceiling uint64
}

// tokenVersion starts a token of three numbers. A token of 8 bytes and its
// MAC (earlier releases) carries after alone.
const tokenVersion = 1

// issue returns the token of the page at st for a query (its fingerprint)
// asked by org.
func (k *tokenKey) issue(st pageState, fingerprint []byte, org string) string {
	b := make([]byte, 1, 1+24+16)
	b[0] = tokenVersion
	b = binary.BigEndian.AppendUint64(b, st.after)
	b = binary.BigEndian.AppendUint64(b, st.served)
	b = binary.BigEndian.AppendUint64(b, st.ceiling)
	mac := k.mac(b, fingerprint, org)
	return base64.RawURLEncoding.EncodeToString(append(b, mac[:16]...))
}

// open checks a token and returns the page it starts.
func (k *tokenKey) open(token string, fingerprint []byte, org string) (pageState, error) {
	// Strict: a token whose unused low bits differ is another token.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) <= 16 {
		return pageState{}, errBadToken
	}
	body, sum := raw[:len(raw)-16], raw[len(raw)-16:]
	if !hmac.Equal(sum, k.mac(body, fingerprint, org)[:16]) {
		return pageState{}, errBadToken
	}
	switch {
	case len(body) == 8:
		return pageState{after: binary.BigEndian.Uint64(body)}, nil
	case len(body) == 25 && body[0] == tokenVersion:
		return pageState{
			after:   binary.BigEndian.Uint64(body[1:]),
			served:  binary.BigEndian.Uint64(body[9:]),
			ceiling: binary.BigEndian.Uint64(body[17:]),
		}, nil
	}
	return pageState{}, errBadToken
}

func (k *tokenKey) mac(body, fingerprint []byte, org string) []byte {
	h := hmac.New(sha256.New, k.key)
	h.Write(body)
	h.Write(fingerprint)
	h.Write([]byte{0})
	h.Write([]byte(org))
	return h.Sum(nil)
}

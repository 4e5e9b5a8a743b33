package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
)

// KeyPrefix starts every API key, so that keys are recognisable in config
// files and by secret scanners.
const KeyPrefix = "rxl_"

const (
	idBytes     = 8
	secretBytes = 32
)

// secretEncoding is lower-case base32 without padding: no '_' so the key
// splits unambiguously, and safe in headers, shells and URLs.
var secretEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var (
	secretLen = secretEncoding.EncodedLen(secretBytes)
	idLen     = hex.EncodedLen(idBytes)
)

// errMalformed is returned for a string that is not an API key at all.
var errMalformed = errors.New("not an rxledger API key (want rxl_<id>_<secret>)")

// NewKey returns a fresh key's ID, its secret and the full key string.
func NewKey() (id, secret, key string) {
	var ib [idBytes]byte
	var sb [secretBytes]byte
	_, _ = rand.Read(ib[:]) // crypto/rand.Read never fails (Go 1.24+)
	_, _ = rand.Read(sb[:])
	id = hex.EncodeToString(ib[:])
	secret = secretEncoding.EncodeToString(sb[:])
	return id, secret, KeyPrefix + id + "_" + secret
}

// ParseKey splits a key into its ID and secret, checking their shape: the
// ID lower-case hex, the secret of secretEncoding's alphabet. It allocates
// nothing (it runs on every authenticated request).
func ParseKey(key string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok {
		return "", "", errMalformed
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != idLen || len(secret) != secretLen || !all(id, isLowerHex) || !all(secret, isSecretChar) {
		return "", "", errMalformed
	}
	return id, secret, nil
}

// all reports whether every byte of s satisfies ok.
func all(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isLowerHex(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' }

// isSecretChar reports whether b is of secretEncoding's alphabet. A secret
// of secretLen such characters is exactly what secretEncoding decodes.
func isSecretChar(b byte) bool { return b >= 'a' && b <= 'z' || b >= '2' && b <= '7' }

// HashSecret returns the hex SHA-256 of a secret, as stored.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// secretMatches compares a presented secret with a stored hash in time that
// does not depend on where they differ.
func secretMatches(secret, storedHash string) bool {
	want, ok := decodeHash(storedHash)
	return ok && sumMatches(secret, &want)
}

// decodeHash decodes a stored hex SHA-256.
func decodeHash(storedHash string) (sum [sha256.Size]byte, ok bool) {
	if hex.DecodedLen(len(storedHash)) != sha256.Size {
		return sum, false
	}
	_, err := hex.Decode(sum[:], []byte(storedHash))
	return sum, err == nil
}

// sumMatches compares a presented secret with a decoded stored hash in time
// that does not depend on where they differ.
func sumMatches(secret string, want *[sha256.Size]byte) bool {
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

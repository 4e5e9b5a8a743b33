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

// ParseKey splits a key into its ID and secret, checking their shape.
func ParseKey(key string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok {
		return "", "", errMalformed
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != idLen || len(secret) != secretLen {
		return "", "", errMalformed
	}
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return "", "", errMalformed
	}
	if _, err := secretEncoding.DecodeString(secret); err != nil {
		return "", "", errMalformed
	}
	return id, secret, nil
}

// HashSecret returns the hex SHA-256 of a secret, as stored.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// secretMatches compares a presented secret with a stored hash in time that
// does not depend on where they differ.
func secretMatches(secret, storedHash string) bool {
	want, err := hex.DecodeString(storedHash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

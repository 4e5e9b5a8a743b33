package chaincode

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// Private values (event bodies, T3 records) are salted so that their hashes
// on the shared ledger (EventAnchor.BodyHash, T3Anchor.Hash, the T3 ID, and
// the value hashes of Fabric's private write sets) cannot be used to confirm
// a guess of their content. The chaincode must write the same bytes on every
// endorser, so it draws no randomness: the submitter sends a secret random
// salt in the transient map (TransientSalt, never written to a block), and
// each private record gets its own salt derived from it:
//
//	record salt = HMAC-SHA256(salt, "rxledger private record\x00" + key)
//	stored value = "salt:" + hex(record salt) + "\n" + record
//
// where key is the record's key (evt~<hashId>, t3~<id>). A party reading one
// record learns only that record's salt, not the transaction's, so it cannot
// test guesses of the other records of the same capture (an event it is not
// a party to, the T3 of another buyer). The prefix cannot begin a JSON value,
// so a value stored without salt (JSON as sent) is told apart from a salted
// one; readers get the record back byte for byte (unsealPrivate).

// TransientSalt is the transient key of a Capture's salt: SaltSize secret
// random bytes, new for every capture (NewSalt). A retry of the same capture
// should send the same salt: a T3's ID is derived from it, so a retried T3
// is then found again instead of stored a second time.
const TransientSalt = "salt"

// SaltSize is the size of a capture's salt in bytes.
const SaltSize = 32

// NewSalt returns a new random salt for a capture, for submitters (the
// chaincode itself never draws randomness).
func NewSalt() []byte {
	b := make([]byte, SaltSize)
	_, _ = rand.Read(b) // never fails (crypto/rand.Read panics instead)
	return b
}

const (
	sealPrefix = "salt:"
	sealLen    = len(sealPrefix) + 2*sha256.Size + 1 // prefix, hex salt, newline
)

// sealPrivate returns the value to store for a private record under key:
// the record itself without salt, else the record behind its derived salt.
func sealPrivate(salt []byte, key string, record []byte) []byte {
	if salt == nil {
		return record
	}
	m := hmac.New(sha256.New, salt)
	m.Write([]byte("rxledger private record\x00"))
	m.Write([]byte(key))
	out := make([]byte, 0, sealLen+len(record))
	out = append(out, sealPrefix...)
	out = hex.AppendEncode(out, m.Sum(nil))
	out = append(out, '\n')
	return append(out, record...)
}

// unsealPrivate returns the record a stored private value holds: the value
// itself when it was stored without salt.
func unsealPrivate(v []byte) []byte {
	if len(v) >= sealLen && bytes.HasPrefix(v, []byte(sealPrefix)) && v[sealLen-1] == '\n' {
		return v[sealLen:]
	}
	return v
}

// saltedID returns the T3 ID of a record's JSON: "t3-" and 32 hex digits of
// its SHA-256 without salt (as before salting), of HMAC-SHA256(salt, ...)
// with it, so that the public ID confirms no guess of the content.
func saltedID(salt, body []byte) string {
	var sum []byte
	if salt == nil {
		s := sha256.Sum256(body)
		sum = s[:]
	} else {
		m := hmac.New(sha256.New, salt)
		m.Write([]byte("rxledger t3 id\x00"))
		m.Write(body)
		sum = m.Sum(nil)
	}
	return "t3-" + hex.EncodeToString(sum[:16])
}

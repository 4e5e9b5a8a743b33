package auth

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestNewKeyParses(t *testing.T) {
	id, secret, key := NewKey()
	gotID, gotSecret, err := ParseKey(key)
	if err != nil {
		t.Fatalf("ParseKey(%q): %v", key, err)
	}
	if gotID != id || gotSecret != secret {
		t.Errorf("ParseKey = %q, %q; want %q, %q", gotID, gotSecret, id, secret)
	}
	_, _, other := NewKey()
	if other == key {
		t.Error("two keys are equal")
	}
}

func TestParseKeyRefuses(t *testing.T) {
	id, secret, _ := NewKey()
	tests := []struct {
		name string
		key  string
	}{
		{name: "empty", key: ""},
		{name: "wrong prefix", key: "abc_" + id + "_" + secret},
		{name: "no secret", key: KeyPrefix + id},
		{name: "short id", key: KeyPrefix + id[:15] + "_" + secret},
		{name: "upper-case id", key: KeyPrefix + strings.ToUpper(id) + "X_" + secret},
		{name: "non-hex id", key: KeyPrefix + "zzzzzzzzzzzzzzzz_" + secret},
		{name: "short secret", key: KeyPrefix + id + "_" + secret[1:]},
		{name: "secret with foreign characters", key: KeyPrefix + id + "_" + "0" + secret[1:]},
		{name: "extra part", key: KeyPrefix + id + "_" + secret + "_x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ParseKey(tt.key); err == nil {
				t.Errorf("ParseKey(%q) accepted", tt.key)
			}
		})
	}
}

func TestSecretMatches(t *testing.T) {
	_, secret, _ := NewKey()
	hash := HashSecret(secret)
	tests := []struct {
		name   string
		secret string
		hash   string
		want   bool
	}{
		{name: "right secret", secret: secret, hash: hash, want: true},
		{name: "wrong secret", secret: secret[:51] + "a", hash: hash, want: secret[51] == 'a'},
		{name: "corrupt hash", secret: secret, hash: "not-hex", want: false},
		{name: "short hash", secret: secret, hash: hash[:62], want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secretMatches(tt.secret, tt.hash); got != tt.want {
				t.Errorf("secretMatches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles() {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, bad := range []string{"", "Manufacturer", "admin"} {
		if _, err := ParseRole(bad); err == nil {
			t.Errorf("ParseRole(%q) accepted", bad)
		}
	}
}

// TestParseKeyAcceptsWhatDecodes checks ParseKey's character checks against
// the decoders they stand for: every byte value at the first and last
// position of the ID and the secret is accepted exactly when hex (lower
// case) or secretEncoding decodes the result.
func TestParseKeyAcceptsWhatDecodes(t *testing.T) {
	id, secret, _ := NewKey()
	for b := 0; b < 256; b++ {
		for _, at := range []int{0, idLen - 1} {
			bad := []byte(id)
			bad[at] = byte(b)
			_, err := hex.DecodeString(string(bad))
			want := err == nil && strings.ToLower(string(bad)) == string(bad)
			if _, _, err := ParseKey(KeyPrefix + string(bad) + "_" + secret); (err == nil) != want {
				t.Errorf("id byte %d at %d: ParseKey error %v, want accepted %v", b, at, err, want)
			}
		}
		for _, at := range []int{0, secretLen - 1} {
			bad := []byte(secret)
			bad[at] = byte(b)
			_, err := secretEncoding.DecodeString(string(bad))
			// The decoder skips CR and LF; ParseKey refuses them (no key
			// has them, so no secret with one could match anyway).
			want := err == nil && b != '_' && b != '\r' && b != '\n'
			if _, _, err := ParseKey(KeyPrefix + id + "_" + string(bad)); (err == nil) != want {
				t.Errorf("secret byte %d at %d: ParseKey error %v, want accepted %v", b, at, err, want)
			}
		}
	}
}

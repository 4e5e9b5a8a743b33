package chaincode

import (
	"bytes"
	"testing"
)

// TestSealPrivate: a sealed value gives back its record byte for byte; a
// value stored without salt (JSON: it never starts with "salt:") is
// returned as it is; the record salt depends on the salt and on the key.
func TestSealPrivate(t *testing.T) {
	salt := NewSalt()
	rec := []byte(`{"Type":"ObjectEvent","x":"salt:` + string(bytes.Repeat([]byte("0"), 64)) + "\n" + `"}`)
	v := sealPrivate(salt, "evt~a", rec)
	if bytes.Equal(v, rec) || !bytes.Equal(unsealPrivate(v), rec) {
		t.Fatalf("sealed %q, unsealed %q", v, unsealPrivate(v))
	}
	if bytes.Equal(v, sealPrivate(salt, "evt~b", rec)) || bytes.Equal(v, sealPrivate(NewSalt(), "evt~a", rec)) {
		t.Fatal("the record salt does not depend on the key and the salt")
	}
	if !bytes.Equal(v, sealPrivate(bytes.Clone(salt), "evt~a", rec)) {
		t.Fatal("sealing is not deterministic")
	}
	for _, plain := range [][]byte{rec, []byte(`{}`), []byte(` {"a":1}`), []byte("salt:short\n{}"), nil} {
		if got := unsealPrivate(plain); !bytes.Equal(got, plain) {
			t.Fatalf("unsalted %q read as %q", plain, got)
		}
		if got := sealPrivate(nil, "k", plain); !bytes.Equal(got, plain) {
			t.Fatalf("without salt %q stored as %q", plain, got)
		}
	}
	if saltedID(nil, rec) == saltedID(salt, rec) || saltedID(salt, rec) != saltedID(bytes.Clone(salt), rec) || len(saltedID(salt, rec)) != 35 {
		t.Fatalf("ids %s %s", saltedID(nil, rec), saltedID(salt, rec))
	}
}

package embedded

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// signedConsortium is the test consortium with a key for the manufacturer.
func signedConsortium(t *testing.T) (*Consortium, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := testConsortium()
	c.Organizations[0].PublicKey = base64.StdEncoding.EncodeToString(pub)
	return c, priv
}

func TestSignedTransactions(t *testing.T) {
	cons, priv := signedConsortium(t)
	dir := t.TempDir()
	opts := quietOptions()
	opts.Signers = map[string]ed25519.PrivateKey{mfr: priv}
	l, err := Open(dir, cons, (&kvChaincode{}).invoke, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := submit(t, l, mfr, "put", "a", "1")
	unsigned := submit(t, l, "PharmacyMSP", "put", "b", "2") // no key in the consortium: not signed
	b, err := l.Block(r.Block)
	if err != nil {
		t.Fatal(err)
	}
	d := b.Txs[0].signingDigest()
	if pub, _ := cons.Organizations[0].key(); !ed25519.Verify(pub, d[:], b.Txs[0].Signature) {
		t.Error("the manufacturer's transaction carries no valid signature")
	}
	if ub, _ := l.Block(unsigned.Block); len(ub.Txs[0].Signature) != 0 {
		t.Error("a transaction of an organisation without a key was signed")
	}
	l.Close()

	t.Run("verify with the genesis consortium", func(t *testing.T) {
		if _, err := Verify(dir); err != nil {
			t.Errorf("verify: %v", err)
		}
	})
	t.Run("verify with another key names the block", func(t *testing.T) {
		other, _ := signedConsortium(t)
		_, err := VerifyWith(dir, other)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Block != r.Block || !strings.Contains(ve.Detail, "does not verify") {
			t.Errorf("verify with a different key: %v, want a signature failure in block %d", err, r.Block)
		}
	})
	t.Run("verify with an independent copy refuses a creator outside it", func(t *testing.T) {
		// Someone without the manufacturer's key rewrites its transaction
		// as a creator no consortium lists (a name of the same length, so
		// that the history still points to the writes) and seals the chain
		// again: the genesis consortium can be rewritten too, the
		// independent copy cannot. (So can the chain tip record beside
		// the store: it detects lost blocks, not a forger.)
		d := copyDir(t, dir)
		var height uint64
		var prev Hash
		tamper(t, d, func(db *pebble.DB) error {
			var err error
			height, _, err = readTip(db)
			if err != nil {
				return err
			}
			for n := uint64(0); n < height; n++ {
				b, err := readBlock(db, n)
				if err != nil {
					return err
				}
				if n == r.Block {
					b.Txs[0].Creator = "ManufacturerXSP"
				}
				if n >= r.Block {
					if err := db.Set(blockKey(n), b.seal(prev), pebble.Sync); err != nil {
						return err
					}
				}
				prev = b.hash()
			}
			return db.Set(tipKey, encodeTip(height, prev), pebble.Sync)
		})
		if err := os.WriteFile(filepath.Join(d, TipRecordFile), encodeTipRecord(nil, height, prev), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(d); err != nil {
			t.Fatalf("the rewritten chain should pass against its own genesis (an organisation may join later): %v", err)
		}
		_, err := VerifyWith(d, cons)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Block != r.Block || !strings.Contains(ve.Detail, "ManufacturerXSP") {
			t.Errorf("verify with the consortium file: %v, want a failure naming ManufacturerXSP in block %d", err, r.Block)
		}
	})
	t.Run("a node without the key refuses to submit", func(t *testing.T) {
		l2 := openAtWith(t, dir, cons, quietOptions())
		_, err := l2.Submit(context.Background(), mfr, ledger.Transaction{Function: "put", Args: []string{"c", "3"}})
		wantCode(t, err, problem.Forbidden)
	})
}

func openAtWith(t *testing.T, dir string, cons *Consortium, opts Options) *Ledger {
	t.Helper()
	l, err := Open(dir, cons, (&kvChaincode{}).invoke, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestSignersMustMatchTheConsortium(t *testing.T) {
	cons, priv := signedConsortium(t)
	_, stranger, _ := ed25519.GenerateKey(nil)
	tests := []struct {
		name string
		keys map[string]ed25519.PrivateKey
	}{
		{"wrong key", map[string]ed25519.PrivateKey{mfr: stranger}},
		{"org without a public key", map[string]ed25519.PrivateKey{"PharmacyMSP": priv}},
		{"org outside the consortium", map[string]ed25519.PrivateKey{"NobodyMSP": priv}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := quietOptions()
			opts.Signers = tc.keys
			if l, err := Open(t.TempDir(), cons, (&kvChaincode{}).invoke, opts); err == nil {
				l.Close()
				t.Fatal("open succeeded")
			}
		})
	}
}

func TestSigningKeyFiles(t *testing.T) {
	pub, priv, err := GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mfr.key")
	if err := os.WriteFile(path, []byte(priv+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := LoadSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)); got != pub {
		t.Errorf("loaded key's public half %s, want %s", got, pub)
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigningKey(path); err == nil {
		t.Error("loaded a malformed key file")
	}
	if _, err := ParseConsortium([]byte(`{"name":"c","organizations":[{"mspId":"A","name":"A","roles":["manufacturer"],"publicKey":"abc"}]}`)); err == nil {
		t.Error("accepted a malformed publicKey")
	}
}

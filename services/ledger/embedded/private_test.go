package embedded

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

func TestPrivateData(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	secret := []byte(`{"seller":"Acme","buyer":"Corner Pharmacy","po":"PO-777-SECRET"}`)
	mine, theirs := ImplicitCollection(mfr), ImplicitCollection("PharmacyMSP")
	var receipts []ledger.Receipt
	for _, coll := range []string{mine, theirs} {
		r, err := l.Submit(context.Background(), mfr, ledger.Transaction{
			Function: "putPrivate", Args: []string{coll, "t3~1"},
			Transient: map[string][]byte{"v": secret},
		})
		if err != nil {
			t.Fatalf("put private into %s: %v", coll, err)
		}
		receipts = append(receipts, r)
	}
	sum := sha256.Sum256(secret)

	t.Run("members read their own copy", func(t *testing.T) {
		for org, coll := range map[string]string{mfr: mine, "PharmacyMSP": theirs} {
			if got := evaluate(t, l, org, "getPrivate", coll, "t3~1"); !bytes.Equal(got, secret) {
				t.Errorf("%s reads %q from %s, want the secret", org, got, coll)
			}
		}
	})
	t.Run("others cannot read it", func(t *testing.T) {
		for _, org := range []string{"WholesalerMSP", "RegulatorMSP", "PharmacyMSP"} {
			_, err := l.Evaluate(context.Background(), org, "getPrivate", mine, "t3~1")
			// The store refuses the read; a chaincode that tries it has a
			// bug, which the caller cannot mend: Internal, cause logged.
			if le := wantCode(t, err, problem.Internal); !strings.Contains(le.Error(), "not a member") {
				t.Errorf("%s: %v, want the store's reason in the logged cause", org, err)
			}
		}
	})
	t.Run("everyone reads the hash", func(t *testing.T) {
		for _, org := range []string{mfr, "WholesalerMSP", "PharmacyMSP", "RegulatorMSP"} {
			if got := evaluate(t, l, org, "privateHash", mine, "t3~1"); !bytes.Equal(got, sum[:]) {
				t.Errorf("%s sees hash %x, want %x", org, got, sum)
			}
		}
		if got := evaluate(t, l, "WholesalerMSP", "privateHash", mine, "absent"); got != nil {
			t.Errorf("hash of an absent key = %x, want nil", got)
		}
	})
	t.Run("blocks hold only the hash", func(t *testing.T) {
		for _, r := range receipts {
			raw, closer, err := l.db.Get(blockKey(r.Block))
			if err != nil {
				t.Fatal(err)
			}
			leaked := bytes.Contains(raw, []byte("PO-777-SECRET"))
			closer.Close()
			if leaked {
				t.Errorf("block %d contains the private value", r.Block)
			}
			b, err := l.Block(r.Block)
			if err != nil {
				t.Fatal(err)
			}
			tx := b.Txs[0]
			if len(tx.PrivateWrites) != 1 || tx.PrivateWrites[0].ValueHash != Hash(sum) {
				t.Errorf("block %d private writes %+v, want one with hash %x", r.Block, tx.PrivateWrites, sum)
			}
		}
	})
}

package embedded

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// signers checks the configured private keys against the consortium's public
// keys and returns them by MSP ID.
func signers(cons *Consortium, keys map[string]ed25519.PrivateKey) (map[string]ed25519.PrivateKey, error) {
	out := make(map[string]ed25519.PrivateKey)
	for msp, priv := range keys {
		if err := CheckSigner(cons, msp, priv); err != nil {
			return nil, err
		}
		out[msp] = priv
	}
	return out, nil
}

// CheckSigner checks that priv is the private key of the publicKey cons
// gives msp, which then signs as msp (Options.Signers).
func CheckSigner(cons *Consortium, msp string, priv ed25519.PrivateKey) error {
	o, ok := cons.Org(msp)
	if !ok {
		return fmt.Errorf("signing key for %s, which is not in the consortium", msp)
	}
	pub, err := o.key()
	if err != nil {
		return fmt.Errorf("%s: %w", msp, err)
	}
	if pub == nil {
		return fmt.Errorf("signing key for %s, whose consortium entry has no publicKey", msp)
	}
	if len(priv) != ed25519.PrivateKeySize || !pub.Equal(priv.Public()) {
		return fmt.Errorf("signing key for %s does not match its consortium publicKey", msp)
	}
	return nil
}

// sign signs tx as its creator when the consortium gives the creator a key.
func (l *Ledger) sign(tx *Tx) error {
	o, _ := l.cons.Org(tx.Creator)
	if o.PublicKey == "" {
		return nil
	}
	priv, ok := l.signers[tx.Creator]
	if !ok {
		return ledger.NewError(tx.ID, problem.Forbidden, nil, "no signing key for %s on this node", tx.Creator)
	}
	d := tx.signingDigest()
	tx.Signature = ed25519.Sign(priv, d[:])
	return nil
}

// checkSignature verifies tx's signature against the creator's key in cons;
// a creator without a key there is not checked. A creator cons does not list
// is refused when members is set (cons is an independent copy of the
// consortium, which lists every organisation that ever submitted) and
// passes otherwise (cons is the genesis record, and organisations may join
// later): else anyone could rewrite a signed transaction, unsigned, as the
// transaction of a name no consortium lists.
func checkSignature(cons *Consortium, tx *Tx, members bool) error {
	o, ok := cons.Org(tx.Creator)
	if !ok {
		if members {
			return fmt.Errorf("transaction %s is by %s, which is not a member of consortium %s", tx.ID, tx.Creator, cons.Name)
		}
		return nil
	}
	pub, err := o.key()
	if err != nil || pub == nil {
		return err
	}
	d := tx.signingDigest()
	if len(tx.Signature) == 0 {
		return fmt.Errorf("transaction %s by %s is not signed", tx.ID, tx.Creator)
	}
	if !ed25519.Verify(pub, d[:], tx.Signature) {
		return fmt.Errorf("signature of transaction %s does not verify with %s's key", tx.ID, tx.Creator)
	}
	return nil
}

// GenerateSigningKey returns a new ed25519 key pair encoded for the
// consortium file (public) and a key file (private seed), both standard base64.
func GenerateSigningKey() (public, private string, err error) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(pub), base64.StdEncoding.EncodeToString(priv.Seed()), nil
}

// LoadSigningKey reads a private key file written for GenerateSigningKey's
// private output (the base64 of a 32-byte ed25519 seed).
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(bytes.TrimSpace(raw))))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("read signing key: want the standard base64 of a 32-byte ed25519 seed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

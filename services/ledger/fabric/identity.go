package fabric

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hyperledger/fabric-gateway/pkg/identity"
)

// loadIdentity reads the X.509 identity and signing key of an organisation:
// the files CertFile and KeyFile when set, else the one certificate in
// signcerts/ and the one key in keystore/ of its MSP directory.
func loadIdentity(o Org) (*identity.X509Identity, identity.Sign, error) {
	var certPEM, keyPEM []byte
	var err error
	if o.CertFile != "" && o.KeyFile != "" {
		if certPEM, err = os.ReadFile(o.CertFile); err != nil {
			return nil, nil, fmt.Errorf("certificate of %s: %w", o.MSPID, err)
		}
		if keyPEM, err = os.ReadFile(o.KeyFile); err != nil {
			return nil, nil, fmt.Errorf("private key of %s: %w", o.MSPID, err)
		}
	} else {
		if certPEM, err = readOnlyFile(filepath.Join(o.MSPDir, "signcerts")); err != nil {
			return nil, nil, fmt.Errorf("certificate of %s: %w", o.MSPID, err)
		}
		if keyPEM, err = readOnlyFile(filepath.Join(o.MSPDir, "keystore")); err != nil {
			return nil, nil, fmt.Errorf("private key of %s: %w", o.MSPID, err)
		}
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate of %s: %w", o.MSPID, err)
	}
	id, err := identity.NewX509Identity(o.MSPID, cert)
	if err != nil {
		return nil, nil, fmt.Errorf("identity of %s: %w", o.MSPID, err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse private key of %s: %w", o.MSPID, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, fmt.Errorf("signer of %s: %w", o.MSPID, err)
	}
	return id, sign, nil
}

// readOnlyFile reads the single regular file in dir.
func readOnlyFile(dir string) ([]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var name string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if name != "" {
			return nil, fmt.Errorf("%s holds more than one file (%s, %s)", dir, name, e.Name())
		}
		name = e.Name()
	}
	if name == "" {
		return nil, fmt.Errorf("%s holds no file", dir)
	}
	return os.ReadFile(filepath.Join(dir, name))
}

package fabric

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hyperledger/fabric-gateway/pkg/identity"
)

// loadIdentity reads the X.509 identity and signing key of a local MSP
// directory: the one certificate in signcerts/ and the one key in keystore/.
func loadIdentity(mspID, mspDir string) (*identity.X509Identity, identity.Sign, error) {
	certPEM, err := readOnlyFile(filepath.Join(mspDir, "signcerts"))
	if err != nil {
		return nil, nil, fmt.Errorf("certificate of %s: %w", mspID, err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate of %s: %w", mspID, err)
	}
	id, err := identity.NewX509Identity(mspID, cert)
	if err != nil {
		return nil, nil, fmt.Errorf("identity of %s: %w", mspID, err)
	}
	keyPEM, err := readOnlyFile(filepath.Join(mspDir, "keystore"))
	if err != nil {
		return nil, nil, fmt.Errorf("private key of %s: %w", mspID, err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse private key of %s: %w", mspID, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, fmt.Errorf("signer of %s: %w", mspID, err)
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

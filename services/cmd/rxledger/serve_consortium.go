package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"rxledger/chaincode"
	"rxledger/services/demo"
	"rxledger/services/ledger/embedded"
	"rxledger/services/platform/config"
)

// servedConsortium is the consortium of the embedded ledger as serve runs
// it, read and checked once at start-up, before anything else is opened.
type servedConsortium struct {
	cons *embedded.Consortium
	// file is the consortium file (--consortium); empty for the built-in
	// demo consortium.
	file string
	// regulators are the MSP IDs of the organisations with the regulator
	// role, in the file's order: the chaincode's regulators (they attest
	// trading partners and receive a copy of every event), the
	// organisation the ingest projection reads events as (the first), and
	// those whose regulator API keys see every event and may verify
	// without being trading partners.
	regulators []string

	// keyDir is the directory of signing keys (--signing-keys); empty for
	// none.
	keyDir string
	// signers are the private keys read from keyDir, by MSP ID: those of
	// the organisations with a publicKey whose key file is there.
	signers map[string]ed25519.PrivateKey
	// unsigned are the organisations with a publicKey and no key file:
	// the ledger refuses to submit as them.
	unsigned []string
	// warnings are what serve logs at start-up about the keys.
	warnings []string
}

// loadConsortium reads the consortium cfg names (the built-in demo
// consortium when none) and checks what serve needs of it: at least one
// regulator. It then reads the signing keys of cfg.SigningKeys
// (loadSigningKeys) and, with --demo, checks that the demo can load.
func loadConsortium(cfg config.Config) (*servedConsortium, error) {
	sc := &servedConsortium{cons: demoConsortium(), file: cfg.Consortium}
	if cfg.Consortium != "" {
		c, err := embedded.LoadConsortium(cfg.Consortium)
		if err != nil {
			return nil, err
		}
		sc.cons = c
	}
	sc.regulators = regulatorsOf(sc.cons)
	if len(sc.regulators) == 0 {
		return nil, fmt.Errorf("%s: no organisation has the regulator role; serve needs one, "+
			"as only a regulator attests trading partners and holds a copy of every event", sc)
	}
	if err := sc.loadSigningKeys(cfg.SigningKeys); err != nil {
		return nil, err
	}
	if cfg.Demo {
		if err := sc.checkDemo(); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// checkDemo refuses a consortium --demo cannot load whole: the demo submits
// as its four organisations, and its regulator attests the others.
func (sc *servedConsortium) checkDemo() error {
	var missing, unsigned []string
	for _, o := range demo.Orgs() {
		if _, ok := sc.cons.Org(o.MSP); !ok {
			missing = append(missing, o.MSP)
		} else if slices.Contains(sc.unsigned, o.MSP) {
			unsigned = append(unsigned, fmt.Sprintf("%s (%s)", o.MSP, sc.expected(o.MSP)))
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("--demo loads the demo organisations of deploy/consortium/demo.json, and %s lacks %s: "+
			"run --demo without --consortium, or add them to the file", sc, strings.Join(missing, ", "))
	case !slices.Contains(sc.regulators, demo.Regulator):
		return fmt.Errorf("--demo needs %s to have the regulator role in %s: it attests the demo's trading partners", demo.Regulator, sc)
	case len(unsigned) > 0:
		return fmt.Errorf("--demo submits as every demo organisation, and these have a publicKey in %s and no signing key here: %s",
			sc, strings.Join(unsigned, ", "))
	}
	return nil
}

// loadSigningKeys reads dir/<MSP ID>.key for every organisation whose
// consortium entry has a publicKey, refusing a key that does not match it
// or a file that group or others may access. An organisation whose file is
// missing is listed in unsigned and warned about, not refused: the node
// may not hold every organisation's key (one that left the consortium
// stays listed, with its publicKey, so that its old signatures verify),
// and the ledger refuses to submit as it. Key files of organisations
// without a publicKey are warned about and not read.
func (sc *servedConsortium) loadSigningKeys(dir string) error {
	sc.keyDir, sc.signers = dir, map[string]ed25519.PrivateKey{}
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("--signing-keys: %w", err)
		}
		if !info.IsDir() {
			return fmt.Errorf("--signing-keys %s: not a directory", dir)
		}
	}
	for _, o := range sc.cons.Organizations {
		if o.PublicKey == "" {
			continue
		}
		if dir == "" {
			sc.unsigned = append(sc.unsigned, o.MSPID)
			continue
		}
		path := sc.keyFile(o.MSPID)
		key, err := readSigningKey(path)
		if errors.Is(err, fs.ErrNotExist) {
			sc.unsigned = append(sc.unsigned, o.MSPID)
			continue
		}
		if err != nil {
			return fmt.Errorf("signing key of %s: %w", o.MSPID, err)
		}
		if err := embedded.CheckSigner(sc.cons, o.MSPID, key); err != nil {
			return fmt.Errorf("signing key %s does not match the publicKey of %s in %s: "+
				"it is another key, or the file's publicKey is out of date", path, o.MSPID, sc)
		}
		sc.signers[o.MSPID] = key
	}
	for _, msp := range sc.unsigned {
		sc.warnings = append(sc.warnings, fmt.Sprintf("%s has a publicKey in %s and no signing key here (%s): "+
			"transactions as it are refused", msp, sc, sc.expected(msp)))
	}
	if dir != "" && len(sc.signers)+len(sc.unsigned) == 0 { // no organisation has a publicKey
		sc.warnings = append(sc.warnings, fmt.Sprintf("--signing-keys %s is not used: no organisation of %s has a publicKey", dir, sc))
	}
	if dir != "" {
		sc.warnUnusedKeyFiles()
	}
	return nil
}

// warnUnusedKeyFiles warns about the key files in keyDir that are not read:
// a key whose organisation is not a member, or whose publicKey was not
// put in the consortium file (its transactions are then not signed).
func (sc *servedConsortium) warnUnusedKeyFiles() {
	files, err := filepath.Glob(filepath.Join(sc.keyDir, "*.key"))
	if err != nil {
		return // only a malformed pattern fails, and this one is not
	}
	for _, f := range files {
		msp := strings.TrimSuffix(filepath.Base(f), ".key")
		o, member := sc.cons.Org(msp)
		switch {
		case !member:
			sc.warnings = append(sc.warnings, fmt.Sprintf("%s is not used: %s is not an organisation of %s", f, msp, sc))
		case o.PublicKey == "":
			sc.warnings = append(sc.warnings, fmt.Sprintf("%s is not used: %s has no publicKey in %s, so its transactions are not signed", f, msp, sc))
		}
	}
}

// keyFile is the path of msp's signing key in keyDir.
func (sc *servedConsortium) keyFile(msp string) string { return filepath.Join(sc.keyDir, msp+".key") }

// expected says where msp's signing key was looked for.
func (sc *servedConsortium) expected(msp string) string {
	if sc.keyDir == "" {
		return "no --signing-keys directory was given"
	}
	return "expected " + sc.keyFile(msp)
}

// readSigningKey reads a key file as 'rxledger ledger keygen' writes it,
// refusing one that group or others may access, as ssh refuses such a
// private key: it is an organisation's signature.
func readSigningKey(path string) (ed25519.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("%s is open to group or others (mode %04o): a private key must be its owner's alone (chmod 600 %s)", path, perm, path)
	}
	key, err := embedded.LoadSigningKey(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// String names the consortium and where it comes from, for messages.
func (sc *servedConsortium) String() string {
	if sc.file == "" {
		return fmt.Sprintf("consortium %s (built in: deploy/consortium/demo.json)", sc.cons.Name)
	}
	return fmt.Sprintf("consortium %s (%s)", sc.cons.Name, sc.file)
}

// chaincode is the DSCSA chaincode configured with the consortium's
// regulators (for the demo consortium, chaincode.Invoke's configuration).
func (sc *servedConsortium) chaincode() chaincode.Func {
	cfg := chaincode.DefaultConfig()
	cfg.Regulators = sc.regulators
	return chaincode.New(cfg)
}

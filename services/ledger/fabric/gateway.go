package fabric

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Identity files of an organisation in an identities directory.
const (
	IdentityCertFile = "cert.pem"
	IdentityKeyFile  = "key.pem"
)

// Gateway is how `rxledger serve --ledger fabric` reaches a network: one
// gateway peer, used for every organisation the process acts for, and a
// directory of identities.
type Gateway struct {
	// Peer is host:port of the gateway peer; TLSCA the PEM file of the CA
	// that issued its TLS certificate; ServerName, if set, the name that
	// certificate is checked against instead of Peer's host.
	Peer, TLSCA, ServerName string
	Channel, Chaincode      string
	// Identities is a directory with one sub-directory per organisation,
	// named by its MSP ID, holding cert.pem and key.pem of a client identity
	// of that organisation.
	Identities string
	// Regulators are the network's regulators, as its chaincode servers'
	// RXLEDGER_REGULATOR_MSPS lists them (nil: the chaincode's default):
	// Config.Regulators.
	Regulators []string
}

// Config returns the Ledger configuration of g: one organisation per
// sub-directory of g.Identities, in name order, each through g.Peer, and
// g's regulators.
func (g Gateway) Config() (Config, error) {
	orgs, err := IdentityOrgs(g.Identities)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{Channel: g.Channel, Chaincode: g.Chaincode, Regulators: slices.Clone(g.Regulators)}
	for _, msp := range orgs {
		dir := filepath.Join(g.Identities, msp)
		cfg.Orgs = append(cfg.Orgs, Org{
			MSPID:          msp,
			CertFile:       filepath.Join(dir, IdentityCertFile),
			KeyFile:        filepath.Join(dir, IdentityKeyFile),
			PeerEndpoint:   g.Peer,
			PeerTLSCA:      g.TLSCA,
			PeerServerName: g.ServerName,
		})
	}
	return cfg, cfg.validate()
}

// IdentityOrgs lists the organisations whose identities dir holds, the
// only ones a node with it acts for: the MSP ID of each sub-directory, in
// name order. It reads no identity and needs no network.
func IdentityOrgs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("identities: %w", err)
	}
	var orgs []string
	for _, e := range entries {
		if e.IsDir() {
			orgs = append(orgs, e.Name())
		}
	}
	slices.Sort(orgs)
	if len(orgs) == 0 {
		return nil, fmt.Errorf("identities directory %s has no <MSP ID>/ folder", dir)
	}
	return orgs, nil
}

// NewFromGateway opens the Ledger that g describes (see New).
func NewFromGateway(g Gateway) (*Ledger, error) {
	cfg, err := g.Config()
	if err != nil {
		return nil, fmt.Errorf("fabric ledger: %w", err)
	}
	return New(cfg)
}

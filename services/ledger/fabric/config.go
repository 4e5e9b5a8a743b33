package fabric

import (
	"errors"
	"fmt"
	"time"

	"rxledger/chaincode"
)

// Config says which network, channel and chaincode a Ledger uses and which
// organisations it acts for.
type Config struct {
	// Channel and Chaincode name the channel and the chaincode's name on it.
	Channel   string
	Chaincode string
	// Orgs are the organisations the Ledger may submit and evaluate as; the
	// first one also reads blocks and the chain height.
	Orgs []Org
	// Regulators are the organisations the chaincode gives a private copy of
	// every transaction's private data (the chaincode servers'
	// RXLEDGER_REGULATOR_MSPS; default RegulatorMSP). With the submitting
	// organisation they endorse every transaction that carries transient
	// data: see Ledger.endorse.
	Regulators []string

	// Timeouts of the steps of a call; zero means the default in brackets.
	// Each is an upper bound within the caller's context.
	DialTimeout         time.Duration // connecting to a peer (5 s)
	EvaluateTimeout     time.Duration // one evaluation (10 s)
	EndorseTimeout      time.Duration // collecting the endorsements (30 s)
	SubmitTimeout       time.Duration // handing the transaction to the orderer (10 s)
	CommitStatusTimeout time.Duration // waiting for the commit (60 s)
}

// Org is one organisation the Ledger acts for: its identity and the peer
// whose gateway it uses.
type Org struct {
	// MSPID is the organisation's MSP ID, e.g. "ManufacturerMSP".
	MSPID string
	// MSPDir is a local MSP directory of one of its users: the certificate in
	// signcerts/ and the private key in keystore/. CertFile and KeyFile,
	// when both are set, name the two PEM files directly instead.
	MSPDir   string
	CertFile string
	KeyFile  string
	// PeerEndpoint is host:port of the organisation's gateway peer.
	PeerEndpoint string
	// PeerTLSCA is the PEM file of the CA that issued the peer's TLS
	// certificate.
	PeerTLSCA string
	// PeerServerName, if set, is the name the peer's TLS certificate is
	// checked against instead of the endpoint's host.
	PeerServerName string
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.DialTimeout, 5*time.Second)
	def(&c.EvaluateTimeout, 10*time.Second)
	def(&c.EndorseTimeout, 30*time.Second)
	def(&c.SubmitTimeout, 10*time.Second)
	def(&c.CommitStatusTimeout, 60*time.Second)
	if c.Regulators == nil {
		c.Regulators = chaincode.DefaultConfig().Regulators
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Channel == "" {
		errs = append(errs, errors.New("channel is empty"))
	}
	if c.Chaincode == "" {
		errs = append(errs, errors.New("chaincode is empty"))
	}
	if len(c.Orgs) == 0 {
		errs = append(errs, errors.New("no organisation to act for"))
	}
	seen := map[string]bool{}
	for i, o := range c.Orgs {
		hasIdentity := o.MSPDir != "" || (o.CertFile != "" && o.KeyFile != "")
		if o.MSPID == "" || !hasIdentity || o.PeerEndpoint == "" || o.PeerTLSCA == "" {
			errs = append(errs, fmt.Errorf("org %d (%q): MSPID, MSPDir (or CertFile and KeyFile), PeerEndpoint and PeerTLSCA are all required", i, o.MSPID))
		}
		if seen[o.MSPID] {
			errs = append(errs, fmt.Errorf("org %q listed twice", o.MSPID))
		}
		seen[o.MSPID] = true
	}
	return errors.Join(errs...)
}

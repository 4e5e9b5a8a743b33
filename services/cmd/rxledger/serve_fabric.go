package main

import (
	"fmt"
	"slices"

	"rxledger/services/ledger/fabric"
	"rxledger/services/platform/config"
	"rxledger/services/platform/telemetry"
)

// fabricGateway translates the serve configuration of --ledger fabric into
// the Fabric ledger's: one gRPC connection to the gateway peer, an identity
// per organisation folder in --fabric-identities, and the regulators of
// --regulators, which endorse with the submitter. deploy/fabric/scripts/up
// writes these settings for each organisation of its network to
// <network dir>/rxledger/<org>/serve.env.
func fabricGateway(cfg config.Config) fabric.Gateway {
	f := cfg.Fabric
	return fabric.Gateway{
		Peer:       f.Peer,
		TLSCA:      f.TLSCACert,
		ServerName: f.ServerName,
		Channel:    f.Channel,
		Chaincode:  f.Chaincode,
		Identities: f.Identities,
		Regulators: slices.Clone(cfg.Regulators),
	}
}

// projectionOrg is the organisation the ingest service reads event bodies
// as. A regulator holds a copy of every event, so the first of them whose
// identity this node holds (on the embedded ledger the process acts for
// every member: the first regulator). On Fabric, a node that holds no
// regulator's identity but exactly one organisation's indexes that
// organisation's own events, read as itself: an organisation's node needs
// no regulator's key to answer its own queries. A node of several
// organisations and no regulator is warned that its index stays empty.
func (p *platform) projectionOrg() string {
	regulators := p.regulators()
	if p.cfg.Ledger != config.LedgerFabric {
		return regulators[0]
	}
	log := telemetry.Component(p.log, "ingest")
	// The organisations whose identities the ledger will act for (a
	// directory it cannot read is the ledger's to report).
	orgs, _ := fabric.IdentityOrgs(p.cfg.Fabric.Identities)
	for _, r := range regulators {
		if slices.Contains(orgs, r) {
			return r
		}
	}
	if len(orgs) == 1 {
		log.Info("this node holds no regulator's identity: its query index holds the events "+orgs[0]+" is party to, read as "+orgs[0],
			"org", orgs[0])
		return orgs[0]
	}
	log.Warn(fmt.Sprintf("the ingest service reads events as %s, the first of --regulators, "+
		"and --fabric-identities %s has no %s/ folder: its query index stays empty; add that identity and restart serve "+
		"(identities are read at start, and the index is then rebuilt), or name the regulator whose identity this node holds first in --regulators", regulators[0], p.cfg.Fabric.Identities, regulators[0]))
	return regulators[0]
}

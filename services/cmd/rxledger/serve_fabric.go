package main

import (
	"fmt"
	"os"
	"path/filepath"
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

// checkFabricReader warns when the ingest service cannot read events on
// Fabric: it reads them as the first regulator, with that organisation's
// client identity, and --fabric-identities holds none. On the embedded
// ledger the process acts for every member.
func (p *platform) checkFabricReader() {
	if p.cfg.Ledger != config.LedgerFabric {
		return
	}
	reader := p.regulators()[0]
	if info, err := os.Stat(filepath.Join(p.cfg.Fabric.Identities, reader)); err == nil && info.IsDir() {
		return
	}
	telemetry.Component(p.log, "ingest").Warn(fmt.Sprintf("the ingest service reads events as %s, the first of --regulators, "+
		"and --fabric-identities %s has no %s/ folder: its query index stays empty; add that identity and restart serve "+
		"(identities are read at start), or name the regulator whose identity this node holds first in --regulators", reader, p.cfg.Fabric.Identities, reader))
}

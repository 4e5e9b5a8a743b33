package main

import (
	"rxledger/services/ledger/fabric"
	"rxledger/services/platform/config"
)

// fabricGateway translates the serve configuration of --ledger fabric into
// the Fabric ledger's: one gRPC connection to the gateway peer, an identity
// per organisation folder in --fabric-identities. deploy/fabric/scripts/up
// writes these settings for each organisation of its network to
// <network dir>/rxledger/<org>/serve.env.
func fabricGateway(f config.Fabric) fabric.Gateway {
	return fabric.Gateway{
		Peer:       f.Peer,
		TLSCA:      f.TLSCACert,
		ServerName: f.ServerName,
		Channel:    f.Channel,
		Chaincode:  f.Chaincode,
		Identities: f.Identities,
	}
}

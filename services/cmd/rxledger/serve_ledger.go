package main

import (
	"context"
	"fmt"
	"path/filepath"

	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/ledger/fabric"
	"rxledger/services/platform/config"
	"rxledger/services/platform/telemetry"
)

// LedgerDir is the embedded ledger's directory in the data directory.
const LedgerDir = "ledger"

// demoConsortium is the consortium of the embedded ledger serve opens
// without --consortium (see servedConsortium): the four demo organisations,
// exactly as deploy/consortium/demo.json lists them
// (TestDemoConsortiumIsDemoJSON).
func demoConsortium() *embedded.Consortium {
	return &embedded.Consortium{Name: "rxledger-demo", Organizations: []embedded.Organization{
		{MSPID: "ManufacturerMSP", Name: "Acme Pharmaceuticals (demo manufacturer)", Roles: []string{"manufacturer"},
			GS1CompanyPrefixes: []string{"0312345"}, Identities: []string{"acme-packaging-line", "acme-erp"}},
		{MSPID: "WholesalerMSP", Name: "Northwind Drug Distribution (demo wholesaler)", Roles: []string{"wholesaler"},
			GS1CompanyPrefixes: []string{"0614141"}, Identities: []string{"northwind-dc-1"}},
		{MSPID: "PharmacyMSP", Name: "Corner Street Pharmacy (demo dispenser)", Roles: []string{"dispenser"},
			Identities: []string{"corner-street-pos"}},
		{MSPID: "RegulatorMSP", Name: "Drug Supply Chain Regulator (demo)", Roles: []string{"regulator"},
			Identities: []string{"regulator-audit"}},
	}}
}

// failing is what stopOnLedgerFailure needs of the embedded ledger.
type failing interface {
	Failed() <-chan struct{}
	Err() error
}

// stopOnLedgerFailure ends (with an error, so serve exits 1) when the
// embedded ledger fails: a block could not be committed, so the ledger
// commits nothing more until it is opened again. A process that went on
// would accept captures it can never commit and look alive to its
// supervisor; stopping lets the supervisor restart it, and the restart
// resumes the accepted capture jobs. Nothing acknowledged is lost.
func stopOnLedgerFailure(ctx context.Context, l failing) error {
	select {
	case <-ctx.Done():
		return nil
	case <-l.Failed():
		return fmt.Errorf("the embedded ledger failed and commits nothing more (%w); stopping so that the process is restarted: "+
			"if the disk is full, free space first. Nothing acknowledged is lost, and accepted capture jobs resume at the next start", l.Err())
	}
}

// processLedger opens the process's ledger the first time a service asks
// for it and returns the same one afterwards: every service of the process
// shares it. It registers the ledger's closer and its readiness check.
func (p *platform) processLedger(ctx context.Context) (ledger.Ledger, error) {
	if p.ledger != nil {
		return p.ledger, nil
	}
	switch p.cfg.Ledger {
	case config.LedgerEmbedded:
		l, err := embedded.Open(filepath.Join(p.cfg.DataDir, LedgerDir), p.consortium.cons, p.consortium.chaincode(),
			// WarmCache: a serving process reads its state once in the
			// background at start-up, which warms the block cache, puts
			// the state in the state cache as far as its budget goes and
			// fills the key filter that answers reads of absent keys.
			embedded.Options{Logger: telemetry.Component(p.log, "ledger"), WarmCache: true,
				CacheBytes: p.cfg.LedgerCacheMB << 20 / 2, StateCacheBytes: p.cfg.LedgerCacheMB << 20 / 2,
				Signers: p.consortium.signers})
		if err != nil {
			return nil, fmt.Errorf("open the embedded ledger: %w", err)
		}
		p.ledger = l
		p.srv.Go("ledger", func(ctx context.Context) error { return stopOnLedgerFailure(ctx, l) })
	case config.LedgerFabric:
		l, err := fabric.NewFromGateway(fabricGateway(p.cfg))
		if err != nil {
			return nil, fmt.Errorf("open the fabric ledger: %w", err)
		}
		p.ledger = l
	default:
		return nil, fmt.Errorf("unknown ledger %q", p.cfg.Ledger)
	}
	p.closers = append(p.closers, p.ledger.Close)
	p.ready.Add("ledger", func(ctx context.Context) error {
		_, err := p.ledger.Height(ctx)
		return err
	})
	return p.ledger, nil
}

package main

import (
	"context"
	"path/filepath"

	"rxledger/services/ingest"
	"rxledger/services/partners"
	"rxledger/services/platform/telemetry"
	"rxledger/services/records"
)

// IngestDir is the ingest service's directory in the data directory: its
// capture jobs, query index and page-token key.
const IngestDir = "ingest"

// mountIngest builds the ingest service (EPCIS capture and query) on the
// process's ledger, mounts its routes behind the API key middleware, adds
// its readiness check and runs its projection and job workers. It mounts
// partner onboarding (/partners) and the ledger's records (/lots, /items,
// /t3, /tx) too: writing partner records and attestations, recalls and
// investigation moves is part of the ledger's write path, as capturing is.
func mountIngest(ctx context.Context, p *platform) error {
	l, err := p.processLedger(ctx)
	if err != nil {
		return err
	}
	cfg := ingest.Config{
		Ledger:  l,
		DataDir: filepath.Join(p.cfg.DataDir, IngestDir),
		// The engine's body limit applies first: the capture limit cannot
		// be larger.
		FileSizeLimit: min(ingest.DefaultFileSizeLimit, p.cfg.MaxBodyBytes),
		Logger:        telemetry.Component(p.log, "ingest"),
		Registerer:    p.metrics.Registry,
		Tracer:        p.tracing.Tracer("rxledger/ingest"),
	}
	// The projection reads event bodies as a regulator, which holds a copy
	// of every event, or on a node of one organisation as that one.
	regulators := p.regulators()
	cfg.ProjectionOrg, cfg.Regulators = p.projectionOrg(), regulators
	svc, err := ingest.New(cfg)
	if err != nil {
		return err
	}
	p.closers = append(p.closers, svc.Close)
	svc.Mount(p.engine, p.authenticate)
	partners.New(l, regulators, telemetry.Component(p.log, "partners")).Mount(p.engine, p.authenticate)
	records.New(l, regulators, telemetry.Component(p.log, "records")).Mount(p.engine, p.authenticate)
	p.ready.Add("ingest", svc.Ready)
	p.srv.Go("ingest", svc.Run)
	return nil
}

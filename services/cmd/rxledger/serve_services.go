package main

import (
	"context"
	"fmt"

	"rxledger/services/platform/config"
)

// DemoCredentialsFile is the file --demo writes in the data directory: a JSON
// list of objects with at least org, role, apiKey, gln and, for the
// manufacturer, companyPrefix and gtins.
const DemoCredentialsFile = "demo-credentials.json"

// mountServices is THE WIRING POINT of `rxledger serve` for the services.
//
// With no service mounted serve answers only the platform endpoints
// (/healthz, /readyz, /metrics) and /readyz reports the "services" check as
// failing. Each service is mounted by its own mount function (mountIngest in
// serve_ingest.go); the process's ledger is opened once by
// platform.processLedger (serve_ledger.go) for all of them. The steps:
//
//  1. open the ledger named by p.cfg.Ledger (embedded in p.cfg.DataDir, or
//     fabric with p.cfg.Fabric), add p.closers and p.ready.Add("ledger", ...);
//  2. with p.cfg.Demo, load the demo consortium, write its keys (issued
//     with p.keys.Issue) to DemoCredentialsFile in the data directory and set
//     p.demoCredentials to that path (the start message points to it);
//  3. build the cache: Redis on p.redis when it is not nil, else in-process;
//  4. for each role in p.cfg.Roles (p.cfg.Has(config.RoleVerify), ...), build
//     the service and mount its routes on p.engine behind p.authenticate
//     (and auth.Require(...) per route), add its readiness checks (e.g.
//     "projection") and its workers with p.srv.Go;
//  5. return the names of the services mounted, e.g. "verify".
func mountServices(ctx context.Context, p *platform) (mounted []string, err error) {
	if p.cfg.Demo {
		if err := loadDemo(ctx, p); err != nil {
			return mounted, fmt.Errorf("demo: %w", err)
		}
	}
	if p.cfg.Has(config.RoleIngest) {
		if err := mountIngest(ctx, p); err != nil {
			return mounted, fmt.Errorf("ingest: %w", err)
		}
		mounted = append(mounted, config.RoleIngest)
	}
	if p.cfg.Has(config.RoleVerify) || p.cfg.Has(config.RoleReturns) {
		names, err := mountVerifyReturns(ctx, p)
		if err != nil {
			return mounted, fmt.Errorf("verify/returns: %w", err)
		}
		mounted = append(mounted, names...)
	}
	return mounted, nil
}

// regulators are the organisations serve treats as regulators, in order:
// on the embedded ledger those with the regulator role in the consortium
// file, on Fabric those of --regulators. The ingest service reads events as
// the first, which holds a copy of every event; it lets their regulator
// keys see every event, and the verify service lets them verify without
// being authorized trading partners.
func (p *platform) regulators() []string {
	if p.consortium != nil {
		return p.consortium.regulators
	}
	return p.cfg.Regulators
}

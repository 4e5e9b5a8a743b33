package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"rxledger/services/platform/config"
	"rxledger/services/platform/server"
	"rxledger/services/platform/telemetry"
	"rxledger/services/returns"
	"rxledger/services/verify"
)

// cachePingTimeout bounds the cache readiness check's ping: a Redis that
// does not answer by then is degraded.
const cachePingTimeout = 250 * time.Millisecond

// verifyOptions are the verification service's settings from cfg.
func verifyOptions(cfg config.Config) verify.Options {
	opts := verify.Options{ResponderGLN: cfg.ResponderGLN}
	opts.MaxLag, opts.NoLag = uint64(cfg.VerifyMaxLag), cfg.VerifyMaxLag == 0
	opts.AuditEvery = int(cfg.VerifyAuditEvery)
	if cfg.VerifyAuditEvery == 0 {
		opts.AuditEvery = -1 // the service's "none"
	}
	opts.AbsentTTL = cfg.VerifyAbsentTTL
	return opts
}

// mountVerifyReturns builds the verification service, shared by the verify
// and returns roles, and mounts the routes of the roles configured behind
// the API key middleware: GET /verify/01/{gtin}/21/{serial} and POST
// /verify/batch (verify), POST /returns/check and POST /returns/receive
// (returns). The verification cache lives on p.redis (in-process when no
// Redis is configured); its readiness checks are "cache" (degraded, not
// failing, while Redis is down: answers come from the ledger) and
// "verify-projection"; its projector and auditor run as workers.
func mountVerifyReturns(ctx context.Context, p *platform) ([]string, error) {
	l, err := p.processLedger(ctx)
	if err != nil {
		return nil, err
	}
	opts := verifyOptions(p.cfg)
	opts.Logger = telemetry.Component(p.log, "verify")
	opts.Registerer = p.metrics.Registry
	opts.TracerProvider = p.tracing.Provider
	opts.Regulators = p.regulators()
	var cache verify.Cache = verify.NewMemoryCache()
	if p.redis != nil {
		cache = verify.NewRedisCache(p.redis, "")
		p.ready.Add("cache", func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, cachePingTimeout)
			defer cancel()
			if err := p.redis.Ping(ctx).Err(); err != nil {
				return server.Degraded(server.Explain(fmt.Errorf("redis: %w", err), "Redis does not answer; verifications are answered from the ledger"))
			}
			return nil
		})
	}
	svc := verify.New(l, cache, opts)
	p.ready.Add("verify-projection", func(ctx context.Context) error {
		if err := svc.CacheDegraded(); err != nil {
			return server.Degraded(server.Explain(err, "the verification cache does not answer; verifications are answered from the ledger"))
		}
		err := svc.CaughtUp(ctx)
		if err == nil {
			return nil
		}
		var lag *verify.LagError
		if !errors.As(err, &lag) {
			return server.Explain(err, "the ledger height cannot be read") // the error may name the ledger's address
		}
		err = server.Explain(err, lag.Error()) // heights only
		if svc.WasCaughtUp() {
			// A cache emptied or restarted after the process was ready (a
			// Redis flush): the answers come from the ledger while it
			// rebuilds, so the process stays in service, and every
			// instance sharing that Redis with it does too.
			return server.Degraded(err)
		}
		return err
	})
	p.srv.Go("verify-projector", svc.RunProjector)
	p.srv.Go("verify-auditor", svc.RunAuditor)

	var mounted []string
	if p.cfg.Has(config.RoleVerify) {
		svc.Mount(p.engine, p.authenticate)
		mounted = append(mounted, config.RoleVerify)
	}
	if p.cfg.Has(config.RoleReturns) {
		returns.New(l, svc, returns.Options{Logger: telemetry.Component(p.log, "returns"), TracerProvider: p.tracing.Provider}).
			Mount(p.engine, p.authenticate)
		mounted = append(mounted, config.RoleReturns)
	}
	return mounted, nil
}

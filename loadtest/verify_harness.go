package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/redis/go-redis/v9"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/server"
	"rxledger/services/returns"
	"rxledger/services/verify"
)

// The verify harness's world: the demo organisations, one GTIN, serials
// V0..V<n-1> of one lot, all delivered to the pharmacy.
const (
	verifyGTIN     = "00312345678906"
	verifyLot      = "LOAD1"
	verifyExpiry   = "991231"
	pharmacyGLN    = "0377777000008"
	wholesalerGLN  = "0388888000009"
	manufactureGLN = "0312345000004"
)

// verifyTarget is what the harness child tells the parent.
type verifyTarget struct {
	URL string `json:"url"`
	// Key is the wholesaler's API key (verify and returns callers).
	Key     string `json:"key"`
	Serials int    `json:"serials"`
	Cache   string `json:"cache"`
}

// verifyHarness is an embedded ledger with the demo consortium's partners
// and n delivered serials, the verify and returns services on it, and a
// loopback HTTP server.
type verifyHarness struct {
	dir    string
	l      *embedded.Ledger
	rdb    *redis.Client
	srv    *http.Server
	cancel context.CancelFunc
	done   chan struct{}
	target verifyTarget
	// profile is the CPU profile being written (RXLEDGER_LOAD_CPUPROFILE).
	profile *os.File
}

func startVerifyHarness(ctx context.Context, serials int, redisURL string) (h *verifyHarness, err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	cons, err := embedded.LoadConsortium(filepath.Join(root, "deploy", "consortium", "demo.json"))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rxledger-verify-load-")
	if err != nil {
		return nil, err
	}
	h = &verifyHarness{dir: dir, target: verifyTarget{Serials: serials, Cache: "in-process"}}
	server.TuneGC(os.Getenv) // as rxledger serve does
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	// A CPU profile of the service side, for finding where a request's time
	// goes under the real load (the parent's load does not appear in it).
	if path := os.Getenv("RXLEDGER_LOAD_CPUPROFILE"); path != "" {
		if h.profile, err = os.Create(path); err != nil {
			return nil, err
		}
		if err = pprof.StartCPUProfile(h.profile); err != nil {
			return nil, err
		}
	}
	quiet := slog.New(slog.DiscardHandler)
	if h.l, err = embedded.Open(filepath.Join(dir, "ledger"), cons, chaincode.Invoke, embedded.Options{Logger: quiet}); err != nil {
		return nil, err
	}
	if err := populate(ctx, h.l, serials); err != nil {
		return nil, err
	}
	keys, err := auth.OpenStore(filepath.Join(dir, auth.KeysFile))
	if err != nil {
		return nil, err
	}
	if h.target.Key, _, err = keys.Issue(auth.Grant{Org: "WholesalerMSP", Role: auth.Wholesaler, GLN: wholesalerGLN}); err != nil {
		return nil, err
	}
	var cache verify.Cache = verify.NewMemoryCache()
	if redisURL != "" {
		opts, err := verify.RedisOptions(redisURL)
		if err != nil {
			return nil, fmt.Errorf("-redis: %w", err)
		}
		opts.PoolSize = 128
		h.rdb = redis.NewClient(opts)
		if err := h.rdb.FlushDB(ctx).Err(); err != nil {
			return nil, fmt.Errorf("flush the Redis database for a clean cache: %w", err)
		}
		cache = verify.NewRedisCache(h.rdb, "")
		h.target.Cache = "redis"
	}
	svc := verify.New(h.l, cache, verify.Options{})
	engine := httpx.NewEngine(httpx.EngineConfig{})
	mw := auth.Middleware(keys)
	svc.Mount(engine, mw)
	returns.New(h.l, svc, returns.Options{}).Mount(engine, mw)
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel, h.done = cancel, make(chan struct{})
	go func() {
		defer close(h.done)
		_ = svc.RunProjector(rctx)
	}()
	// Wait for the projection before anyone measures.
	for svc.CaughtUp(ctx) != nil {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h.target.URL = "http://" + ln.Addr().String()
	h.srv = &http.Server{Handler: engine, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

func (h *verifyHarness) close() {
	if h.profile != nil {
		pprof.StopCPUProfile()
		_ = h.profile.Close()
	}
	if h.srv != nil {
		_ = h.srv.Close()
	}
	if h.cancel != nil {
		h.cancel()
		<-h.done
	}
	if h.rdb != nil {
		_ = h.rdb.Close()
	}
	if h.l != nil {
		_ = h.l.Close()
	}
	_ = os.RemoveAll(h.dir)
}

// populate registers the demo partners and commissions n serials, then
// moves them manufacturer -> wholesaler -> pharmacy.
func populate(ctx context.Context, l ledger.Ledger, n int) error {
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	lic := []chaincode.License{{Authority: "FDA", Number: "LIC", Expiry: far}}
	for _, p := range []chaincode.Partner{
		{ID: "ManufacturerMSP", Name: "Acme", Roles: []chaincode.Role{chaincode.RoleManufacturer}, GLNs: []string{manufactureGLN}, CompanyPrefixes: []string{"0312345"}, Licenses: lic},
		{ID: "WholesalerMSP", Name: "Northwind", Roles: []chaincode.Role{chaincode.RoleWholesaler}, GLNs: []string{wholesalerGLN}, Licenses: lic},
		{ID: "PharmacyMSP", Name: "Corner", Roles: []chaincode.Role{chaincode.RoleDispenser}, GLNs: []string{pharmacyGLN}, Licenses: lic},
	} {
		if err := register(ctx, l, p); err != nil {
			return err
		}
	}
	const chunk = 5000
	for first := 0; first < n; first += chunk {
		epcs := make([]string, 0, chunk)
		for i := first; i < min(n, first+chunk); i++ {
			epcs = append(epcs, fmt.Sprintf("urn:epc:id:sgtin:0312345.067890.V%d", i))
		}
		at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(first) * time.Second)
		ev := func(step, disp string, minute int) epcis.Event {
			return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: step, Disposition: disp,
				EventTime: at.Add(time.Duration(minute) * time.Minute), EventTimeZoneOffset: "+00:00", EPCList: epcs}
		}
		commission := ev("commissioning", "active", 0)
		commission.Action = epcis.ActionAdd
		commission.ILMD = []epcis.Element{
			{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: verifyLot},
			{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: "2099-12-31"},
		}
		toWhs, toPharm := ev("shipping", "in_transit", 1), ev("shipping", "in_transit", 3)
		toWhs.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/" + wholesalerGLN}}
		toPharm.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: "https://id.gs1.org/417/" + pharmacyGLN}}
		for _, step := range []struct {
			org    string
			events []epcis.Event
		}{
			{"ManufacturerMSP", []epcis.Event{commission, toWhs}},
			{"WholesalerMSP", []epcis.Event{ev("receiving", "active", 2), toPharm}},
			{"PharmacyMSP", []epcis.Event{ev("receiving", "active", 4)}},
		} {
			raw, err := json.Marshal(step.events)
			if err != nil {
				return err
			}
			tx := ledger.Transaction{Function: chaincode.FnCapture, Transient: map[string][]byte{
				chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}}
			if _, err := l.Submit(ctx, step.org, tx); err != nil {
				return fmt.Errorf("capture as %s: %w", step.org, err)
			}
		}
	}
	return nil
}

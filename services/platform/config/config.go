// Package config is the one place rxledger's serve settings come from: command
// line flags, each with an RXLEDGER_* environment variable as its fallback,
// then built-in defaults. Parse validates the result, so the rest of the
// program can trust a Config.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"rxledger/epcis/gs1"
)

// Ledger implementations.
const (
	LedgerEmbedded = "embedded"
	LedgerFabric   = "fabric"
)

// Access log modes: every request, or only those answered with 400 or more
// (successes then log at debug level).
const (
	AccessLogAll    = "all"
	AccessLogErrors = "errors"
)

// Service roles a process can run. "all" on the command line means every one.
const (
	RoleIngest  = "ingest"
	RoleVerify  = "verify"
	RoleReturns = "returns"
)

// AllRoles lists the service roles in start order.
var AllRoles = []string{RoleIngest, RoleVerify, RoleReturns}

// Config is everything `rxledger serve` needs to start.
type Config struct {
	Addr string // listen address, host:port
	// MetricsAddr, when set, is the listen address of /metrics, which is
	// then not served on Addr: the metrics count the whole node's work
	// (ledger height, events and EPCs captured), which is for the
	// operator, not for every partner holding an API key.
	MetricsAddr string
	DataDir     string   // data directory: ledger, key store, demo credentials
	RedisURL    string   // redis:// or rediss:// URL; empty for the in-process cache
	Ledger      string   // LedgerEmbedded or LedgerFabric
	Roles       []string // service roles to run, a subset of AllRoles in AllRoles order
	Demo        bool     // load the demo consortium and write demo-credentials.json

	// Consortium is the consortium file of the embedded ledger; empty for
	// the built-in demo consortium (deploy/consortium/demo.json).
	Consortium string
	// SigningKeys is the directory of the embedded ledger's signing keys:
	// <MSP ID>.key for each organisation whose consortium entry has a
	// publicKey; empty for none.
	SigningKeys string
	// Regulators are the MSP IDs of the regulators of a Fabric network
	// (--regulators), in the order of the setting: the chaincode servers'
	// RXLEDGER_REGULATOR_MSPS. The ingest service reads events as the
	// first, the verification service lets each verify without being an
	// authorized trading partner, and the Fabric ledger has them endorse,
	// with the submitter, each transaction that carries private data. Set
	// with LedgerFabric only (DefaultRegulators when not given); on the
	// embedded ledger the consortium file names them.
	Regulators []string

	LogLevel        slog.Level
	AccessLog       string        // AccessLogAll or AccessLogErrors
	MaxBodyBytes    int64         // request body limit
	ShutdownTimeout time.Duration // grace period for in-flight requests on stop
	VerifyMaxLag    int64         // blocks the verification cache may trail the ledger and still answer
	// VerifyAuditEvery sends one cached verification answer in
	// VerifyAuditEvery to the auditor; 0 audits none.
	VerifyAuditEvery int64
	// VerifyAbsentTTL is the lifetime of a record of absence in the Redis
	// cache.
	VerifyAbsentTTL time.Duration
	LedgerCacheMB   int64  // MiB for the embedded ledger's caches; 0 for automatic
	ResponderGLN    string // GLN verification answers name when the ledger names no GTIN owner's; empty for none

	Fabric Fabric // used when Ledger is LedgerFabric
}

// Fabric is how to reach a Fabric network through the gateway.
type Fabric struct {
	Peer       string // gateway peer endpoint, host:port
	TLSCACert  string // PEM file of the peer's TLS CA
	ServerName string // TLS server name override (when Peer's host differs from its certificate)
	Channel    string
	Chaincode  string
	// Identities is a directory with one sub-directory per organisation
	// this process submits for, named by MSP ID, each holding cert.pem and
	// key.pem (the client identity's certificate and private key).
	Identities string
}

// SuccessLogLevel is the access log level of successful requests.
func (c Config) SuccessLogLevel() slog.Level {
	if c.AccessLog == AccessLogErrors {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// Has reports whether the configuration runs service role r.
func (c Config) Has(r string) bool { return slices.Contains(c.Roles, r) }

// Validate checks the configuration as a whole.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want host:port: %w", c.Addr, err))
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("--metrics-addr %q: want host:port: %w", c.MetricsAddr, err))
		} else if c.MetricsAddr == c.Addr && port != "0" {
			errs = append(errs, fmt.Errorf("--metrics-addr %q is --addr: give the metrics an address of their own, or leave it empty to serve them on --addr", c.MetricsAddr))
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("--data: a data directory is required"))
	}
	if c.RedisURL != "" {
		if err := checkRedisURL(c.RedisURL); err != nil {
			errs = append(errs, fmt.Errorf("--redis: %w", err))
		}
	}
	switch c.Ledger {
	case LedgerEmbedded:
		if len(c.Regulators) > 0 {
			errs = append(errs, errors.New("--regulators is for --ledger fabric only: on the embedded ledger the regulators are "+
				"the organisations with the regulator role in the consortium file (--consortium), which also configures the chaincode"))
		}
	case LedgerFabric:
		if c.Demo {
			errs = append(errs, errors.New("--demo runs on the embedded ledger only"))
		}
		if c.Consortium != "" {
			errs = append(errs, errors.New("--consortium is for the embedded ledger only: "+
				"a Fabric network's organisations are the MSPs of its channel, and serve acts for those in --fabric-identities"))
		}
		if c.SigningKeys != "" {
			errs = append(errs, errors.New("--signing-keys is for the embedded ledger only: "+
				"on Fabric each organisation signs with the key.pem of its folder in --fabric-identities"))
		}
		if len(c.Regulators) == 0 {
			errs = append(errs, errors.New("--regulators: a Fabric network needs at least one regulator (default "+
				strings.Join(DefaultRegulators, ",")+")"))
		}
		errs = append(errs, c.Fabric.validate()...)
	default:
		errs = append(errs, fmt.Errorf("--ledger %q: want %s or %s", c.Ledger, LedgerEmbedded, LedgerFabric))
	}
	if c.AccessLog != AccessLogAll && c.AccessLog != AccessLogErrors {
		errs = append(errs, fmt.Errorf("--access-log %q: want %s or %s", c.AccessLog, AccessLogAll, AccessLogErrors))
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, fmt.Errorf("--max-body %d: must be positive", c.MaxBodyBytes))
	}
	if c.LedgerCacheMB < 0 {
		errs = append(errs, fmt.Errorf("--ledger-cache-mb %d: must not be negative", c.LedgerCacheMB))
	}
	if c.VerifyMaxLag < 0 {
		errs = append(errs, fmt.Errorf("--verify-max-lag %d: must not be negative", c.VerifyMaxLag))
	}
	if c.VerifyAuditEvery < 0 {
		errs = append(errs, fmt.Errorf("--verify-audit-every %d: must not be negative (0 audits none)", c.VerifyAuditEvery))
	}
	if c.VerifyAbsentTTL < time.Millisecond {
		errs = append(errs, fmt.Errorf("--verify-absent-ttl %s: must be at least 1ms", c.VerifyAbsentTTL))
	}
	if c.ResponderGLN != "" {
		if _, err := gs1.ParseGLN(c.ResponderGLN); err != nil {
			errs = append(errs, fmt.Errorf("--responder-gln: %w", err))
		}
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout %s: must be positive", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

func (f Fabric) validate() []error {
	var errs []error
	required := []struct{ flag, value string }{
		{"--fabric-peer", f.Peer},
		{"--fabric-tls-ca", f.TLSCACert},
		{"--fabric-channel", f.Channel},
		{"--fabric-chaincode", f.Chaincode},
		{"--fabric-identities", f.Identities},
	}
	for _, r := range required {
		if strings.TrimSpace(r.value) == "" {
			errs = append(errs, fmt.Errorf("%s is required with --ledger fabric", r.flag))
		}
	}
	if f.Peer != "" {
		if _, _, err := net.SplitHostPort(f.Peer); err != nil {
			errs = append(errs, fmt.Errorf("--fabric-peer %q: want host:port", f.Peer))
		}
	}
	return errs
}

func checkRedisURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("parse redis URL: %w", err)
	}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Host == "" {
			return fmt.Errorf("redis URL %q has no host", redactURL(u))
		}
	case "unix":
		if u.Path == "" {
			return fmt.Errorf("redis URL %q has no socket path", redactURL(u))
		}
	default:
		return fmt.Errorf("redis URL %q: want redis://, rediss:// or unix://", redactURL(u))
	}
	return nil
}

// RedactedRedisURL returns the Redis URL with any password hidden, for logs.
func (c Config) RedactedRedisURL() string {
	u, err := url.Parse(c.RedisURL)
	if err != nil {
		return "(unparsable)"
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string { return u.Redacted() }

// ParseRegulators reads --regulators as the chaincode server reads
// RXLEDGER_REGULATOR_MSPS, so that one value serves both: MSP IDs separated
// by commas, spaces around them ignored, as are empty entries. It refuses a
// value that names none, an MSP ID with a space inside (a missing comma?)
// and one listed twice.
func ParseRegulators(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		switch {
		case r == "":
			continue
		case strings.ContainsFunc(r, unicode.IsSpace):
			return nil, fmt.Errorf("%q: an MSP ID has no spaces; separate MSP IDs with commas", r)
		case slices.Contains(out, r):
			return nil, fmt.Errorf("%s is listed twice", r)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q names no MSP ID", s)
	}
	return out, nil
}

// RolesNone on the command line runs no service: only the platform endpoints
// (health, readiness, metrics), e.g. to check a deployment's wiring.
const RolesNone = "none"

// parseRoles turns "all", "none" or a comma-separated list into roles in
// AllRoles order.
func parseRoles(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return slices.Clone(AllRoles), nil
	}
	if s == RolesNone {
		return nil, nil
	}
	seen := map[string]bool{}
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if !slices.Contains(AllRoles, r) {
			return nil, fmt.Errorf("unknown role %q: want all, none or a list of %s", r, strings.Join(AllRoles, ", "))
		}
		seen[r] = true
	}
	var out []string
	for _, r := range AllRoles {
		if seen[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

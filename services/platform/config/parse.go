package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultDataDir         = "./data"
	DefaultMaxBodyBytes    = 16 << 20
	DefaultShutdownTimeout = 15 * time.Second
	DefaultFabricChannel   = "dscsa"
	DefaultFabricChaincode = "dscsa"
	// DefaultVerifyMaxLag is how many blocks the verification cache may
	// trail the ledger and still answer.
	DefaultVerifyMaxLag = 2
	// DefaultVerifyAuditEvery is one in how many cached verification
	// answers the auditor re-checks against the chain.
	DefaultVerifyAuditEvery = 1000
	// DefaultVerifyAbsentTTL is how long the Redis cache remembers that a
	// serial asked about is not on the ledger.
	DefaultVerifyAbsentTTL = time.Minute
)

// DefaultRegulators are the regulators of a Fabric network when
// --regulators is not given: the chaincode server's default
// (chaincode.DefaultConfig, RXLEDGER_REGULATOR_MSPS unset).
var DefaultRegulators = []string{"RegulatorMSP"}

// ErrHelp is returned by Parse when -h or --help was asked; the usage has
// been written.
var ErrHelp = flag.ErrHelp

// Parse fills a Config from args (the arguments after "serve"), falling back
// to the environment read through getenv for every flag not given, then to the
// defaults. It validates the result. Usage and flag errors go to out.
func Parse(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	fs := flag.NewFlagSet("rxledger serve", flag.ContinueOnError)
	fs.SetOutput(out)
	e := envDefaults{getenv: getenv}

	var c Config
	var roles, logLevel, regulators string
	fs.StringVar(&c.Addr, "addr", e.str("addr", DefaultAddr), "listen address `host:port` (env RXLEDGER_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", e.str("metrics-addr", ""), "listen address `host:port` of /metrics alone (say, on an internal interface); empty to serve it on --addr with the API, where anyone who can reach the port reads the node's totals (env RXLEDGER_METRICS_ADDR)")
	fs.StringVar(&c.DataDir, "data", e.str("data", DefaultDataDir), "data `directory`: ledger, API keys, demo credentials (env RXLEDGER_DATA)")
	fs.StringVar(&c.RedisURL, "redis", e.str("redis", ""), "Redis `URL` for the verification cache of the verify and returns roles (other roles do not use it), e.g. redis://127.0.0.1:6379/0; empty for an in-process cache (env RXLEDGER_REDIS)")
	fs.StringVar(&c.Ledger, "ledger", e.str("ledger", LedgerEmbedded), "ledger: embedded or fabric (env RXLEDGER_LEDGER)")
	fs.StringVar(&roles, "roles", e.str("roles", "all"), "service `roles` to run: all, none (platform endpoints only), or a comma list of "+strings.Join(AllRoles, ",")+" (env RXLEDGER_ROLES)")
	fs.BoolVar(&c.Demo, "demo", e.boolean("demo", false), "load the demo consortium's partner records and story, and write its API keys to demo-credentials.json in the data directory; with --consortium, the file must list the four demo organisations (env RXLEDGER_DEMO)")
	fs.StringVar(&c.Consortium, "consortium", e.str("consortium", ""), "consortium `file` of the embedded ledger: its organisations, regulators and public keys (deploy/consortium/README.md); empty for the built-in demo consortium, deploy/consortium/demo.json (env RXLEDGER_CONSORTIUM)")
	fs.StringVar(&c.SigningKeys, "signing-keys", e.str("signing-keys", ""), "`directory` of the embedded ledger's signing keys: <MSP ID>.key, as 'rxledger ledger keygen' writes it, for each organisation of the consortium with a publicKey; a key file open to group or others is refused (env RXLEDGER_SIGNING_KEYS)")
	fs.StringVar(&logLevel, "log-level", e.str("log-level", "info"), "log `level`: debug, info, warn, error (env RXLEDGER_LOG_LEVEL)")
	fs.StringVar(&c.AccessLog, "access-log", e.str("access-log", AccessLogAll), "access log: all (a line per request) or errors (successes only at debug level) (env RXLEDGER_ACCESS_LOG)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body", e.int64("max-body", DefaultMaxBodyBytes), "request body limit in `bytes` (env RXLEDGER_MAX_BODY)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", e.duration("shutdown-timeout", DefaultShutdownTimeout), "grace period for in-flight requests on stop (env RXLEDGER_SHUTDOWN_TIMEOUT)")
	fs.Int64Var(&c.LedgerCacheMB, "ledger-cache-mb", e.int64("ledger-cache-mb", 0), "`MiB` the embedded ledger's caches may use, half for the store's blocks and half for state values; 0 for automatic, each a quarter of the machine's memory, 1 to 8 GiB (env RXLEDGER_LEDGER_CACHE_MB)")
	fs.Int64Var(&c.VerifyMaxLag, "verify-max-lag", e.int64("verify-max-lag", DefaultVerifyMaxLag), "`blocks` the verification cache may trail the ledger and still answer; further behind, the ledger answers (env RXLEDGER_VERIFY_MAX_LAG)")
	fs.Int64Var(&c.VerifyAuditEvery, "verify-audit-every", e.int64("verify-audit-every", DefaultVerifyAuditEvery), "the auditor re-checks one cached verification answer in `N` against the chain, evicts and counts any difference; 0 for no audit (env RXLEDGER_VERIFY_AUDIT_EVERY)")
	fs.DurationVar(&c.VerifyAbsentTTL, "verify-absent-ttl", e.duration("verify-absent-ttl", DefaultVerifyAbsentTTL), "how long the Redis cache remembers that a serial asked about is not on the ledger (a made-up serial costs Redis memory that long; a serial commissioned meanwhile replaces it at once) (env RXLEDGER_VERIFY_ABSENT_TTL)")
	fs.StringVar(&c.ResponderGLN, "responder-gln", e.str("responder-gln", ""), "13-digit `GLN` verification answers name as responderGLN when the GTIN's owner has no attested GLN on the ledger; empty for none (env RXLEDGER_RESPONDER_GLN)")

	fs.StringVar(&c.Fabric.Peer, "fabric-peer", e.str("fabric-peer", ""), "Fabric gateway peer `host:port` (env RXLEDGER_FABRIC_PEER)")
	fs.StringVar(&c.Fabric.TLSCACert, "fabric-tls-ca", e.str("fabric-tls-ca", ""), "PEM `file` of the peer's TLS CA (env RXLEDGER_FABRIC_TLS_CA)")
	fs.StringVar(&c.Fabric.ServerName, "fabric-server-name", e.str("fabric-server-name", ""), "TLS server name of the peer, when it differs from the host (env RXLEDGER_FABRIC_SERVER_NAME)")
	fs.StringVar(&c.Fabric.Channel, "fabric-channel", e.str("fabric-channel", DefaultFabricChannel), "Fabric channel (env RXLEDGER_FABRIC_CHANNEL)")
	fs.StringVar(&c.Fabric.Chaincode, "fabric-chaincode", e.str("fabric-chaincode", DefaultFabricChaincode), "chaincode name (env RXLEDGER_FABRIC_CHAINCODE)")
	fs.StringVar(&regulators, "regulators", e.str("regulators", ""), "with --ledger fabric, the network's regulators, comma-separated `MSP IDs` as the chaincode servers' RXLEDGER_REGULATOR_MSPS lists them: with the submitter they endorse each transaction that carries private data (captures), the ingest service reads events as the first (whose identity --fabric-identities must hold) and the verify service lets them verify without being trading partners; default "+strings.Join(DefaultRegulators, ",")+"; refused on the embedded ledger, whose consortium file names its regulators (env RXLEDGER_REGULATORS)")
	fs.StringVar(&c.Fabric.Identities, "fabric-identities", e.str("fabric-identities", ""), "`directory` with one <MSP ID>/ folder per organisation holding cert.pem and key.pem (env RXLEDGER_FABRIC_IDENTITIES)")

	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: rxledger serve [flags]

Serves rxledger's HTTP services. By default every role runs in one process on
the embedded ledger, with the demo consortium and an in-process cache. Each
flag falls back to the environment variable named in its description, then to
its default.

flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	fs.Visit(func(f *flag.Flag) { delete(e.errs, f.Name) }) // a flag given overrides a bad variable
	if err := e.err(); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var err error
	if c.Roles, err = parseRoles(roles); err != nil {
		return Config{}, fmt.Errorf("--roles: %w", err)
	}
	if strings.TrimSpace(regulators) != "" {
		if c.Regulators, err = ParseRegulators(regulators); err != nil {
			return Config{}, fmt.Errorf("--regulators: %w", err)
		}
	} else if c.Ledger == LedgerFabric {
		c.Regulators = slices.Clone(DefaultRegulators)
	}
	if err := c.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return Config{}, fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// EnvName returns the environment variable that backs a flag:
// RXLEDGER_ and the flag's name in upper case with '-' as '_'.
func EnvName(flagName string) string {
	return "RXLEDGER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// envDefaults reads flag defaults from the environment and keeps, per flag,
// the error of a variable whose value does not parse.
type envDefaults struct {
	getenv func(string) string
	errs   map[string]error
}

func (e *envDefaults) lookup(flagName string) (string, bool) {
	if e.getenv == nil {
		return "", false
	}
	v := strings.TrimSpace(e.getenv(EnvName(flagName)))
	return v, v != ""
}

func (e *envDefaults) fail(flagName, v, want string) {
	if e.errs == nil {
		e.errs = map[string]error{}
	}
	e.errs[flagName] = fmt.Errorf("%s=%q: want %s", EnvName(flagName), v, want)
}

// err joins the remaining errors in a stable order.
func (e *envDefaults) err() error {
	names := make([]string, 0, len(e.errs))
	for n := range e.errs {
		names = append(names, n)
	}
	slices.Sort(names)
	errs := make([]error, len(names))
	for i, n := range names {
		errs[i] = e.errs[n]
	}
	return errors.Join(errs...)
}

func (e *envDefaults) str(flagName, def string) string {
	if v, ok := e.lookup(flagName); ok {
		return v
	}
	return def
}

func (e *envDefaults) boolean(flagName string, def bool) bool {
	v, ok := e.lookup(flagName)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(flagName, v, "true or false")
		return def
	}
	return b
}

func (e *envDefaults) int64(flagName string, def int64) int64 {
	v, ok := e.lookup(flagName)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e.fail(flagName, v, "an integer")
		return def
	}
	return n
}

func (e *envDefaults) duration(flagName string, def time.Duration) time.Duration {
	v, ok := e.lookup(flagName)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.fail(flagName, v, "a duration such as 15s")
		return def
	}
	return d
}

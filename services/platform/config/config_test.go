package config_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"rxledger/services/platform/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseDefaults(t *testing.T) {
	c, err := config.Parse(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Config{
		Addr: config.DefaultAddr, DataDir: config.DefaultDataDir, Ledger: config.LedgerEmbedded,
		Roles: config.AllRoles, LogLevel: slog.LevelInfo, AccessLog: config.AccessLogAll, MaxBodyBytes: config.DefaultMaxBodyBytes,
		ShutdownTimeout: config.DefaultShutdownTimeout, VerifyMaxLag: config.DefaultVerifyMaxLag,
		VerifyAuditEvery: config.DefaultVerifyAuditEvery, VerifyAbsentTTL: config.DefaultVerifyAbsentTTL,
		Fabric: config.Fabric{Channel: config.DefaultFabricChannel, Chaincode: config.DefaultFabricChaincode},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", c, want)
	}
}

func TestParseSources(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c config.Config)
	}{
		{name: "environment fills", env: map[string]string{
			"RXLEDGER_ADDR": ":9090", "RXLEDGER_DATA": "/var/lib/rxledger", "RXLEDGER_REDIS": "redis://127.0.0.1:6379/2",
			"RXLEDGER_ROLES": "verify", "RXLEDGER_DEMO": "true", "RXLEDGER_LOG_LEVEL": "debug",
			"RXLEDGER_MAX_BODY": "1024", "RXLEDGER_SHUTDOWN_TIMEOUT": "3s", "RXLEDGER_ACCESS_LOG": "errors",
			"RXLEDGER_LEDGER_CACHE_MB": "2048", "RXLEDGER_RESPONDER_GLN": "0312345000004", "RXLEDGER_CONSORTIUM": "/etc/rxledger/consortium.json",
			"RXLEDGER_SIGNING_KEYS": "/etc/rxledger/keys", "RXLEDGER_METRICS_ADDR": "10.0.0.5:9100",
		}, check: func(t *testing.T, c config.Config) {
			t.Helper()
			if c.MetricsAddr != "10.0.0.5:9100" {
				t.Errorf("metrics address %q, want the environment's", c.MetricsAddr)
			}
			if c.Consortium != "/etc/rxledger/consortium.json" || c.SigningKeys != "/etc/rxledger/keys" {
				t.Errorf("consortium %q, signing keys %q: not the environment's", c.Consortium, c.SigningKeys)
			}
			if c.LedgerCacheMB != 2048 {
				t.Errorf("ledger cache %d MiB, want 2048", c.LedgerCacheMB)
			}
			if c.ResponderGLN != "0312345000004" {
				t.Errorf("responder GLN %q, want 0312345000004", c.ResponderGLN)
			}
			if c.AccessLog != config.AccessLogErrors || c.SuccessLogLevel() != slog.LevelDebug {
				t.Errorf("access log %q, success level %v", c.AccessLog, c.SuccessLogLevel())
			}
			if c.Addr != ":9090" || c.DataDir != "/var/lib/rxledger" || c.RedisURL != "redis://127.0.0.1:6379/2" ||
				!reflect.DeepEqual(c.Roles, []string{"verify"}) || !c.Demo || c.LogLevel != slog.LevelDebug ||
				c.MaxBodyBytes != 1024 || c.ShutdownTimeout != 3*time.Second {
				t.Errorf("config %+v does not reflect the environment", c)
			}
		}},
		{name: "flags win over environment", args: []string{"--addr", "127.0.0.1:1234", "--demo=false", "--roles", "returns,verify"},
			env: map[string]string{"RXLEDGER_ADDR": ":9090", "RXLEDGER_DEMO": "true", "RXLEDGER_ROLES": "ingest"},
			check: func(t *testing.T, c config.Config) {
				t.Helper()
				if c.Addr != "127.0.0.1:1234" || c.Demo || !reflect.DeepEqual(c.Roles, []string{"verify", "returns"}) {
					t.Errorf("config %+v: flags did not win", c)
				}
			}},
		{name: "a flag overrides a bad variable", args: []string{"--demo"}, env: map[string]string{"RXLEDGER_DEMO": "maybe"},
			check: func(t *testing.T, c config.Config) {
				t.Helper()
				if !c.Demo {
					t.Error("demo not set")
				}
			}},
		{name: "roles deduplicated and ordered", args: []string{"--roles", "returns, verify,verify"},
			check: func(t *testing.T, c config.Config) {
				t.Helper()
				if !reflect.DeepEqual(c.Roles, []string{"verify", "returns"}) || !c.Has("verify") || c.Has("ingest") {
					t.Errorf("roles %v", c.Roles)
				}
			}},
		{name: "roles none", args: []string{"--roles", "none"},
			check: func(t *testing.T, c config.Config) {
				t.Helper()
				if len(c.Roles) != 0 || c.Has("verify") {
					t.Errorf("roles %v, want none", c.Roles)
				}
			}},
		{name: "fabric settings", env: map[string]string{
			"RXLEDGER_LEDGER": "fabric", "RXLEDGER_FABRIC_PEER": "localhost:7051", "RXLEDGER_FABRIC_TLS_CA": "/ca.pem",
			"RXLEDGER_FABRIC_IDENTITIES": "/ids", "RXLEDGER_FABRIC_SERVER_NAME": "peer0",
		}, check: func(t *testing.T, c config.Config) {
			t.Helper()
			want := config.Fabric{Peer: "localhost:7051", TLSCACert: "/ca.pem", ServerName: "peer0", Identities: "/ids",
				Channel: config.DefaultFabricChannel, Chaincode: config.DefaultFabricChaincode}
			if c.Ledger != config.LedgerFabric || c.Fabric != want {
				t.Errorf("fabric %+v, want %+v", c.Fabric, want)
			}
			if !reflect.DeepEqual(c.Regulators, []string{"RegulatorMSP"}) {
				t.Errorf("regulators %q, want the chaincode's default RegulatorMSP", c.Regulators)
			}
		}},
		{name: "fabric regulators from the environment, as RXLEDGER_REGULATOR_MSPS writes them", env: map[string]string{
			"RXLEDGER_REGULATORS": " StateBoardMSP, FdaMSP ,", "RXLEDGER_LEDGER": "fabric", "RXLEDGER_FABRIC_PEER": "localhost:7051",
			"RXLEDGER_FABRIC_TLS_CA": "/ca.pem", "RXLEDGER_FABRIC_IDENTITIES": "/ids",
		}, check: func(t *testing.T, c config.Config) {
			t.Helper()
			if !reflect.DeepEqual(c.Regulators, []string{"StateBoardMSP", "FdaMSP"}) {
				t.Errorf("regulators %q, want StateBoardMSP then FdaMSP, in the setting's order", c.Regulators)
			}
		}},
		{name: "fabric regulators: the flag wins", args: []string{"--regulators", "FdaMSP"}, env: map[string]string{
			"RXLEDGER_REGULATORS": "StateBoardMSP", "RXLEDGER_LEDGER": "fabric", "RXLEDGER_FABRIC_PEER": "localhost:7051",
			"RXLEDGER_FABRIC_TLS_CA": "/ca.pem", "RXLEDGER_FABRIC_IDENTITIES": "/ids",
		}, check: func(t *testing.T, c config.Config) {
			t.Helper()
			if !reflect.DeepEqual(c.Regulators, []string{"FdaMSP"}) {
				t.Errorf("regulators %q, want FdaMSP", c.Regulators)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse(tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error
	}{
		{name: "bad address", args: []string{"--addr", "8080"}, want: "--addr"},
		{name: "empty data dir", args: []string{"--data", " "}, want: "--data"},
		{name: "bad metrics address", args: []string{"--metrics-addr", "9100"}, want: "--metrics-addr"},
		{name: "metrics on the API address", args: []string{"--addr", "127.0.0.1:8080", "--metrics-addr", "127.0.0.1:8080"}, want: "give the metrics an address of their own"},
		{name: "redis URL scheme", args: []string{"--redis", "http://127.0.0.1:6379"}, want: "--redis"},
		{name: "redis URL without host", args: []string{"--redis", "redis://"}, want: "no host"},
		{name: "unknown ledger", args: []string{"--ledger", "postgres"}, want: "--ledger"},
		{name: "fabric without settings", args: []string{"--ledger", "fabric"}, want: "--fabric-peer is required"},
		{name: "fabric peer not host:port", args: []string{"--ledger", "fabric", "--fabric-peer", "peer0", "--fabric-tls-ca", "x", "--fabric-identities", "y"}, want: "--fabric-peer"},
		{name: "demo on fabric", args: []string{"--ledger", "fabric", "--demo"}, want: "--demo"},
		{name: "consortium on fabric", args: []string{"--ledger", "fabric", "--consortium", "c.json"}, want: "--consortium is for the embedded ledger only"},
		{name: "consortium variable on fabric", args: []string{"--ledger", "fabric"}, env: map[string]string{"RXLEDGER_CONSORTIUM": "c.json"},
			want: "--consortium is for the embedded ledger only"},
		{name: "signing keys on fabric", args: []string{"--ledger", "fabric", "--signing-keys", "keys"}, want: "--signing-keys is for the embedded ledger only"},
		{name: "regulators on the embedded ledger", args: []string{"--regulators", "StateBoardMSP"},
			want: "--regulators is for --ledger fabric only: on the embedded ledger the regulators are the organisations with the regulator role in the consortium file"},
		{name: "regulators variable on the embedded ledger", env: map[string]string{"RXLEDGER_REGULATORS": "RegulatorMSP"},
			want: "--regulators is for --ledger fabric only"},
		{name: "regulators naming none", args: []string{"--ledger", "fabric", "--fabric-peer", "localhost:7051", "--fabric-tls-ca", "ca.pem", "--fabric-identities", "ids", "--regulators", " , "}, want: `--regulators: " , " names no MSP ID`},
		{name: "regulators without a comma", args: []string{"--ledger", "fabric", "--fabric-peer", "localhost:7051", "--fabric-tls-ca", "ca.pem", "--fabric-identities", "ids", "--regulators", "StateBoardMSP FdaMSP"},
			want: `--regulators: "StateBoardMSP FdaMSP": an MSP ID has no spaces; separate MSP IDs with commas`},
		{name: "a regulator twice", args: []string{"--ledger", "fabric", "--fabric-peer", "localhost:7051", "--fabric-tls-ca", "ca.pem", "--fabric-identities", "ids", "--regulators", "FdaMSP,StateBoardMSP,FdaMSP"}, want: "--regulators: FdaMSP is listed twice"},
		{name: "unknown role", args: []string{"--roles", "verify,mint"}, want: `"mint"`},
		{name: "log level", args: []string{"--log-level", "loud"}, want: "--log-level"},
		{name: "body limit", args: []string{"--max-body", "0"}, want: "--max-body"},
		{name: "negative ledger cache", args: []string{"--ledger-cache-mb", "-1"}, want: "--ledger-cache-mb"},
		{name: "access log mode", args: []string{"--access-log", "some"}, want: "--access-log"},
		{name: "responder GLN check digit", args: []string{"--responder-gln", "0312345000005"}, want: "--responder-gln"},
		{name: "responder GLN length", env: map[string]string{"RXLEDGER_RESPONDER_GLN": "031234500000"}, want: "--responder-gln"},
		{name: "responder GLN not digits", args: []string{"--responder-gln", "031234500000X"}, want: "--responder-gln"},
		{name: "bad bool variable", env: map[string]string{"RXLEDGER_DEMO": "maybe"}, want: "RXLEDGER_DEMO"},
		{name: "bad integer variable", env: map[string]string{"RXLEDGER_MAX_BODY": "lots"}, want: "RXLEDGER_MAX_BODY"},
		{name: "bad duration variable", env: map[string]string{"RXLEDGER_SHUTDOWN_TIMEOUT": "soon"}, want: "RXLEDGER_SHUTDOWN_TIMEOUT"},
		{name: "unknown flag", args: []string{"--nope"}, want: "nope"},
		{name: "stray argument", args: []string{"extra"}, want: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse(tt.args, env(tt.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestHelpNamesEveryVariable(t *testing.T) {
	var out bytes.Buffer
	_, err := config.Parse([]string{"-h"}, env(nil), &out)
	if !errors.Is(err, config.ErrHelp) {
		t.Fatalf("Parse(-h) error %v, want ErrHelp", err)
	}
	help := out.String()
	for _, name := range []string{"addr", "data", "redis", "ledger", "roles", "demo", "log-level", "access-log", "max-body",
		"shutdown-timeout", "fabric-peer", "fabric-tls-ca", "fabric-server-name", "fabric-channel",
		"fabric-chaincode", "fabric-identities", "verify-max-lag", "ledger-cache-mb", "responder-gln", "consortium", "signing-keys",
		"regulators", "verify-audit-every", "verify-absent-ttl", "metrics-addr"} {
		if !strings.Contains(help, "-"+name) || !strings.Contains(help, "(env "+config.EnvName(name)+")") {
			t.Errorf("help lacks -%s or its variable %s", name, config.EnvName(name))
		}
	}
	if n := strings.Count(help, "(env RXLEDGER_"); n != 25 {
		t.Errorf("help names %d variables, want 25 (a flag was added without its test entry?)", n)
	}
}

func TestRedactedRedisURL(t *testing.T) {
	c := config.Config{RedisURL: "redis://user:s3cret@127.0.0.1:6379/0"}
	if got := c.RedactedRedisURL(); strings.Contains(got, "s3cret") || !strings.Contains(got, "127.0.0.1:6379") {
		t.Errorf("RedactedRedisURL = %q", got)
	}
}

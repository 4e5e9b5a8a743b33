// Command rxledger-cc runs rxledger's DSCSA chaincode as a service
// (chaincode-as-a-service), the way Fabric's external builders expect: the
// peer connects to it at CHAINCODE_SERVER_ADDRESS and the process identifies
// itself with CHAINCODE_ID, the installed package ID.
//
// Environment:
//
//	CHAINCODE_ID               installed package ID (label:hash), required
//	CHAINCODE_SERVER_ADDRESS   listen address, e.g. 0.0.0.0:9999, required
//	CHAINCODE_TLS_DISABLED     "true" to serve without TLS (default when no key is given)
//	CHAINCODE_TLS_KEY_FILE     PEM private key of the server certificate
//	CHAINCODE_TLS_CERT_FILE    PEM server certificate
//	CHAINCODE_TLS_CLIENT_CA_FILE PEM CA of peer client certificates (enables mutual TLS)
//	RXLEDGER_REGULATOR_MSPS    comma-separated regulator MSP IDs (default RegulatorMSP);
//	                           every endorser must use the same list
//	RXLEDGER_REQUIRE_SALT      "false" to accept a Capture without a salt (default: refused)
//	                           (chaincode.Config.RequireSalt); every endorser
//	                           must use the same setting
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"rxledger/chaincode"
	"rxledger/chaincode/fabric"
)

// config is the process configuration, read from the environment.
type config struct {
	ccID, address             string
	tlsDisabled               bool
	keyFile, certFile, caFile string
	regulators                []string
	requireSalt               bool
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "rxledger-cc")
	if err := run(log); err != nil {
		log.Error("chaincode server stopped", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	tlsProps, err := cfg.tls()
	if err != nil {
		return err
	}
	cc := chaincode.New(chaincode.Config{Regulators: cfg.regulators, RequireSalt: cfg.requireSalt})
	server := &shim.ChaincodeServer{
		CCID:     cfg.ccID,
		Address:  cfg.address,
		CC:       fabric.New(cc),
		TLSProps: tlsProps,
	}
	log.Info("serving chaincode", "ccid", cfg.ccID, "address", cfg.address, "tls", !tlsProps.Disabled, "regulators", cfg.regulators, "requireSalt", cfg.requireSalt)
	return server.Start()
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		ccID:     getenv("CHAINCODE_ID"),
		address:  getenv("CHAINCODE_SERVER_ADDRESS"),
		keyFile:  getenv("CHAINCODE_TLS_KEY_FILE"),
		certFile: getenv("CHAINCODE_TLS_CERT_FILE"),
		caFile:   getenv("CHAINCODE_TLS_CLIENT_CA_FILE"),
	}
	if c.ccID == "" || c.address == "" {
		return c, errors.New("CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS are required")
	}
	c.tlsDisabled = getenv("CHAINCODE_TLS_DISABLED") == "true" || c.keyFile == ""
	switch v := getenv("RXLEDGER_REQUIRE_SALT"); v {
	case "", "true":
		c.requireSalt = true
	case "false":
	default:
		return c, fmt.Errorf("RXLEDGER_REQUIRE_SALT %q: want true or false", v)
	}
	c.regulators = chaincode.DefaultConfig().Regulators
	if v := getenv("RXLEDGER_REGULATOR_MSPS"); v != "" {
		c.regulators = nil
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.regulators = append(c.regulators, r)
			}
		}
	}
	return c, nil
}

func (c config) tls() (shim.TLSProperties, error) {
	if c.tlsDisabled {
		return shim.TLSProperties{Disabled: true}, nil
	}
	var p shim.TLSProperties
	var err error
	if p.Key, err = os.ReadFile(c.keyFile); err != nil {
		return p, fmt.Errorf("read TLS key: %w", err)
	}
	if c.certFile == "" {
		return p, errors.New("CHAINCODE_TLS_CERT_FILE is required with a TLS key")
	}
	if p.Cert, err = os.ReadFile(c.certFile); err != nil {
		return p, fmt.Errorf("read TLS certificate: %w", err)
	}
	if c.caFile != "" {
		if p.ClientCACerts, err = os.ReadFile(c.caFile); err != nil {
			return p, fmt.Errorf("read TLS client CA: %w", err)
		}
	}
	return p, nil
}

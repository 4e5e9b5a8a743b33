// Command baseline is a trivial chaincode run as a service. Its "put" writes
// one key and nothing else: it runs on the rxledger Fabric network under its
// own chaincode name to measure what the network itself costs per
// transaction, the baseline the rxledger chaincode's throughput is compared
// with (deploy/fabric/RESULTS.md). Its other functions exercise what the
// Fabric ledger adapter (services/ledger/fabric) must handle without
// depending on the DSCSA chaincode: chaincode events, read conflicts, private
// data in implicit collections and chaincode errors.
//
// Environment (the same variables as chaincode/cmd/rxledger-cc):
//
//	CHAINCODE_ID                  installed package ID, required
//	CHAINCODE_SERVER_ADDRESS      host:port to listen on, required
//	CHAINCODE_TLS_KEY_FILE        PEM key of the server certificate; without it the server has no TLS
//	CHAINCODE_TLS_CERT_FILE       PEM server certificate
//	CHAINCODE_TLS_CLIENT_CA_FILE  PEM CA of the peer's client certificate (mutual TLS)
package main

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

func main() {
	tlsProps, err := tlsFromEnv(os.Getenv)
	if err != nil {
		log.Fatalf("baseline chaincode: %v", err)
	}
	server := &shim.ChaincodeServer{
		CCID:     os.Getenv("CHAINCODE_ID"),
		Address:  os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		CC:       baseline{},
		TLSProps: tlsProps,
	}
	if err := server.Start(); err != nil {
		log.Fatalf("baseline chaincode: %v", err)
	}
}

// tlsFromEnv reads the server's TLS settings: none without a key file.
func tlsFromEnv(getenv func(string) string) (shim.TLSProperties, error) {
	keyFile := getenv("CHAINCODE_TLS_KEY_FILE")
	if keyFile == "" {
		return shim.TLSProperties{Disabled: true}, nil
	}
	certFile := getenv("CHAINCODE_TLS_CERT_FILE")
	if certFile == "" {
		return shim.TLSProperties{}, errors.New("CHAINCODE_TLS_CERT_FILE is required with CHAINCODE_TLS_KEY_FILE")
	}
	var p shim.TLSProperties
	var err error
	if p.Key, err = os.ReadFile(keyFile); err != nil {
		return p, fmt.Errorf("read TLS key: %w", err)
	}
	if p.Cert, err = os.ReadFile(certFile); err != nil {
		return p, fmt.Errorf("read TLS certificate: %w", err)
	}
	if caFile := getenv("CHAINCODE_TLS_CLIENT_CA_FILE"); caFile != "" {
		if p.ClientCACerts, err = os.ReadFile(caFile); err != nil {
			return p, fmt.Errorf("read TLS client CA: %w", err)
		}
	}
	return p, nil
}

// Command baseline is a trivial chaincode run as a service. Its "put" writes
// one key and nothing else: it runs on the rxledger Fabric network under its
// own chaincode name to measure what the network itself costs per
// transaction, the baseline the rxledger chaincode's throughput is compared
// with (deploy/fabric/RESULTS.md). Its other functions exercise what the
// Fabric ledger adapter (services/ledger/fabric) must handle without
// depending on the DSCSA chaincode: chaincode events, read conflicts, private
// data in implicit collections and chaincode errors.
//
// Environment: CHAINCODE_ID (the installed package ID) and
// CHAINCODE_SERVER_ADDRESS (host:port to listen on).
package main

import (
	"log"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

func main() {
	server := &shim.ChaincodeServer{
		CCID:     os.Getenv("CHAINCODE_ID"),
		Address:  os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		CC:       baseline{},
		TLSProps: shim.TLSProperties{Disabled: true},
	}
	if err := server.Start(); err != nil {
		log.Fatalf("baseline chaincode: %v", err)
	}
}

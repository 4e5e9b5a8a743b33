// Command baseline is a trivial chaincode run as a service: "put" writes one
// key, "get" reads it back. It runs on the rxledger Fabric network under its
// own chaincode name to measure what the network itself costs per
// transaction, the baseline the rxledger chaincode's throughput is compared
// with (deploy/fabric/RESULTS.md).
//
// Environment: CHAINCODE_ID (the installed package ID) and
// CHAINCODE_SERVER_ADDRESS (host:port to listen on).
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// putChaincode implements shim.Chaincode.
type putChaincode struct{}

// Init does nothing: the new lifecycle calls it only when asked to.
func (putChaincode) Init(shim.ChaincodeStubInterface) *peer.Response {
	return shim.Success(nil)
}

// Invoke runs "put key value" or "get key".
func (putChaincode) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	function, args := stub.GetFunctionAndParameters()
	switch function {
	case "put":
		if len(args) != 2 {
			return shim.Error(fmt.Sprintf("put wants 2 arguments (key, value), got %d", len(args)))
		}
		if err := stub.PutState(args[0], []byte(args[1])); err != nil {
			return shim.Error(fmt.Sprintf("put %q: %v", args[0], err))
		}
		return shim.Success(nil)
	case "get":
		if len(args) != 1 {
			return shim.Error(fmt.Sprintf("get wants 1 argument (key), got %d", len(args)))
		}
		value, err := stub.GetState(args[0])
		if err != nil {
			return shim.Error(fmt.Sprintf("get %q: %v", args[0], err))
		}
		return shim.Success(value)
	default:
		return shim.Error(fmt.Sprintf("unknown function %q", function))
	}
}

func main() {
	server := &shim.ChaincodeServer{
		CCID:     os.Getenv("CHAINCODE_ID"),
		Address:  os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		CC:       putChaincode{},
		TLSProps: shim.TLSProperties{Disabled: true},
	}
	if err := server.Start(); err != nil {
		log.Fatalf("baseline chaincode: %v", err)
	}
}

package fabric

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"rxledger/chaincode"
)

// Chaincode is the DSCSA chaincode as a shim.Chaincode.
type Chaincode struct {
	fn chaincode.Func
}

var _ shim.Chaincode = (*Chaincode)(nil)

// New returns a shim.Chaincode running fn (chaincode.Invoke, or
// chaincode.New with the channel's configuration).
func New(fn chaincode.Func) *Chaincode { return &Chaincode{fn: fn} }

// Init does nothing: the chaincode keeps no configuration in state.
func (c *Chaincode) Init(shim.ChaincodeStubInterface) *peer.Response { return shim.Success(nil) }

// Invoke runs the function named in the proposal. A refusal's message is
// the chaincode's JSON RuleError (chaincode.ParseRuleError reads it back).
// A panic is answered as an error, with its stack on the chaincode server's
// standard error, rather than ending the server (the shim does not recover
// it): one bad proposal must not take the chaincode away from every peer
// that runs it, as the embedded ledger also turns a panic into an error.
func (c *Chaincode) Invoke(stub shim.ChaincodeStubInterface) (resp *peer.Response) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "rxledger-cc: panic in transaction %s: %v\n%s", stub.GetTxID(), p, debug.Stack())
			resp = shim.Error(fmt.Sprintf("rxledger-cc: internal error in transaction %s", stub.GetTxID()))
		}
	}()
	st, err := NewState(stub)
	if err != nil {
		return shim.Error("rxledger-cc: " + err.Error())
	}
	function, args := stub.GetFunctionAndParameters()
	out, err := c.fn(st, function, args)
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(out)
}

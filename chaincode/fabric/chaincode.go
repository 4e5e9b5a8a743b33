package fabric

import (
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
func (c *Chaincode) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
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

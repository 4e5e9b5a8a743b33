package main

import (
	"fmt"
	"strconv"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// baseline implements shim.Chaincode.
type baseline struct{}

// function is one chaincode function: its argument count and body.
type function struct {
	nargs int
	run   func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error)
}

var functions = map[string]function{
	// put KEY VALUE writes a key: the throughput baseline.
	"put": {2, func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		return nil, stub.PutState(args[0], []byte(args[1]))
	}},
	// get KEY reads a key.
	"get": {1, func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		return stub.GetState(args[0])
	}},
	// putEvent KEY VALUE writes a key and emits the event "put" carrying KEY.
	"putEvent": {2, func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		if err := stub.PutState(args[0], []byte(args[1])); err != nil {
			return nil, err
		}
		return nil, stub.SetEvent("put", []byte(args[0]))
	}},
	// incr KEY reads a counter and writes it plus one, emitting the event
	// "incr" with the new value: two increments endorsed on the same version
	// conflict.
	"incr": {1, func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		raw, err := stub.GetState(args[0])
		if err != nil {
			return nil, err
		}
		n := 0
		if raw != nil {
			if n, err = strconv.Atoi(string(raw)); err != nil {
				return nil, fmt.Errorf("counter %q holds %q, not a number", args[0], raw)
			}
		}
		value := []byte(strconv.Itoa(n + 1))
		if err := stub.PutState(args[0], value); err != nil {
			return nil, err
		}
		return value, stub.SetEvent("incr", value)
	}},
	// putPrivate KEY ORG... writes the transient value "value" under KEY into
	// the implicit collection of each organisation ORG.
	"putPrivate": {-2, func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		transient, err := stub.GetTransient()
		if err != nil {
			return nil, err
		}
		value, ok := transient["value"]
		if !ok {
			return nil, fmt.Errorf(`transient key "value" is missing`)
		}
		for _, org := range args[1:] {
			if err := stub.PutPrivateData("_implicit_org_"+org, args[0], value); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}},
	// getPrivate ORG KEY reads KEY from ORG's implicit collection.
	"getPrivate": {2, func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		return stub.GetPrivateData("_implicit_org_"+args[0], args[1])
	}},
	// putmany PREFIX N SIZE writes N keys PREFIX/0 ... PREFIX/N-1 with
	// SIZE-byte values in one transaction: what the network costs per key
	// when a transaction writes many (batched commissioning writes one key
	// per serial and more). It returns N.
	"putmany": {3, func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		return putMany(stub, args, false)
	}},
	// readputmany PREFIX N SIZE is putmany that first reads each key and
	// refuses if it exists, as commissioning checks a serial is new: every
	// key is also in the transaction's read set.
	"readputmany": {3, func(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		return putMany(stub, args, true)
	}},
	// refuse JSON returns an error with the message JSON, as the rxledger
	// chaincode does for a rule violation.
	"refuse": {1, func(_ shim.ChaincodeStubInterface, args []string) ([]byte, error) {
		return nil, fmt.Errorf("%s", args[0])
	}},
}

// Bounds of putmany's arguments: a transaction stays well under the
// channel's AbsoluteMaxBytes (10 MB).
const (
	maxManyKeys  = 20000
	maxValueSize = 4096
)

// putMany writes the keys of putmany and readputmany.
func putMany(stub shim.ChaincodeStubInterface, args []string, readFirst bool) ([]byte, error) {
	prefix := args[0]
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 || n > maxManyKeys {
		return nil, fmt.Errorf("key count %q: want 1 to %d", args[1], maxManyKeys)
	}
	size, err := strconv.Atoi(args[2])
	if err != nil || size < 0 || size > maxValueSize {
		return nil, fmt.Errorf("value size %q: want 0 to %d", args[2], maxValueSize)
	}
	value := make([]byte, size)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	for i := range n {
		key := prefix + "/" + strconv.Itoa(i)
		if readFirst {
			old, err := stub.GetState(key)
			if err != nil {
				return nil, err
			}
			if old != nil {
				return nil, fmt.Errorf("key %s exists", key)
			}
		}
		if err := stub.PutState(key, value); err != nil {
			return nil, err
		}
	}
	return []byte(strconv.Itoa(n)), nil
}

// Init does nothing: the new lifecycle calls it only when asked to.
func (baseline) Init(shim.ChaincodeStubInterface) *peer.Response {
	return shim.Success(nil)
}

// Invoke runs the named function. A negative argument count is a minimum.
func (baseline) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	name, args := stub.GetFunctionAndParameters()
	fn, ok := functions[name]
	if !ok {
		return shim.Error(fmt.Sprintf("unknown function %q", name))
	}
	if (fn.nargs >= 0 && len(args) != fn.nargs) || (fn.nargs < 0 && len(args) < -fn.nargs) {
		return shim.Error(fmt.Sprintf("%s: wrong number of arguments (%d)", name, len(args)))
	}
	result, err := fn.run(stub, args)
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(result)
}

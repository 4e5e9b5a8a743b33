// Package fabric runs rxledger's DSCSA chaincode on a Hyperledger Fabric
// peer: State adapts the shim's ChaincodeStubInterface to chaincode.State,
// and Chaincode is a plain shim.Chaincode whose Invoke calls the chaincode's
// dispatcher.
//
// A plain shim.Chaincode is used rather than fabric-contract-api-go: the
// dispatcher already routes functions, validates arguments and shapes its
// errors as JSON, and the same dispatcher runs in the embedded ledger; the
// contract API would add reflection-based routing and metadata for the Fabric
// build only, and a second error format.
//
// Block numbers: Fabric's history API gives a change's transaction ID and
// timestamp but not its block, so History entries carry block 0 here; the
// service layer resolves the block from the transaction ID (qscc
// GetBlockByTxID) when it needs it.
package fabric

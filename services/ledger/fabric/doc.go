// Package fabric implements the ledger port (rxledger/services/ledger) on a
// Hyperledger Fabric network through the Fabric Gateway (fabric-gateway
// v1.10): the peers of the organisations the process acts for endorse, the
// ordering service orders, and the rxledger chaincode, run as a service by
// each organisation, applies the DSCSA rules.
//
// A Ledger holds one signing identity per organisation it is configured
// with (usually one: the organisation running the service) and one gRPC
// connection per gateway peer, shared by all its calls. Submit and Evaluate as
// any other organisation are refused with Forbidden.
//
// Private data travels in the transient map and is written by the chaincode
// into the implicit collections of the parties and the regulator. Fabric
// requires an organisation's endorsement for a write into its implicit
// collection, and the gateway refuses to choose endorsers itself when the
// transient data would reach organisations outside those collections, naming
// the collections instead; Submit then asks exactly the organisations owning
// them to endorse. So transient data reaches only the peers of the
// organisations that keep a copy of it.
//
// Errors are *ledger.Error values: a chaincode refusal carries the code of the
// chaincode's JSON error message, an MVCC or phantom read conflict is
// Conflict (retry), and an unreachable or unready peer, orderer or chaincode
// server is Unavailable.
package fabric

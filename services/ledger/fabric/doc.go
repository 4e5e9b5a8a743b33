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
// into the implicit collections of the parties and the regulators. Fabric
// requires an organisation's endorsement for a write into its implicit
// collection, and the transient data must reach no organisation outside
// those collections. Submit therefore has the submitting organisation and the
// regulators (always owners of a copy) endorse a transaction with transient
// data, reads from the endorsed transaction which collections it writes, and
// if another party's is among them has the proposal endorsed again by all
// owners. So transient data reaches only the peers of the organisations that
// keep a copy of it.
//
// Custody history answers (the chaincode's History) get the block number of
// each entry, which Fabric's history database does not give the chaincode,
// from the caller's gateway peer, as the caller (the Gateway's CommitStatus
// service); see history.go.
//
// Errors are *ledger.Error values: a chaincode refusal, read back from the
// chaincode's JSON error message, is built by ledger.Refused as on the
// embedded ledger (its code, rule, event index and EPC), an MVCC or phantom read conflict is
// Conflict (retry), and an unreachable or unready peer, orderer or chaincode
// server is Unavailable.
package fabric

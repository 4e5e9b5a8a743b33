package chaincode

import "time"

// State is the narrow view of the ledger the DSCSA rules run against. A
// Fabric chaincode stub satisfies it through the adapter in chaincode/fabric;
// the embedded ledger satisfies it directly. Everything the rules may depend
// on comes through here, which keeps them deterministic: the time is the
// transaction's, the caller is the transaction's creator.
type State interface {
	// TxID is the transaction's ID; TxTime its timestamp (from the proposal,
	// identical on every endorser).
	TxID() string
	TxTime() time.Time
	// Creator is the MSP ID of the organisation that signed the proposal.
	Creator() string

	// GetState reads a key of the shared world state; nil when absent.
	GetState(key string) ([]byte, error)
	PutState(key string, value []byte) error
	DelState(key string) error
	// Range calls fn for each key in [start, end) in key order until fn
	// returns false or an error. An empty end means "to the end".
	Range(start, end string, fn func(key string, value []byte) (bool, error)) error
	// History calls fn for each committed change of key, oldest first.
	History(key string, fn func(HistoryEntry) (bool, error)) error

	// Private data: kept only by the organisations of the collection; the
	// shared state and the blocks hold only its hash.
	GetPrivateData(collection, key string) ([]byte, error)
	PutPrivateData(collection, key string, value []byte) error
	// GetPrivateDataHash returns the SHA-256 of a private value as every
	// organisation can see it, whether or not it holds the collection.
	GetPrivateDataHash(collection, key string) ([]byte, error)
	// Transient is the proposal's transient map: input that is never written
	// to a block.
	Transient() (map[string][]byte, error)

	// SetEvent sets the transaction's one chaincode event (a later call
	// replaces an earlier one).
	SetEvent(name string, payload []byte) error
}

// HistoryEntry is one committed change of a key.
type HistoryEntry struct {
	TxID      string
	Block     uint64
	Timestamp time.Time
	Value     []byte // nil when IsDelete
	IsDelete  bool
}

// Func is the entry point a ledger calls: run the named function with its
// arguments against st and return its result. A returned error makes the
// ledger discard every write of the transaction.
type Func func(st State, function string, args []string) ([]byte, error)

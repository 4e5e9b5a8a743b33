package fabric

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"rxledger/chaincode"
)

// State is chaincode.State over a Fabric chaincode stub.
type State struct {
	stub    shim.ChaincodeStubInterface
	creator string
	txTime  time.Time
}

var _ chaincode.State = (*State)(nil)

// NewState wraps stub, reading the creator's MSP ID and the proposal's
// timestamp once.
func NewState(stub shim.ChaincodeStubInterface) (*State, error) {
	raw, err := stub.GetCreator()
	if err != nil {
		return nil, fmt.Errorf("read creator: %w", err)
	}
	var id msp.SerializedIdentity
	if err := proto.Unmarshal(raw, &id); err != nil {
		return nil, fmt.Errorf("decode creator identity: %w", err)
	}
	if id.Mspid == "" {
		return nil, errors.New("creator identity has no MSP ID")
	}
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return nil, fmt.Errorf("read tx timestamp: %w", err)
	}
	return &State{stub: stub, creator: id.Mspid, txTime: ts.AsTime().UTC()}, nil
}

// TxID is the transaction ID.
func (s *State) TxID() string { return s.stub.GetTxID() }

// TxTime is the proposal's timestamp.
func (s *State) TxTime() time.Time { return s.txTime }

// Creator is the MSP ID of the proposal's signer.
func (s *State) Creator() string { return s.creator }

// GetState reads a world-state key.
func (s *State) GetState(key string) ([]byte, error) { return s.stub.GetState(key) }

// PutState writes a world-state key.
func (s *State) PutState(key string, value []byte) error { return s.stub.PutState(key, value) }

// DelState deletes a world-state key.
func (s *State) DelState(key string) error { return s.stub.DelState(key) }

// rangeChunk is how many records one range query reads before Range
// starts the next one after the last key read. A peer ends a range query
// at its ledger.state.totalQueryLimit (100,000 by default) without an
// error, as if the range ended there: a lot of more than that many
// randomised serials would be cut short. Each query counts on its own, so
// queries of rangeChunk records read a range of any length while
// totalQueryLimit is at least rangeChunk. A variable for tests.
var rangeChunk = 10_000

// Range iterates GetStateByRange, in queries of rangeChunk records.
func (s *State) Range(start, end string, fn func(key string, value []byte) (bool, error)) error {
	for {
		n, last, done, err := s.rangeOnce(start, end, fn)
		if err != nil || done || n < rangeChunk {
			return err
		}
		start = last + "\x00" // the first key after last
	}
}

// rangeOnce reads up to rangeChunk records of [start, end) into fn; done
// is set when fn stopped the walk.
func (s *State) rangeOnce(start, end string, fn func(key string, value []byte) (bool, error)) (n int, last string, done bool, err error) {
	it, err := s.stub.GetStateByRange(start, end)
	if err != nil {
		return 0, "", false, err
	}
	defer it.Close()
	for n < rangeChunk && it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return n, last, false, err
		}
		n, last = n+1, kv.Key
		more, err := fn(kv.Key, kv.Value)
		if err != nil || !more {
			return n, last, true, err
		}
	}
	return n, last, false, nil
}

// History gives the changes of key oldest first. Fabric returns them newest
// first, so they are collected and reversed; Block is 0 (see the package doc).
func (s *State) History(key string, fn func(chaincode.HistoryEntry) (bool, error)) error {
	it, err := s.stub.GetHistoryForKey(key)
	if err != nil {
		return err
	}
	defer it.Close()
	var all []chaincode.HistoryEntry
	for it.HasNext() {
		m, err := it.Next()
		if err != nil {
			return err
		}
		h := chaincode.HistoryEntry{TxID: m.TxId, IsDelete: m.IsDelete}
		if m.Timestamp != nil {
			h.Timestamp = m.Timestamp.AsTime().UTC()
		}
		if !m.IsDelete {
			h.Value = m.Value
		}
		all = append(all, h)
	}
	slices.Reverse(all)
	for _, h := range all {
		more, err := fn(h)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// GetPrivateData reads private data; the chaincode reads only the caller's
// implicit collection, and this adapter refuses any other, as the embedded
// ledger does.
func (s *State) GetPrivateData(collection, key string) ([]byte, error) {
	if collection != chaincode.ImplicitCollection(s.creator) {
		return nil, fmt.Errorf("read of collection %s by %s refused", collection, s.creator)
	}
	return s.stub.GetPrivateData(collection, key)
}

// PutPrivateData writes private data.
func (s *State) PutPrivateData(collection, key string, value []byte) error {
	return s.stub.PutPrivateData(collection, key, value)
}

// GetPrivateDataHash reads the on-chain hash of a private value.
func (s *State) GetPrivateDataHash(collection, key string) ([]byte, error) {
	return s.stub.GetPrivateDataHash(collection, key)
}

// Transient is the proposal's transient map.
func (s *State) Transient() (map[string][]byte, error) { return s.stub.GetTransient() }

// SetEvent sets the transaction's chaincode event.
func (s *State) SetEvent(name string, payload []byte) error { return s.stub.SetEvent(name, payload) }

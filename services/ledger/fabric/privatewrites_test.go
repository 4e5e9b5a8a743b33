package fabric

import (
	"slices"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// collAccess is one private collection a test transaction touches.
type collAccess struct {
	name  string
	write bool // else only read
}

// preparedTx builds a transaction as the gateway prepares it (serialised
// gateway.PreparedTransaction) whose read-write set touches colls.
func preparedTx(t *testing.T, colls ...collAccess) []byte {
	t.Helper()
	ns := &rwset.NsReadWriteSet{Namespace: "rxledger", Rwset: mustMarshal(t, &kvrwset.KVRWSet{})}
	for _, c := range colls {
		hashed := &kvrwset.HashedRWSet{HashedReads: []*kvrwset.KVReadHash{{KeyHash: []byte("k")}}}
		if c.write {
			hashed.HashedWrites = []*kvrwset.KVWriteHash{{KeyHash: []byte("k"), ValueHash: []byte("v")}}
		}
		ns.CollectionHashedRwset = append(ns.CollectionHashedRwset, &rwset.CollectionHashedReadWriteSet{
			CollectionName: c.name, HashedRwset: mustMarshal(t, hashed),
		})
	}
	results := &rwset.TxReadWriteSet{DataModel: rwset.TxReadWriteSet_KV, NsRwset: []*rwset.NsReadWriteSet{ns}}
	action := &peer.ChaincodeAction{Results: mustMarshal(t, results)}
	response := &peer.ProposalResponsePayload{Extension: mustMarshal(t, action)}
	ccPayload := &peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: mustMarshal(t, response)}}
	tx := &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: mustMarshal(t, ccPayload)}}}
	header := &common.ChannelHeader{Type: int32(common.HeaderType_ENDORSER_TRANSACTION), TxId: "tx1", ChannelId: "rxledger"}
	payload := &common.Payload{Header: &common.Header{ChannelHeader: mustMarshal(t, header)}, Data: mustMarshal(t, tx)}
	return mustMarshal(t, &gateway.PreparedTransaction{TransactionId: "tx1", Envelope: &common.Envelope{Payload: mustMarshal(t, payload)}})
}

func TestPrivateWriteOrgs(t *testing.T) {
	tests := []struct {
		name     string
		prepared func(t *testing.T) []byte
		want     []string
		error    string
	}{
		{"no private data", func(t *testing.T) []byte { return preparedTx(t) }, nil, ""},
		{"writes of the parties and the regulator, sorted and distinct", func(t *testing.T) []byte {
			return preparedTx(t,
				collAccess{"_implicit_org_WholesalerMSP", true},
				collAccess{"_implicit_org_RegulatorMSP", true},
				collAccess{"_implicit_org_ManufacturerMSP", true},
				collAccess{"_implicit_org_RegulatorMSP", true})
		}, []string{"ManufacturerMSP", "RegulatorMSP", "WholesalerMSP"}, ""},
		{"a collection only read is not written", func(t *testing.T) []byte {
			return preparedTx(t, collAccess{"_implicit_org_ManufacturerMSP", false}, collAccess{"_implicit_org_RegulatorMSP", true})
		}, []string{"RegulatorMSP"}, ""},
		{"an explicit collection", func(t *testing.T) []byte {
			return preparedTx(t, collAccess{"tradeSecrets", true})
		}, nil, `collection "tradeSecrets"`},
		{"not a prepared transaction", func(*testing.T) []byte { return []byte{0xff, 0xff} }, nil, "prepared transaction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := privateWriteOrgs(tt.prepared(t))
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("error %v, want one containing %q", err, tt.error)
				}
				return
			}
			if err != nil {
				t.Fatalf("privateWriteOrgs: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("orgs %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTrustedEndorsers(t *testing.T) {
	l := &Ledger{cfg: Config{Regulators: []string{"RegulatorMSP", "StateBoardMSP"}}}
	tests := []struct {
		org  string
		want []string
	}{
		{"WholesalerMSP", []string{"RegulatorMSP", "StateBoardMSP", "WholesalerMSP"}},
		{"RegulatorMSP", []string{"RegulatorMSP", "StateBoardMSP"}},
	}
	for _, tt := range tests {
		t.Run(tt.org, func(t *testing.T) {
			if got := l.trustedEndorsers(tt.org); !slices.Equal(got, tt.want) {
				t.Errorf("trustedEndorsers(%s) = %v, want %v", tt.org, got, tt.want)
			}
		})
	}
}

package fabric

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// txSpec describes one transaction of a test block.
type txSpec struct {
	txID      string
	kind      common.HeaderType
	chaincode string // of the event; "" for no event
	event     string
	flag      peer.TxValidationCode
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// envelope builds a transaction envelope as peers commit it.
func envelope(t *testing.T, s txSpec) []byte {
	t.Helper()
	action := &peer.ChaincodeAction{}
	if s.chaincode != "" {
		action.Events = mustMarshal(t, &peer.ChaincodeEvent{ChaincodeId: s.chaincode, TxId: s.txID, EventName: s.event, Payload: []byte("payload of " + s.txID)})
	}
	response := &peer.ProposalResponsePayload{Extension: mustMarshal(t, action)}
	ccPayload := &peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: mustMarshal(t, response)}}
	tx := &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: mustMarshal(t, ccPayload)}}}
	header := &common.ChannelHeader{Type: int32(s.kind), TxId: s.txID, ChannelId: "rxledger"}
	payload := &common.Payload{Header: &common.Header{ChannelHeader: mustMarshal(t, header)}, Data: mustMarshal(t, tx)}
	return mustMarshal(t, &common.Envelope{Payload: mustMarshal(t, payload)})
}

func testBlock(t *testing.T, number uint64, txs ...txSpec) *common.Block {
	t.Helper()
	b := &common.Block{
		Header:   &common.BlockHeader{Number: number},
		Data:     &common.BlockData{},
		Metadata: &common.BlockMetadata{Metadata: make([][]byte, len(common.BlockMetadataIndex_name))},
	}
	flags := make([]byte, len(txs))
	for i, s := range txs {
		b.Data.Data = append(b.Data.Data, envelope(t, s))
		flags[i] = byte(s.flag)
	}
	b.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER] = flags
	return b
}

func TestDecodeBlock(t *testing.T) {
	valid, invalid := peer.TxValidationCode_VALID, peer.TxValidationCode_MVCC_READ_CONFLICT
	endorser, config := common.HeaderType_ENDORSER_TRANSACTION, common.HeaderType_CONFIG
	tests := []struct {
		name string
		txs  []txSpec
		want []string // txID/name of the events delivered
	}{
		{"events of valid transactions in block order", []txSpec{
			{"t1", endorser, "rxledger", "dscsa", valid},
			{"t2", endorser, "rxledger", "dscsa", valid},
		}, []string{"t1/dscsa", "t2/dscsa"}},
		{"invalid transactions are skipped", []txSpec{
			{"t1", endorser, "rxledger", "dscsa", invalid},
			{"t2", endorser, "rxledger", "dscsa", valid},
		}, []string{"t2/dscsa"}},
		{"other chaincodes' events are skipped", []txSpec{
			{"t1", endorser, "baseline", "put", valid},
			{"t2", endorser, "rxledger", "dscsa", valid},
		}, []string{"t2/dscsa"}},
		{"transactions without events", []txSpec{
			{"t1", endorser, "", "", valid},
		}, nil},
		{"configuration transactions", []txSpec{
			{"", config, "", "", valid},
		}, nil},
		{"an empty block", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeBlock(testBlock(t, 7, tt.txs...), "rxledger")
			if err != nil {
				t.Fatalf("decodeBlock: %v", err)
			}
			if got.Number != 7 {
				t.Errorf("number %d, want 7", got.Number)
			}
			var names []string
			for _, ev := range got.Events {
				names = append(names, ev.TxID+"/"+ev.Name)
				if want := "payload of " + ev.TxID; string(ev.Payload) != want {
					t.Errorf("payload %q, want %q", ev.Payload, want)
				}
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.want) {
				t.Errorf("events %v, want %v", names, tt.want)
			}
		})
	}
}

func TestDecodeBlockRejectsMalformedBlocks(t *testing.T) {
	tests := []struct {
		name   string
		block  func(t *testing.T) *common.Block
		reason string
	}{
		{"missing validation flags", func(t *testing.T) *common.Block {
			b := testBlock(t, 3, txSpec{"t1", common.HeaderType_ENDORSER_TRANSACTION, "rxledger", "dscsa", peer.TxValidationCode_VALID})
			b.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER] = nil
			return b
		}, "validation flags"},
		{"undecodable envelope", func(t *testing.T) *common.Block {
			b := testBlock(t, 3, txSpec{"t1", common.HeaderType_ENDORSER_TRANSACTION, "rxledger", "dscsa", peer.TxValidationCode_VALID})
			b.Data.Data[0] = []byte{0xff, 0xff, 0xff}
			return b
		}, "transaction 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeBlock(tt.block(t), "rxledger")
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("decodeBlock error %v, want one mentioning %q", err, tt.reason)
			}
		})
	}
}

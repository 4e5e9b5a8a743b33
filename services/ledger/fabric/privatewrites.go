package fabric

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// privateWriteOrgs returns the organisations whose implicit private
// collections an endorsed transaction writes, sorted and distinct. prepared
// is the transaction as client.Transaction.Bytes serialises it (a
// gateway.PreparedTransaction). The transaction carries only hashes of
// private writes, but the collection names are in the clear. It fails when a
// collection written is not an implicit one: its members are not known here.
func privateWriteOrgs(prepared []byte) ([]string, error) {
	var tx gateway.PreparedTransaction
	if err := proto.Unmarshal(prepared, &tx); err != nil {
		return nil, fmt.Errorf("prepared transaction: %w", err)
	}
	envelope, err := proto.Marshal(tx.GetEnvelope())
	if err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	actions, err := envelopeActions(envelope)
	if err != nil {
		return nil, err
	}
	var orgs []string
	for _, action := range actions {
		var results rwset.TxReadWriteSet
		if err := proto.Unmarshal(action.GetResults(), &results); err != nil {
			return nil, fmt.Errorf("read-write set: %w", err)
		}
		for _, ns := range results.GetNsRwset() {
			for _, coll := range ns.GetCollectionHashedRwset() {
				var hashed kvrwset.HashedRWSet
				if err := proto.Unmarshal(coll.GetHashedRwset(), &hashed); err != nil {
					return nil, fmt.Errorf("hashed read-write set of %s: %w", coll.GetCollectionName(), err)
				}
				if len(hashed.GetHashedWrites()) == 0 && len(hashed.GetMetadataWrites()) == 0 {
					continue // only read
				}
				org, ok := strings.CutPrefix(coll.GetCollectionName(), implicitPrefix)
				if !ok || org == "" {
					return nil, fmt.Errorf("the transaction writes collection %q, which is not an organisation's implicit collection", coll.GetCollectionName())
				}
				orgs = append(orgs, org)
			}
		}
	}
	slices.Sort(orgs)
	return slices.Compact(orgs), nil
}

// envelopeActions returns the chaincode actions (results and events) of an
// endorser transaction envelope; none for other kinds of transaction.
func envelopeActions(raw []byte) ([]*peer.ChaincodeAction, error) {
	_, actions, err := envelopeContent(raw)
	return actions, err
}

// envelopeContent decodes an envelope's channel header and, for an endorser
// transaction, the chaincode action of each of its transaction actions.
func envelopeContent(raw []byte) (*common.ChannelHeader, []*peer.ChaincodeAction, error) {
	var env common.Envelope
	if err := proto.Unmarshal(raw, &env); err != nil {
		return nil, nil, fmt.Errorf("envelope: %w", err)
	}
	var payload common.Payload
	if err := proto.Unmarshal(env.GetPayload(), &payload); err != nil {
		return nil, nil, fmt.Errorf("payload: %w", err)
	}
	var header common.ChannelHeader
	if err := proto.Unmarshal(payload.GetHeader().GetChannelHeader(), &header); err != nil {
		return nil, nil, fmt.Errorf("channel header: %w", err)
	}
	if common.HeaderType(header.GetType()) != common.HeaderType_ENDORSER_TRANSACTION {
		return &header, nil, nil
	}
	var tx peer.Transaction
	if err := proto.Unmarshal(payload.GetData(), &tx); err != nil {
		return nil, nil, fmt.Errorf("transaction: %w", err)
	}
	actions := make([]*peer.ChaincodeAction, 0, len(tx.GetActions()))
	for _, action := range tx.GetActions() {
		var ccPayload peer.ChaincodeActionPayload
		if err := proto.Unmarshal(action.GetPayload(), &ccPayload); err != nil {
			return nil, nil, fmt.Errorf("chaincode action payload: %w", err)
		}
		var response peer.ProposalResponsePayload
		if err := proto.Unmarshal(ccPayload.GetAction().GetProposalResponsePayload(), &response); err != nil {
			return nil, nil, fmt.Errorf("proposal response payload: %w", err)
		}
		var ccAction peer.ChaincodeAction
		if err := proto.Unmarshal(response.GetExtension(), &ccAction); err != nil {
			return nil, nil, fmt.Errorf("chaincode action: %w", err)
		}
		actions = append(actions, &ccAction)
	}
	return &header, actions, nil
}

package fabric

import (
	"context"
	"fmt"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Reconnection delays of the block stream after it broke.
const (
	streamRetryMin = 200 * time.Millisecond
	streamRetryMax = 5 * time.Second
)

// Blocks delivers every committed block from from onwards, with the chaincode
// events of its valid transactions. It reads full blocks (not filtered ones,
// whose events have no payload) as the first configured organisation. When
// the stream breaks (a peer restarts) it reconnects, with a growing delay,
// and resumes after the last block handled, until ctx ends.
func (l *Ledger) Blocks(ctx context.Context, from uint64, handle func(ledger.Block) error) error {
	next := from
	delay := streamRetryMin
	for {
		progressed, err := l.streamBlocks(ctx, &next, handle)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if progressed {
			delay = streamRetryMin
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, streamRetryMax)
	}
}

// streamBlocks runs one block stream from *next until it ends, advancing
// *next past every block handled. It returns handle's error or an error of a
// block that cannot be decoded; a stream that merely ends returns nil.
func (l *Ledger) streamBlocks(ctx context.Context, next *uint64, handle func(ledger.Block) error) (progressed bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks, err := l.first.network.BlockEvents(ctx, client.WithStartBlock(*next))
	if err != nil {
		return false, nil // the peer cannot be reached now; the caller retries
	}
	for block := range blocks {
		number := block.GetHeader().GetNumber()
		if number < *next {
			continue // already handled before a reconnection
		}
		b, err := decodeBlock(block, l.cfg.Chaincode)
		if err != nil {
			return progressed, ledger.NewError("", problem.Internal, err, "decode block %d", number)
		}
		if err := handle(b); err != nil {
			return progressed, err
		}
		*next = number + 1
		progressed = true
	}
	return progressed, nil
}

// decodeBlock extracts the events of chaincode from the valid transactions of
// a block, in block order.
func decodeBlock(block *common.Block, chaincode string) (ledger.Block, error) {
	out := ledger.Block{Number: block.GetHeader().GetNumber()}
	data := block.GetData().GetData()
	var flags []byte
	if md := block.GetMetadata().GetMetadata(); len(md) > int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		flags = md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	if len(flags) != len(data) {
		return out, fmt.Errorf("%d transactions but %d validation flags", len(data), len(flags))
	}
	for i, raw := range data {
		if peer.TxValidationCode(flags[i]) != peer.TxValidationCode_VALID {
			continue
		}
		events, err := transactionEvents(raw, chaincode)
		if err != nil {
			return out, fmt.Errorf("transaction %d: %w", i, err)
		}
		out.Events = append(out.Events, events...)
	}
	return out, nil
}

// transactionEvents returns the chaincode events of one transaction envelope
// emitted by chaincode; none for configuration transactions.
func transactionEvents(raw []byte, chaincode string) ([]ledger.ChaincodeEvent, error) {
	header, actions, err := envelopeContent(raw)
	if err != nil {
		return nil, err
	}
	var out []ledger.ChaincodeEvent
	for _, action := range actions {
		ev, err := actionEvent(action)
		if err != nil {
			return nil, err
		}
		if ev == nil || ev.GetChaincodeId() != chaincode {
			continue
		}
		out = append(out, ledger.ChaincodeEvent{TxID: header.GetTxId(), Name: ev.GetEventName(), Payload: ev.GetPayload()})
	}
	return out, nil
}

// actionEvent returns the chaincode event of one chaincode action, or nil.
func actionEvent(ccAction *peer.ChaincodeAction) (*peer.ChaincodeEvent, error) {
	if len(ccAction.GetEvents()) == 0 {
		return nil, nil
	}
	var ev peer.ChaincodeEvent
	if err := proto.Unmarshal(ccAction.GetEvents(), &ev); err != nil {
		return nil, fmt.Errorf("chaincode event: %w", err)
	}
	if ev.GetEventName() == "" && len(ev.GetPayload()) == 0 {
		return nil, nil
	}
	return &ev, nil
}

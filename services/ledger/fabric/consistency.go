package fabric

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Causal consistency across the organisations of one Ledger.
//
// Fabric peers commit a block each on their own, milliseconds apart, and a
// transaction's commit status comes from the submitter's own peer. A Ledger
// acting for one organisation therefore always reads its own writes. A
// Ledger acting for several (tests, demos) could, right after a commit as A,
// run a call as B on B's peer before that peer has A's block, and B's
// chaincode would refuse on stale state. So, when it holds several
// organisations, a Ledger waits after each commit until the other
// organisations' peers report it too, and before a call as an organisation
// makes sure its peer has reached every block this Ledger committed.

// catchUpPoll is the interval between height queries while a peer is behind.
const catchUpPoll = 20 * time.Millisecond

// committedAt records that og's peer committed block number.
func (l *Ledger) committedAt(og *orgGateway, number uint64) {
	raise(&l.committed, number+1)
	raise(&og.height, number+1)
}

// awaitEverywhere waits until the peers of the Ledger's other organisations
// have committed the transaction of commit as well. A peer that cannot
// answer (stopped) is left to catchUp before the next call as its
// organisation.
func (l *Ledger) awaitEverywhere(ctx context.Context, acting *orgGateway, commit *client.Commit) {
	if len(l.orgs) < 2 {
		return
	}
	request, err := commit.Bytes()
	if err != nil {
		return
	}
	var wg sync.WaitGroup
	for _, og := range l.orgs {
		if og == acting {
			continue
		}
		wg.Go(func() {
			c, err := og.gateway.NewCommit(request)
			if err != nil {
				return
			}
			if status, err := c.StatusWithContext(ctx); err == nil {
				raise(&og.height, status.BlockNumber+1)
			}
		})
	}
	wg.Wait()
}

// catchUp waits until og's peer has every block this Ledger committed.
func (l *Ledger) catchUp(ctx context.Context, og *orgGateway) error {
	want := l.committed.Load()
	for og.height.Load() < want {
		height, err := l.peerHeight(ctx, og)
		if err != nil {
			return err
		}
		raise(&og.height, height)
		if height >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return ledger.NewError("", problem.Unavailable, ctx.Err(), "%s's peer is at block %d, behind block %d", og.mspID, height, want-1)
		case <-time.After(catchUpPoll):
		}
	}
	return nil
}

// peerHeight asks og's own peer (qscc) for the channel's height.
func (l *Ledger) peerHeight(ctx context.Context, og *orgGateway) (uint64, error) {
	raw, err := og.network.GetContract("qscc").EvaluateWithContext(ctx, "GetChainInfo",
		client.WithArguments(l.cfg.Channel), client.WithEndorsingOrganizations(og.mspID))
	if err != nil {
		return 0, classify("", err, "query the chain height")
	}
	var info common.BlockchainInfo
	if err := proto.Unmarshal(raw, &info); err != nil {
		return 0, ledger.NewError("", problem.Internal, err, "decode chain info")
	}
	return info.GetHeight(), nil
}

// raise sets v to at least n.
func raise(v *atomic.Uint64, n uint64) {
	for {
		old := v.Load()
		if old >= n || v.CompareAndSwap(old, n) {
			return
		}
	}
}

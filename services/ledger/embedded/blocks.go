package embedded

import (
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Block returns committed block n as stored, or a NotFound error when the
// chain is not that high yet.
func (l *Ledger) Block(n uint64) (*Block, error) {
	l.mu.Lock()
	if l.closed || l.failed != nil {
		err := l.unavailableLocked()
		l.mu.Unlock()
		return nil, err
	}
	l.inflight.Add(1)
	l.mu.Unlock()
	defer l.inflight.Done()
	return readBlock(l.db, n)
}

func readBlock(r pebble.Reader, n uint64) (*Block, error) {
	raw, closer, err := r.Get(blockKey(n))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ledger.NewError("", problem.NotFound, nil, "block %d is not committed", n)
	}
	if err != nil {
		return nil, fmt.Errorf("read block %d: %w", n, err)
	}
	defer closer.Close()
	own := append([]byte(nil), raw...)
	db, err := decodeBlock(own)
	if err != nil {
		return nil, fmt.Errorf("read block %d: %w", n, err)
	}
	return &db.Block, nil
}

// projection is a block as the ledger port shows it: the chaincode events of
// its valid transactions.
func (b *Block) projection() ledger.Block {
	out := ledger.Block{Number: b.Number}
	for _, tx := range b.Txs {
		if tx.Code != TxValid || tx.Event == nil {
			continue
		}
		out.Events = append(out.Events, ledger.ChaincodeEvent{TxID: tx.ID, Name: tx.Event.Name, Payload: tx.Event.Payload})
	}
	return out
}

// Blocks replays the committed blocks from number from onwards, then follows
// new ones as they are committed, until ctx ends (nil) or handle fails (its
// error). A closed ledger ends the stream with an Unavailable error. The
// handler runs without any ledger lock held, so a slow consumer delays only
// itself.
func (l *Ledger) Blocks(ctx context.Context, from uint64, handle func(ledger.Block) error) error {
	next := from
	for {
		height, changed, err := l.watch()
		if err != nil {
			return err
		}
		for ; next < height; next++ {
			if ctx.Err() != nil {
				return nil
			}
			b, err := l.Block(next)
			if err != nil {
				return err
			}
			if err := handle(b.projection()); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// watch returns the height and a channel closed at the next commit (or at
// Close).
func (l *Ledger) watch() (uint64, <-chan struct{}, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.failed != nil {
		return 0, nil, l.unavailableLocked()
	}
	return l.height, l.changed, nil
}

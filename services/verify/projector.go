package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger"
)

// Projector backoff bounds and how often it checks that the cache still
// holds its checkpoint (a flushed Redis loses it without telling anyone).
const (
	minBackoff      = 100 * time.Millisecond
	maxBackoff      = 5 * time.Second
	checkpointWatch = time.Second
)

// errCheckpointLost stops a projection pass whose cache lost its checkpoint.
var errCheckpointLost = errors.New("the cache lost its checkpoint")

// RunProjector follows the ledger's blocks from the cache checkpoint and
// writes the serial, lot and partner records of each block's "dscsa"
// chaincode events into the cache together with the block's number as the
// new checkpoint. A cache without a checkpoint (new, flushed or restarted
// empty) is rebuilt from block 0; a cache that fails is retried with
// backoff. It returns nil when ctx ends.
func (s *Service) RunProjector(ctx context.Context) error {
	backoff := minBackoff
	for {
		err := s.projectPass(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if _, moved := AsCheckpointMoved(err); moved || errors.Is(err, errCheckpointLost) {
			s.log.Info("verification cache checkpoint moved or lost: projecting again from the cache's checkpoint", "reason", err)
			s.projected.Store(0)
			backoff = minBackoff
			continue
		}
		s.log.Warn("verification cache projection failed; retrying", "error", err, "backoff", backoff.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// projectPass projects from the cache's checkpoint until ctx ends or
// something fails.
func (s *Service) projectPass(ctx context.Context) error {
	cp, err := s.cache.Checkpoint(ctx)
	s.cacheResult(ctx, err)
	if err != nil {
		return fmt.Errorf("read the cache checkpoint: %w", err)
	}
	from := uint64(0)
	if cp.Set {
		from = cp.Block + 1
		s.projected.Store(from)
	}
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cur := cp
	var mu chanMutex = make(chan struct{}, 1)
	go s.watchCheckpoint(ctx, cancel, &mu, &cur)
	err = s.ledger.Blocks(ctx, from, func(b ledger.Block) error {
		mu.lock()
		defer mu.unlock()
		if cur.Set && b.Number <= cur.Block {
			return nil // another process's projector wrote it
		}
		entries, err := entriesOf(b)
		if err != nil {
			return err
		}
		err = s.cache.Put(ctx, cur, entries, b.Number)
		if moved, ok := AsCheckpointMoved(err); ok && moved.Found.Set && moved.Found.Block >= b.Number {
			// Another process's projector, sharing the cache, is ahead:
			// the cache holds this block already; follow it.
			err = nil
			b.Number = moved.Found.Block
		}
		s.cacheResult(ctx, err)
		if err != nil {
			return fmt.Errorf("write block %d to the cache: %w", b.Number, err)
		}
		cur = Checkpoint{Block: b.Number, Set: true}
		s.projected.Store(b.Number + 1)
		s.heights.observe(b.Number + 1)
		s.updateLag(ctx)
		return nil
	})
	if parent.Err() == nil && ctx.Err() != nil {
		// The watcher stopped the pass: the checkpoint was lost or could
		// not be read.
		return context.Cause(ctx)
	}
	if err != nil {
		return fmt.Errorf("follow the ledger's blocks from %d: %w", from, err)
	}
	return nil
}

// chanMutex is a mutex made of a one-slot channel.
type chanMutex chan struct{}

func (m chanMutex) lock()   { m <- struct{}{} }
func (m chanMutex) unlock() { <-m }

// watchCheckpoint cancels a projection pass when the cache lost its
// checkpoint or holds one behind the pass's (a checkpoint ahead is another
// process's projector sharing the cache), checking every checkpointWatch
// and when a lookup reported it gone, and keeps the lag metric current
// while no block arrives.
func (s *Service) watchCheckpoint(ctx context.Context, cancel context.CancelCauseFunc, mu *chanMutex, cur *Checkpoint) {
	t := time.NewTicker(checkpointWatch)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.lost:
		}
		mu.lock()
		want := *cur
		got, err := s.cache.Checkpoint(ctx)
		mu.unlock()
		if ctx.Err() != nil {
			return
		}
		s.cacheResult(ctx, err)
		if err != nil {
			cancel(fmt.Errorf("read the cache checkpoint: %w", err))
			return
		}
		if !got.Set || (want.Set && got.Block < want.Block) {
			cancel(errCheckpointLost) // flushed, or moved back
			return
		}
		s.updateLag(ctx)
	}
}

// wakeProjector tells the projector a lookup found no checkpoint.
func (s *Service) wakeProjector() {
	select {
	case s.lost <- struct{}{}:
	default:
	}
}

// updateLag sets the projection lag metric.
func (s *Service) updateLag(ctx context.Context) {
	h, err := s.heights.get(ctx)
	if err != nil {
		return
	}
	p := s.projected.Load()
	if h > p {
		s.m.lag.Set(float64(h - p))
	} else {
		s.m.lag.Set(0)
	}
}

// eventRecords is the part of a "dscsa" chaincode event the cache needs,
// with each record's JSON kept as the chaincode wrote it.
type eventRecords struct {
	Serials []json.RawMessage `json:"serials"`
	// Commissioned serials come as groups sharing one record but for the
	// serial number.
	Commissioned []chaincode.Commissioned `json:"commissioned"`
	Lots         []json.RawMessage        `json:"lots"`
	Partners     []json.RawMessage        `json:"partners"`
}

// recordKeys holds the fields of a record that name it.
type recordKeys struct {
	GTIN   string `json:"gtin"`
	Serial string `json:"serial"`
	Lot    string `json:"lot"`
	ID     string `json:"id"`
}

// entriesOf returns the cache entries of a block's chaincode events.
func entriesOf(b ledger.Block) ([]Entry, error) {
	var out []Entry
	for _, ev := range b.Events {
		if ev.Name != chaincode.EventName {
			continue
		}
		var recs eventRecords
		if err := json.Unmarshal(ev.Payload, &recs); err != nil {
			return nil, fmt.Errorf("decode chaincode event of tx %s in block %d: %w", ev.TxID, b.Number, err)
		}
		for _, group := range []struct {
			raw  []json.RawMessage
			kind Kind
		}{{recs.Serials, KindSerial}, {recs.Lots, KindLot}, {recs.Partners, KindPartner}} {
			for _, raw := range group.raw {
				var k recordKeys
				if err := json.Unmarshal(raw, &k); err != nil {
					return nil, fmt.Errorf("decode record of tx %s in block %d: %w", ev.TxID, b.Number, err)
				}
				e := Entry{Version: b.Number, Record: raw}
				switch group.kind {
				case KindSerial:
					e.Key = SerialKey(k.GTIN, k.Serial)
					if k.Lot != "" {
						e.Lot = LotKey(k.GTIN, k.Lot).ID
					}
				case KindLot:
					e.Key = LotKey(k.GTIN, k.Lot)
				case KindPartner:
					e.Key = PartnerKey(k.ID)
				}
				out = append(out, e)
			}
		}
		for i := range recs.Commissioned {
			g := &recs.Commissioned[i]
			lot := LotKey(g.GTIN, g.Lot).ID
			for _, serial := range g.Serials {
				out = append(out, Entry{Key: SerialKey(g.GTIN, serial), Version: b.Number, Lot: lot,
					Record: g.AppendRecordJSON(nil, serial)})
			}
		}
	}
	return out, nil
}

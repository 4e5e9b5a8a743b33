package embedded

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"rxledger/services/ledger"
)

// collectBlocks replays from `from` until block `through` has been handled.
func collectBlocks(t *testing.T, l *Ledger, from, through uint64) []ledger.Block {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []ledger.Block
	err := l.Blocks(ctx, from, func(b ledger.Block) error {
		got = append(got, b)
		if b.Number == through {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("blocks: %v", err)
	}
	return got
}

func TestBlocksReplayResumeAndFollow(t *testing.T) {
	l, _ := openTest(t, nil, Options{})
	var want []string // "block:txid:payload" of every event
	for i := 0; i < 4; i++ {
		r := submit(t, l, mfr, "putEvent", fmt.Sprintf("k%d", i), "v")
		want = append(want, fmt.Sprintf("%d:%s:k%d=v", r.Block, r.TxID, i))
		submit(t, l, mfr, "put", "quiet", fmt.Sprint(i)) // a block without events
	}
	h, _ := l.Height(context.Background())

	t.Run("replay from genesis", func(t *testing.T) {
		blocks := collectBlocks(t, l, 0, h-1)
		if uint64(len(blocks)) != h {
			t.Fatalf("got %d blocks, want %d", len(blocks), h)
		}
		var got []string
		for i, b := range blocks {
			if b.Number != uint64(i) {
				t.Fatalf("block %d has number %d", i, b.Number)
			}
			for _, e := range b.Events {
				if e.Name != "kv" {
					t.Errorf("event name %q", e.Name)
				}
				got = append(got, fmt.Sprintf("%d:%s:%s", b.Number, e.TxID, e.Payload))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("events\n got %v\nwant %v", got, want)
		}
	})
	t.Run("resume from a checkpoint", func(t *testing.T) {
		checkpoint := uint64(3)
		blocks := collectBlocks(t, l, checkpoint+1, h-1)
		if len(blocks) == 0 || blocks[0].Number != checkpoint+1 || blocks[len(blocks)-1].Number != h-1 {
			t.Fatalf("resumed blocks %v, want %d..%d", blocks, checkpoint+1, h-1)
		}
	})
	t.Run("follow new blocks", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		seen := make(chan ledger.Block)
		done := make(chan error, 1)
		go func() {
			done <- l.Blocks(ctx, h, func(b ledger.Block) error {
				select {
				case seen <- b:
				case <-ctx.Done():
				}
				return nil
			})
		}()
		for i := 0; i < 3; i++ {
			r := submit(t, l, mfr, "putEvent", "live", fmt.Sprint(i))
			b := <-seen
			if b.Number != r.Block || len(b.Events) != 1 || b.Events[0].TxID != r.TxID {
				t.Fatalf("followed block %+v, want block %d with tx %s", b, r.Block, r.TxID)
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("blocks after cancel: %v", err)
		}
	})
	t.Run("handler error stops the stream", func(t *testing.T) {
		stop := errors.New("stop")
		err := l.Blocks(context.Background(), 0, func(ledger.Block) error { return stop })
		if !errors.Is(err, stop) {
			t.Errorf("blocks returned %v, want the handler's error", err)
		}
	})
	t.Run("close ends a follower", func(t *testing.T) {
		done := make(chan error, 1)
		h, _ := l.Height(context.Background())
		started := make(chan struct{})
		go func() {
			close(started)
			done <- l.Blocks(context.Background(), h+10, func(ledger.Block) error { return nil })
		}()
		<-started
		l.Close()
		if err := <-done; err == nil {
			t.Error("follower of a closed ledger returned nil, want Unavailable")
		}
	})
}

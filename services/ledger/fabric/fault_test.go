package fabric

import (
	"context"
	"errors"
	"testing"
	"time"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Fault tests: stop one process of the shared network, check the adapter's
// answer, start it again and check the adapter recovers on the same Ledger
// (same connections). Waiting for recovery is bounded, never asserted on.

const recoveryLimit = 2 * time.Minute

// outage stops proc and makes sure it runs again when the test ends, and
// that the network serves every organisation again before the next test: a
// restarted peer must first find the others through gossip before its
// gateway can choose endorsers.
func outage(t *testing.T, proc string) (restart func()) {
	t.Helper()
	ctl(t, "stop", proc)
	started := false
	restart = func() {
		if !started {
			started = true
			ctl(t, "start", proc)
		}
	}
	t.Cleanup(func() {
		restart()
		waitHealthy(t)
	})
	return restart
}

// waitHealthy waits until every organisation can submit through its own
// gateway peer a transaction that every organisation must endorse (private
// data for all four): a restarted peer's gateway must have found every other
// peer through gossip again, which a put any two may endorse does not show
// (the DSCSA suite's captures name their endorsers).
func waitHealthy(t *testing.T) {
	t.Helper()
	cfg, err := network(t).Config(baselineCC)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer l.Close()
	for _, org := range []string{manufacturer, wholesaler, pharmacy, regulator} {
		eventually(t, recoveryLimit, "submit as "+org+", endorsed by every organisation, after an outage", func(ctx context.Context) error {
			_, err := l.Submit(ctx, org, ledger.Transaction{
				Function:  "putPrivate",
				Args:      []string{uniqueKey(t, "health"), manufacturer, wholesaler, pharmacy, regulator},
				Transient: map[string][]byte{"value": []byte("ok")},
			})
			return err
		})
	}
}

func put(ctx context.Context, l *Ledger, org, key, value string) (ledger.Receipt, error) {
	return l.Submit(ctx, org, ledger.Transaction{Function: "put", Args: []string{key, value}})
}

func TestOrdererOutageIsUnavailableThenRecovers(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	key := uniqueKey(t, "k")
	if _, err := put(context.Background(), l, manufacturer, key, "before"); err != nil {
		t.Fatalf("Submit before the outage: %v", err)
	}
	restart := outage(t, "orderer0")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := put(ctx, l, manufacturer, key, "during")
	wantCode(t, err, problem.Unavailable)
	// Queries need no orderer.
	got, err := l.Evaluate(ctx, pharmacy, "get", key)
	if err != nil || string(got) != "before" {
		t.Errorf("Evaluate during the outage = %q, %v; want \"before\"", got, err)
	}

	restart()
	eventually(t, recoveryLimit, "submit after the orderer restarted", func(ctx context.Context) error {
		_, err := put(ctx, l, manufacturer, key, "after")
		return err
	})
	got, err = l.Evaluate(context.Background(), pharmacy, "get", key)
	if err != nil || string(got) != "after" {
		t.Errorf("Evaluate after the outage = %q, %v; want \"after\"", got, err)
	}
}

func TestPeerOutage(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	key := uniqueKey(t, "k")
	restart := outage(t, "peer-wholesaler")

	t.Run("its organisation's requests are unavailable", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := put(ctx, l, wholesaler, key, "x")
		wantCode(t, err, problem.Unavailable)
		_, err = l.Evaluate(ctx, wholesaler, "get", key)
		wantCode(t, err, problem.Unavailable)
	})
	t.Run("the other organisations go on", func(t *testing.T) {
		eventually(t, recoveryLimit, "submit while a peer is down", func(ctx context.Context) error {
			_, err := put(ctx, l, manufacturer, key, "written during the outage")
			return err
		})
	})

	restart()
	t.Run("the restarted peer catches up and serves again", func(t *testing.T) {
		eventually(t, recoveryLimit, "evaluate on the restarted peer", func(ctx context.Context) error {
			got, err := l.Evaluate(ctx, wholesaler, "get", key)
			if err != nil {
				return err
			}
			if string(got) != "written during the outage" {
				return errors.New("the peer has not caught up yet: got " + string(got))
			}
			return nil
		})
		eventually(t, recoveryLimit, "submit through the restarted peer", func(ctx context.Context) error {
			_, err := put(ctx, l, wholesaler, key, "after")
			return err
		})
	})
}

func TestChaincodeServerRestart(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	key := uniqueKey(t, "k")
	if _, err := put(context.Background(), l, pharmacy, key, "v"); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	restart := outage(t, "cc-baseline-pharmacy")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := l.Evaluate(ctx, pharmacy, "get", key)
	wantCode(t, err, problem.Unavailable)

	restart()
	eventually(t, recoveryLimit, "evaluate after the chaincode server restarted", func(ctx context.Context) error {
		got, err := l.Evaluate(ctx, pharmacy, "get", key)
		if err == nil && string(got) != "v" {
			t.Fatalf("get = %q, want v", got)
		}
		return err
	})
}

func TestBlocksResumeAcrossPeerRestart(t *testing.T) {
	l := newTestLedger(t, baselineCC) // reads blocks from the Manufacturer's peer
	ctx := context.Background()
	start, err := l.Height(ctx)
	if err != nil {
		t.Fatalf("Height: %v", err)
	}
	target := make(chan uint64, 1)
	var got []uint64
	done := make(chan error, 1)
	errDone := errors.New("done")
	streamCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	go func() {
		var last uint64
		haveTarget := false
		done <- l.Blocks(streamCtx, start, func(b ledger.Block) error {
			got = append(got, b.Number)
			select {
			case last = <-target:
				haveTarget = true
			default:
			}
			if haveTarget && b.Number >= last {
				return errDone
			}
			return nil
		})
	}()

	restart := outage(t, "peer-manufacturer")
	var receipt ledger.Receipt
	for range 3 {
		eventually(t, recoveryLimit, "submit while the block stream's peer is down", func(ctx context.Context) error {
			receipt, err = put(ctx, l, pharmacy, uniqueKey(t, "k"), "v")
			return err
		})
	}
	restart()
	target <- receipt.Block
	// The handler sees the target only with a block after it arrived; one
	// more transaction guarantees a later block.
	eventually(t, recoveryLimit, "submit after the peer restarted", func(ctx context.Context) error {
		_, err := put(ctx, l, pharmacy, uniqueKey(t, "k"), "v")
		return err
	})
	if err := <-done; !errors.Is(err, errDone) {
		t.Fatalf("Blocks = %v after blocks %v", err, got)
	}
	for i, n := range got {
		if n != start+uint64(i) {
			t.Fatalf("blocks %v: want consecutive numbers from %d", got, start)
		}
	}
	if got[len(got)-1] < receipt.Block {
		t.Errorf("blocks %v end before %d", got, receipt.Block)
	}
}

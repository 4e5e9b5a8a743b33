package fabric

import (
	"bytes"
	"context"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"rxledger/services/ledger"
)

// TestPrivateDataStaysWithItsCollections submits transient data the
// chaincode writes into the implicit collections of the submitter and the
// regulator: only those organisations can read it back, and the committed
// block holds no trace of the value.
func TestPrivateDataStaysWithItsCollections(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	ctx := context.Background()
	key := uniqueKey(t, "t3")
	value := []byte("T3 " + key + ": 100 packs of NDC 0312345-0123 at $1,234.56")
	receipt, err := l.Submit(ctx, manufacturer, ledger.Transaction{
		Function:  "putPrivate",
		Args:      []string{key, manufacturer, regulator},
		Transient: map[string][]byte{"value": value},
	})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}

	for _, org := range []string{manufacturer, regulator} {
		t.Run(org+" reads its copy", func(t *testing.T) {
			got, err := l.Evaluate(ctx, org, "getPrivate", org, key)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			if !bytes.Equal(got, value) {
				t.Errorf("got %q, want %q", got, value)
			}
		})
	}
	for _, org := range []string{wholesaler, pharmacy} {
		t.Run(org+" has no copy", func(t *testing.T) {
			got, err := l.Evaluate(ctx, org, "getPrivate", org, key)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			if got != nil {
				t.Errorf("got %q from its own collection, want nothing", got)
			}
			if _, err := l.Evaluate(ctx, org, "getPrivate", manufacturer, key); err == nil {
				t.Errorf("reading %s's collection succeeded, want a refusal", manufacturer)
			}
		})
	}
	t.Run("the block holds no private value", func(t *testing.T) {
		raw, err := l.first.network.GetContract("qscc").EvaluateWithContext(ctx, "GetBlockByTxID",
			client.WithArguments(l.cfg.Channel, receipt.TxID))
		if err != nil {
			t.Fatalf("GetBlockByTxID: %v", err)
		}
		var block common.Block
		if err := proto.Unmarshal(raw, &block); err != nil {
			t.Fatalf("decode block: %v", err)
		}
		if block.GetHeader().GetNumber() != receipt.Block {
			t.Fatalf("block %d, want %d", block.GetHeader().GetNumber(), receipt.Block)
		}
		if bytes.Contains(raw, value) {
			t.Errorf("block %d contains the private value", receipt.Block)
		}
	})
}

// TestPrivateDataOfAnotherPartyIsEndorsedByIt submits as the manufacturer
// transient data the chaincode also writes into the pharmacy's collection:
// Submit widens the endorsers from the submitter and the regulator to the
// pharmacy, and the wholesaler, no party, gets nothing.
func TestPrivateDataOfAnotherPartyIsEndorsedByIt(t *testing.T) {
	l := newTestLedger(t, baselineCC)
	ctx := context.Background()
	key := uniqueKey(t, "t3")
	value := []byte("T3 " + key + ": shipment of 10 packs to the pharmacy")
	if _, err := l.Submit(ctx, manufacturer, ledger.Transaction{
		Function:  "putPrivate",
		Args:      []string{key, manufacturer, pharmacy, regulator},
		Transient: map[string][]byte{"value": value},
	}); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	for _, tt := range []struct {
		org  string
		want []byte
	}{{manufacturer, value}, {pharmacy, value}, {regulator, value}, {wholesaler, nil}} {
		t.Run(tt.org, func(t *testing.T) {
			got, err := l.Evaluate(ctx, tt.org, "getPrivate", tt.org, key)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("%s's copy = %q, want %q", tt.org, got, tt.want)
			}
		})
	}
}

package ledgertest

import (
	"context"
	"sync/atomic"

	"rxledger/services/ledger"
)

// CountingClient is a ledger.Client that counts the submissions that reach
// the ledger it wraps, so that a test of a service tells a refusal the
// service made before submitting from one the chaincode made. A test may
// set Before to run something just before a submission reaches the
// ledger: another request that wins a race.
type CountingClient struct {
	ledger.Client
	Before  func(tx ledger.Transaction)
	submits atomic.Int64
}

var _ ledger.Client = (*CountingClient)(nil)

// Submit counts the submission and passes it on.
func (c *CountingClient) Submit(ctx context.Context, org string, tx ledger.Transaction) (ledger.Receipt, error) {
	c.submits.Add(1)
	if c.Before != nil {
		c.Before(tx)
	}
	return c.Client.Submit(ctx, org, tx)
}

// Submits is how many submissions have reached the ledger.
func (c *CountingClient) Submits() int64 { return c.submits.Load() }

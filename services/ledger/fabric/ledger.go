package fabric

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"google.golang.org/grpc"

	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Ledger is the ledger port on a Fabric network. It is safe for concurrent
// use.
type Ledger struct {
	cfg   Config
	orgs  map[string]*orgGateway
	first *orgGateway
	conns []*grpc.ClientConn
	// committed is the chain height after the latest transaction this
	// Ledger committed (see consistency.go).
	committed atomic.Uint64
	// blocks caches the block numbers of transactions and lookups holds a
	// place for each block lookup under way (see history.go).
	blocks  *blockCache
	lookups chan struct{}
}

// orgGateway is one organisation's gateway session.
type orgGateway struct {
	mspID    string
	gateway  *client.Gateway
	network  *client.Network
	contract *client.Contract
	// height is a chain height its peer is known to have reached.
	height atomic.Uint64
}

var _ ledger.Ledger = (*Ledger)(nil)

// New connects to the organisations' gateway peers. Connections are made on
// first use, so New succeeds while the network is still starting; it fails
// only on a wrong configuration or unreadable identity or TLS files.
func New(cfg Config) (*Ledger, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("fabric ledger config: %w", err)
	}
	l := &Ledger{cfg: cfg, orgs: map[string]*orgGateway{}, blocks: newBlockCache(blockCacheSize),
		lookups: make(chan struct{}, blockLookups)}
	// One connection per peer endpoint, shared by organisations that use the
	// same gateway peer.
	byEndpoint := map[string]*grpc.ClientConn{}
	for _, o := range cfg.Orgs {
		id, sign, err := loadIdentity(o)
		if err != nil {
			l.Close()
			return nil, err
		}
		conn := byEndpoint[o.PeerEndpoint]
		if conn == nil {
			if conn, err = dial(o, cfg.DialTimeout); err != nil {
				l.Close()
				return nil, err
			}
			byEndpoint[o.PeerEndpoint] = conn
			l.conns = append(l.conns, conn)
		}
		gw, err := client.Connect(id,
			client.WithSign(sign),
			client.WithHash(hash.SHA256),
			client.WithClientConnection(conn),
			client.WithEvaluateTimeout(cfg.EvaluateTimeout),
			client.WithEndorseTimeout(cfg.EndorseTimeout),
			client.WithSubmitTimeout(cfg.SubmitTimeout),
			client.WithCommitStatusTimeout(cfg.CommitStatusTimeout),
		)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("gateway of %s: %w", o.MSPID, err)
		}
		network := gw.GetNetwork(cfg.Channel)
		og := &orgGateway{mspID: o.MSPID, gateway: gw, network: network, contract: network.GetContract(cfg.Chaincode)}
		l.orgs[o.MSPID] = og
		if l.first == nil {
			l.first = og
		}
	}
	return l, nil
}

// as returns the gateway session of org or a Forbidden error.
func (l *Ledger) as(org string) (*orgGateway, error) {
	og, ok := l.orgs[org]
	if !ok {
		return nil, ledger.NewError("", problem.Forbidden, nil, "this ledger holds no identity of organisation %q", org)
	}
	return og, nil
}

// Submit endorses tx as org, hands it to the orderer and waits until it is
// committed. When the chaincode writes private data, the organisations owning
// the collections written endorse it (see the package documentation).
func (l *Ledger) Submit(ctx context.Context, org string, tx ledger.Transaction) (ledger.Receipt, error) {
	og, err := l.as(org)
	if err != nil {
		return ledger.Receipt{}, err
	}
	if err := l.catchUp(ctx, og); err != nil {
		return ledger.Receipt{}, err
	}
	opts := []client.ProposalOption{client.WithArguments(tx.Args...)}
	if len(tx.Transient) > 0 {
		opts = append(opts, client.WithTransient(tx.Transient))
	}
	txn, err := l.endorseRetrying(ctx, og, tx.Function, opts, len(tx.Transient) > 0)
	if err != nil {
		return ledger.Receipt{}, err
	}
	return l.commit(ctx, og, txn)
}

// commit hands an endorsed transaction to the orderer and waits for its
// validation.
func (l *Ledger) commit(ctx context.Context, og *orgGateway, txn *client.Transaction) (ledger.Receipt, error) {
	txID := txn.TransactionID()
	commit, err := txn.SubmitWithContext(ctx)
	if err != nil {
		return ledger.Receipt{}, classify(txID, err, "submit to the orderer")
	}
	status, err := commit.StatusWithContext(ctx)
	if err != nil {
		// The orderer has the transaction: it may still commit. The caller
		// gets its ID to find out.
		return ledger.Receipt{}, classify(txID, err, "wait for the commit")
	}
	l.committedAt(og, status.BlockNumber)
	if !status.Successful {
		return ledger.Receipt{}, validationFailure(txID, status.Code)
	}
	l.awaitEverywhere(ctx, og, commit)
	return ledger.Receipt{TxID: txID, Block: status.BlockNumber, Result: txn.Result()}, nil
}

// disagreementRetries bounds how often endorse is repeated when the
// endorsers disagree because one of them has not committed the latest block
// yet (peers commit each block on their own, milliseconds apart). Nothing
// was submitted, so repeating is safe; the delay doubles from
// disagreementDelay.
const (
	disagreementRetries = 4
	disagreementDelay   = 25 * time.Millisecond
)

// endorseRetrying is endorse, repeated while the endorsers disagree.
func (l *Ledger) endorseRetrying(ctx context.Context, og *orgGateway, function string, opts []client.ProposalOption, transient bool) (*client.Transaction, error) {
	delay := disagreementDelay
	for attempt := 0; ; attempt++ {
		txn, err := l.endorse(ctx, og, function, opts, transient)
		var d *disagreeError
		if !errors.As(err, &d) || attempt == disagreementRetries {
			return txn, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// endorse collects the endorsements of a proposal.
//
// Without transient data the gateway chooses the endorsers. With transient
// data (private data the chaincode writes into the implicit collections of
// the parties and the regulators) the transient map must reach only the
// organisations owning those collections. The submitting organisation and
// the regulators always own one (the chaincode gives every party and every
// regulator a copy), so they endorse first; if the endorsed transaction also
// writes another organisation's collection (the other party of a shipment),
// the proposal is endorsed again by all of them. Asking the gateway to work
// this out instead costs a simulation and two endorsement-plan computations
// before it declines (about a second per transaction on a busy 2-core
// machine); see endorseByGateway.
func (l *Ledger) endorse(ctx context.Context, og *orgGateway, function string, opts []client.ProposalOption, transient bool) (*client.Transaction, error) {
	trusted := l.trustedEndorsers(og.mspID)
	if !transient || len(trusted) < 2 {
		// The chaincode policy needs two organisations; with fewer trusted
		// ones the gateway's own choice is the only safe one.
		return l.endorseByGateway(ctx, og, function, opts)
	}
	txn, err := l.endorseBy(ctx, og, function, opts, trusted)
	if err != nil {
		return nil, err
	}
	raw, err := txn.Bytes()
	if err != nil {
		return nil, ledger.NewError(txn.TransactionID(), problem.Internal, err, "read the endorsed transaction")
	}
	written, err := privateWriteOrgs(raw)
	if err != nil {
		return nil, ledger.NewError(txn.TransactionID(), problem.Internal, err, "read the private collections %s writes", function)
	}
	all := union(trusted, written)
	if len(all) == len(trusted) {
		return txn, nil
	}
	return l.endorseBy(ctx, og, function, opts, all)
}

// trustedEndorsers returns org and the regulators, sorted and distinct.
func (l *Ledger) trustedEndorsers(org string) []string {
	return union([]string{org}, l.cfg.Regulators)
}

// union returns the sorted, distinct members of a and b.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// endorseBy has exactly the organisations orgs endorse a proposal.
func (l *Ledger) endorseBy(ctx context.Context, og *orgGateway, function string, opts []client.ProposalOption, orgs []string) (*client.Transaction, error) {
	proposal, err := og.contract.NewProposal(function, append(slices.Clip(opts), client.WithEndorsingOrganizations(orgs...))...)
	if err != nil {
		return nil, ledger.NewError("", problem.Internal, err, "build proposal for %s", function)
	}
	txn, err := proposal.EndorseWithContext(ctx)
	if err != nil {
		if disagreement(err, len(orgs)) {
			return nil, endorsersDisagree(proposal.TransactionID(), err)
		}
		return nil, classify(proposal.TransactionID(), err, fmt.Sprintf("endorse %s by %v", function, orgs))
	}
	return txn, nil
}

// endorseByGateway lets the gateway choose the endorsers. If it declines
// because the transient data would reach organisations outside the private
// collections written, the proposal is endorsed again by exactly the
// collections' organisations.
func (l *Ledger) endorseByGateway(ctx context.Context, og *orgGateway, function string, opts []client.ProposalOption) (*client.Transaction, error) {
	proposal, err := og.contract.NewProposal(function, opts...)
	if err != nil {
		return nil, ledger.NewError("", problem.Internal, err, "build proposal for %s", function)
	}
	txn, err := proposal.EndorseWithContext(ctx)
	if err == nil {
		return txn, nil
	}
	orgs, ok := collectionOrgs(err)
	if !ok {
		if disagreement(err, 0) {
			return nil, endorsersDisagree(proposal.TransactionID(), err)
		}
		return nil, classify(proposal.TransactionID(), err, "endorse "+function)
	}
	return l.endorseBy(ctx, og, function, opts, orgs)
}

// Evaluate runs a query as org on org's own peers, which hold org's private
// collection. The block numbers of a History answer, which Fabric's history
// database does not give the chaincode, are resolved on the same peers (see
// history.go).
func (l *Ledger) Evaluate(ctx context.Context, org string, function string, args ...string) ([]byte, error) {
	og, err := l.as(org)
	if err != nil {
		return nil, err
	}
	if err := l.catchUp(ctx, og); err != nil {
		return nil, err
	}
	result, err := og.contract.EvaluateWithContext(ctx, function,
		client.WithArguments(args...), client.WithEndorsingOrganizations(org))
	if err != nil {
		return nil, classify("", err, "evaluate "+function)
	}
	if resolvesBlocks(function) {
		return l.historyBlocks(ctx, og, result)
	}
	return result, nil
}

// Height asks the first organisation's peer (qscc) for the channel's height.
func (l *Ledger) Height(ctx context.Context) (uint64, error) {
	return l.peerHeight(ctx, l.first)
}

// Close closes the gateway sessions and their connections.
func (l *Ledger) Close() error {
	var errs []error
	for _, og := range l.orgs {
		errs = append(errs, og.gateway.Close())
	}
	for _, c := range l.conns {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

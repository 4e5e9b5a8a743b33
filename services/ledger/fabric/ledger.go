package fabric

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

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
	l := &Ledger{cfg: cfg, orgs: map[string]*orgGateway{}}
	// One connection per peer endpoint, shared by organisations that use the
	// same gateway peer.
	byEndpoint := map[string]*grpc.ClientConn{}
	for _, o := range cfg.Orgs {
		id, sign, err := loadIdentity(o.MSPID, o.MSPDir)
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
	txn, err := l.endorse(ctx, og, tx.Function, opts)
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

// endorse collects the endorsements of a proposal. The first attempt lets the
// gateway choose the endorsers; if it declines because the transient data
// would reach organisations outside the private collections written, the
// proposal is endorsed again by exactly the collections' organisations.
func (l *Ledger) endorse(ctx context.Context, og *orgGateway, function string, opts []client.ProposalOption) (*client.Transaction, error) {
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
	proposal, err = og.contract.NewProposal(function, append(opts, client.WithEndorsingOrganizations(orgs...))...)
	if err != nil {
		return nil, ledger.NewError("", problem.Internal, err, "build proposal for %s", function)
	}
	txn, err = proposal.EndorseWithContext(ctx)
	if err != nil {
		if disagreement(err, len(orgs)) {
			return nil, endorsersDisagree(proposal.TransactionID(), err)
		}
		return nil, classify(proposal.TransactionID(), err, fmt.Sprintf("endorse %s by %v", function, orgs))
	}
	return txn, nil
}

// Evaluate runs a query as org on org's own peers, which hold org's private
// collection.
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

package fabric

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Block numbers of custody history.
//
// The chaincode's History query reads Fabric's history database, whose
// entries carry a transaction ID and a timestamp but no block number, so on
// Fabric every chaincode.CustodyEntry comes back with block 0. (Block 0 is
// the channel's genesis block, which holds no chaincode transaction, so 0
// always means "not known".) Evaluate fills it in: for each entry with block
// 0 it asks the calling organisation's gateway peer, as that organisation,
// for the transaction's commit status (the Fabric Gateway's CommitStatus
// service: the validation code and the number of the block holding it) and
// writes that number into the answer, which stays byte for byte what the
// chaincode would have returned had it known the block (only the digits of
// each "block" member change), as the embedded ledger returns it.
//
// CommitStatus reads the peer's block index (the same index qscc
// GetBlockByTxID uses) and answers for any transaction committed on the
// channel, whoever submitted it; it is allowed to channel Readers (the
// default ACL of gateway/CommitStatus, as of qscc/GetBlockByTxID). Its answer
// is two numbers, not the block. A transaction the peer has not committed
// makes it wait for the commit, so each lookup waits at most
// blockLookupWait. A transaction's block never changes, so numbers are cached
// by transaction ID (blockCacheSize entries, the oldest dropped first). The
// cache is shared by the organisations of a Ledger: every member of the
// channel may read every block, so a number learnt as one organisation tells
// another nothing it could not read itself.
//
// A block that cannot be resolved (the peer is unreachable, has not
// committed the transaction within blockLookupWait, or reports it invalid,
// which no History entry can be) fails the whole query as Unavailable: a
// History answer never carries a wrong or missing block number.

// blockCacheSize bounds the transaction-to-block cache: 8192 entries of a
// 64-character ID and a number, well under a megabyte.
const blockCacheSize = 8192

// blockLookups bounds the concurrent commit status lookups of a Ledger, over
// all its History answers, so that however many queries run at once a Ledger
// keeps at most this many requests (each of which the peer may hold up to
// blockLookupWait) open on its peers.
const blockLookups = 4

// blockLookupWait bounds one commit status lookup. The peer answers a
// committed transaction at once from its block index; it holds the request
// of a transaction it has not committed until the transaction commits or the
// request's deadline passes. The History answer comes from a peer of the
// caller's organisation that the gateway chose, which may be a block ahead of
// the gateway peer for a moment; that is the wait this allows. A transaction
// unknown to the channel is Unavailable after it.
const blockLookupWait = 2 * time.Second

// blockCache maps transaction IDs to block numbers, dropping the oldest entry
// when full. It is safe for concurrent use.
type blockCache struct {
	mu    sync.Mutex
	max   int
	m     map[string]uint64
	order []string // insertion order, a ring once full
	next  int      // the ring position to overwrite next
}

func newBlockCache(max int) *blockCache {
	return &blockCache{max: max, m: make(map[string]uint64)}
}

func (c *blockCache) get(txID string) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[txID]
	return n, ok
}

func (c *blockCache) put(txID string, block uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[txID]; ok {
		return
	}
	if len(c.order) < c.max {
		c.order = append(c.order, txID)
	} else {
		delete(c.m, c.order[c.next])
		c.order[c.next] = txID
		c.next = (c.next + 1) % c.max
	}
	c.m[txID] = block
}

// resolvesBlocks reports whether the answer of function needs its history
// block numbers resolved. History is the chaincode's only query reporting
// blocks (chaincode/queries.go).
func resolvesBlocks(function string) bool {
	return function == chaincode.FnHistory
}

// historyBlocks returns the History answer raw with every block number 0
// replaced by the number of the block holding the entry's transaction, read
// from og's gateway peer. An answer without block 0 is returned unchanged.
func (l *Ledger) historyBlocks(ctx context.Context, og *orgGateway, raw []byte) ([]byte, error) {
	entries, err := historySpans(raw)
	if err != nil {
		return nil, ledger.NewError("", problem.Internal, err, "read the block numbers of the History answer")
	}
	var missing []string
	numbers := map[string]uint64{}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.block != 0 || seen[e.txID] {
			continue
		}
		seen[e.txID] = true
		if n, ok := l.blocks.get(e.txID); ok {
			numbers[e.txID] = n
		} else {
			missing = append(missing, e.txID)
		}
	}
	if len(seen) == 0 {
		return raw, nil
	}
	// The numbers resolved are kept here for this answer, not read back from
	// the cache: its own lookups, or other answers', may have pushed them out.
	if err := l.resolveBlocks(ctx, og, missing, numbers); err != nil {
		return nil, err
	}
	return withBlocks(raw, entries, numbers), nil
}

// resolveBlocks looks the blocks of txIDs up on og's gateway peer, blockLookups at a
// time, caches them and adds them to numbers. It returns the first failure.
func (l *Ledger) resolveBlocks(ctx context.Context, og *orgGateway, txIDs []string, numbers map[string]uint64) error {
	if len(txIDs) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		mu    sync.Mutex // guards numbers
		sem   = make(chan struct{}, blockLookups)
	)
	for _, id := range txIDs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			n, err := l.blockOf(ctx, og, id)
			if err != nil {
				once.Do(func() { first = err; cancel() })
				return
			}
			mu.Lock()
			numbers[id] = n
			mu.Unlock()
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil {
		return ledger.NewError("", problem.Unavailable, err, "resolve the blocks of the History answer: gave up waiting")
	}
	return nil
}

// blockOf returns the number of the block holding transaction txID, from the
// cache or from og's gateway peer (CommitStatus, as og's organisation), and
// caches it. Every failure is Unavailable: the caller may retry, and never
// gets a guess.
func (l *Ledger) blockOf(ctx context.Context, og *orgGateway, txID string) (uint64, error) {
	if n, ok := l.blocks.get(txID); ok {
		return n, nil
	}
	select {
	case l.lookups <- struct{}{}:
		defer func() { <-l.lookups }()
	case <-ctx.Done():
		return 0, ledger.NewError("", problem.Unavailable, ctx.Err(), "find the block of transaction %s: gave up waiting for a lookup", txID)
	}
	if n, ok := l.blocks.get(txID); ok { // found by another answer meanwhile
		return n, nil
	}
	commit, err := commitOf(og.gateway, l.cfg.Channel, txID)
	if err != nil {
		return 0, ledger.NewError("", problem.Unavailable, err, "find the block of transaction %s", txID)
	}
	wait, cancel := context.WithTimeout(ctx, blockLookupWait)
	defer cancel()
	status, err := commit.StatusWithContext(wait)
	if err != nil {
		if ctx.Err() == nil && errors.Is(wait.Err(), context.DeadlineExceeded) {
			return 0, ledger.NewError("", problem.Unavailable, err, "find the block of transaction %s: %s's peer has not committed it (waited %s)", txID, og.mspID, blockLookupWait)
		}
		return 0, ledger.NewError("", problem.Unavailable, err, "find the block of transaction %s on %s's peer", txID, og.mspID)
	}
	switch {
	case status.Code != peer.TxValidationCode_VALID:
		err = fmt.Errorf("the peer reports it committed as %s; a History entry comes from a valid transaction", status.Code)
	case status.BlockNumber == 0:
		err = errors.New("block 0 (the genesis block) holds no chaincode transaction")
	}
	if err != nil {
		return 0, ledger.NewError("", problem.Unavailable, err, "read the block of transaction %s from %s's peer", txID, og.mspID)
	}
	l.blocks.put(txID, status.BlockNumber)
	return status.BlockNumber, nil
}

// commitOf returns a commit status request for transaction txID on channel,
// made as gw's identity, which the library signs with gw's signer when it is
// sent. The client library builds such requests only for transactions it
// submitted; one for any transaction ID is the same CommitStatusRequest,
// passed through the library's Gateway.NewCommit.
func commitOf(gw *client.Gateway, channel, txID string) (*client.Commit, error) {
	id := gw.Identity()
	creator, err := proto.Marshal(&msp.SerializedIdentity{Mspid: id.MspID(), IdBytes: id.Credentials()})
	if err != nil {
		return nil, fmt.Errorf("serialize the identity: %w", err)
	}
	request, err := proto.Marshal(&gateway.CommitStatusRequest{ChannelId: channel, TransactionId: txID, Identity: creator})
	if err != nil {
		return nil, fmt.Errorf("commit status request: %w", err)
	}
	unsigned, err := proto.Marshal(&gateway.SignedCommitStatusRequest{Request: request})
	if err != nil {
		return nil, fmt.Errorf("commit status request: %w", err)
	}
	return gw.NewCommit(unsigned)
}

// historySpan is one entry of a History answer: its transaction ID, its
// block number and where in the answer the number's digits are.
type historySpan struct {
	txID       string
	block      uint64
	start, end int // of the "block" member's value
}

// historySpans reads the entries of a History answer (a JSON array of
// chaincode.CustodyEntry objects) and where each entry's block number is.
func historySpans(raw []byte) ([]historySpan, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, fmt.Errorf("not a JSON array (%v)", err)
	}
	var out []historySpan
	for dec.More() {
		var elem json.RawMessage
		if err := dec.Decode(&elem); err != nil {
			return nil, fmt.Errorf("entry %d: %w", len(out), err)
		}
		end := int(dec.InputOffset())
		start := end - len(elem)
		if start < 0 || !bytes.Equal(raw[start:end], elem) {
			return nil, fmt.Errorf("entry %d: cannot locate it in the answer", len(out))
		}
		e, err := entrySpan(elem)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", len(out), err)
		}
		e.start += start
		e.end += start
		out = append(out, e)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		return nil, fmt.Errorf("unterminated JSON array (%v)", err)
	}
	return out, nil
}

// entrySpan reads one history entry's "txId" and "block" members and where
// the block's value is in elem.
func entrySpan(elem []byte) (historySpan, error) {
	var e historySpan
	dec := json.NewDecoder(bytes.NewReader(elem))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return e, fmt.Errorf("not a JSON object (%v)", err)
	}
	var haveTx, haveBlock bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return e, fmt.Errorf("member %q: %w", key, err)
		}
		end := int(dec.InputOffset())
		start := end - len(v)
		if start < 0 || !bytes.Equal(elem[start:end], v) {
			return e, fmt.Errorf("member %q: cannot locate its value", key)
		}
		switch key {
		case "txId":
			if err := json.Unmarshal(v, &e.txID); err != nil || e.txID == "" {
				return e, fmt.Errorf("txId %s is not a transaction ID", v)
			}
			haveTx = true
		case "block":
			n, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil {
				return e, fmt.Errorf("block %s is not a block number", v)
			}
			e.block, e.start, e.end = n, start, end
			haveBlock = true
		}
	}
	if !haveTx || !haveBlock {
		return e, errors.New(`an entry without "txId" or "block"`)
	}
	return e, nil
}

// withBlocks returns raw with the block number of each entry whose block is
// 0 replaced by numbers[its transaction ID].
func withBlocks(raw []byte, entries []historySpan, numbers map[string]uint64) []byte {
	out := make([]byte, 0, len(raw)+len(entries)*8)
	last := 0
	for _, e := range entries {
		if e.block != 0 {
			continue
		}
		out = append(out, raw[last:e.start]...)
		out = strconv.AppendUint(out, numbers[e.txID], 10)
		last = e.end
	}
	return append(out, raw[last:]...)
}

package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ErrLookupNotSent is the error of a lookup whose caller's context ended
// while it waited for an MGET call (its client gave up, or a deadline of
// the caller's passed): it says nothing about the cache's health.
var ErrLookupNotSent = errors.New("cache lookup not sent: the caller's context ended while it waited for a slot")

// DefaultLookupsInFlight is how many MGET calls the Redis cache's small
// lookups may have in flight at once.
const DefaultLookupsInFlight = 1

// coalesceMaxSerials is the largest lookup that is sent together with
// others; a bigger one (a batch) is an MGET call of its own.
const coalesceMaxSerials = 16

// coalesceMaxGroups bounds the lookups one MGET call carries.
const coalesceMaxGroups = 256

// coalescer sends small lookups that arrive while others are in flight
// together, as one MGET call: a single verification costs Redis and the
// service one command and one round trip (two when a request names no lot
// or another than its package's), however many run at once, so
// throughput under load is bounded by the batch path rather than by a
// round trip per request. With at most maxInflight calls in flight a lookup
// that finds a free slot goes at once (no added latency when idle); the
// others wait for the next call, which takes everything waiting.
type coalescer struct {
	maxInflight int

	mu       sync.Mutex
	inflight int
	pending  []*pendingLookup
	// idle counts the workers waiting on work for a slot handed over.
	idle int
	work chan []*pendingLookup
}

// workerIdle is how long a worker waits for another slot before it ends.
const workerIdle = time.Second

// pendingLookup is a lookup waiting for its MGET call. The call fills
// out and err and then sends on done (once); the caller copies out into its
// own Lookup, so a caller that gave up never shares memory with a late
// reply. A caller that got its answer puts the pendingLookup back in
// pendingPool (nothing else refers to it any more); one that gave up leaves
// it to the call still holding it.
type pendingLookup struct {
	ctx   context.Context
	group lookupGroup
	out   Lookup
	err   error
	done  chan struct{} // buffered: the call's one send never waits
}

// pendingPool holds pendingLookups for reuse: a single verification's
// lookup then allocates nothing of its own.
var pendingPool = sync.Pool{New: func() any {
	p := &pendingLookup{done: make(chan struct{}, 1)}
	p.group.into = &p.out
	return p
}}

// answer hands p its result.
func (p *pendingLookup) answer(err error) {
	p.err = err
	p.done <- struct{}{}
}

// lookup queues one lookup and waits for its answer or the end of ctx.
func (c *coalescer) lookup(ctx context.Context, r *RedisCache, requester string, serials []Key, lots []string, into *Lookup) error {
	p := pendingPool.Get().(*pendingLookup)
	p.ctx, p.group.requester, p.group.serials, p.group.lots = ctx, requester, serials, lots
	c.mu.Lock()
	c.pending = append(c.pending, p)
	if c.inflight < c.maxInflight {
		c.inflight++
		batch := c.take()
		c.mu.Unlock()
		c.run(r, batch)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-p.done:
		err := p.err
		if err == nil {
			into.Checkpoint, into.Requester = p.out.Checkpoint, p.out.Requester
			into.Items = append(resize(into.Items, 0), p.out.Items...)
		}
		p.ctx, p.group.requester, p.group.serials, p.group.lots, p.err = nil, "", nil, nil, nil
		p.out.Requester = Found{}
		clear(p.out.Items)
		pendingPool.Put(p)
		return err
	case <-ctx.Done():
		c.mu.Lock()
		queued := slices.Contains(c.pending, p)
		c.mu.Unlock()
		if queued {
			return fmt.Errorf("%w (%w)", ErrLookupNotSent, ctx.Err())
		}
		return ctx.Err()
	}
}

// take removes up to coalesceMaxGroups waiting lookups (c.mu held).
func (c *coalescer) take() []*pendingLookup {
	n := min(len(c.pending), coalesceMaxGroups)
	batch := make([]*pendingLookup, n)
	copy(batch, c.pending)
	rest := copy(c.pending, c.pending[n:])
	clear(c.pending[rest:])
	c.pending = c.pending[:rest]
	return batch
}

// run makes one MGET call for the lookups of batch whose callers still
// wait, answers each, and hands the slot to the lookups that queued
// meanwhile (to a worker, so this caller returns with its answer) or frees
// it.
func (c *coalescer) run(r *RedisCache, batch []*pendingLookup) {
	if next := c.runOnce(r, batch); next != nil {
		c.handOver(r, next)
	}
}

// runOnce makes the call for batch and returns the lookups that queued
// meanwhile, taken, or nil having freed the slot.
func (c *coalescer) runOnce(r *RedisCache, batch []*pendingLookup) []*pendingLookup {
	live := batch[:0:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.answer(fmt.Errorf("%w (%w)", ErrLookupNotSent, err)) // its caller has gone: not worth a place in the call
			continue
		}
		live = append(live, p)
	}
	if len(live) > 0 {
		c.call(r, live)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		c.inflight--
		return nil
	}
	return c.take()
}

// handOver gives a slot and its next batch to a worker: an idle one, or a
// new one. Workers outlive their batch for workerIdle, so that under load
// the calls run on goroutines whose stacks have already grown to the
// Redis client's depth (a new goroutine per call cost about 3 % of the
// service's CPU in growing stacks).
func (c *coalescer) handOver(r *RedisCache, next []*pendingLookup) {
	c.mu.Lock()
	if c.idle > 0 {
		c.idle--
		c.mu.Unlock()
		c.work <- next // a worker counted idle receives it (buffered: never waits)
		return
	}
	if c.work == nil {
		c.work = make(chan []*pendingLookup, max(c.maxInflight, 1))
	}
	c.mu.Unlock()
	go c.worker(r, next)
}

// worker runs batches while lookups keep queuing, then waits workerIdle for
// another slot handed over. A worker whose wait ends checks, under mu, that
// no hand-over counted on it: if every idle worker was claimed, the batch
// sent is its to take.
func (c *coalescer) worker(r *RedisCache, batch []*pendingLookup) {
	timer := time.NewTimer(workerIdle)
	defer timer.Stop()
	for {
		for batch != nil {
			batch = c.runOnce(r, batch)
		}
		c.mu.Lock()
		c.idle++
		c.mu.Unlock()
		timer.Reset(workerIdle)
		select {
		case batch = <-c.work:
			continue
		case <-timer.C:
		}
		c.mu.Lock()
		if c.idle == 0 { // claimed: a batch is on its way
			c.mu.Unlock()
			batch = <-c.work
			continue
		}
		c.idle--
		c.mu.Unlock()
		return
	}
}

// call makes one MGET call for batch and answers each of its lookups.
func (c *coalescer) call(r *RedisCache, batch []*pendingLookup) {
	ctx, cancel := batchContext(r, batch)
	groups := make([]*lookupGroup, len(batch))
	for i, p := range batch {
		groups[i] = &p.group
	}
	err := r.lookupGroups(ctx, groups)
	cancel()
	for _, p := range batch {
		p.answer(err)
	}
}

// batchContext is the context of an MGET call made for several callers:
// it keeps the first caller's values (its trace) but not its cancellation.
// It ends after the cache's call timeout, counted from now (a lookup's wait
// for a slot is bounded by its caller's context, not by the call's
// timeout), or, without one, at the latest of the callers' deadlines, so no
// caller's time is shortened by another's.
func batchContext(r *RedisCache, batch []*pendingLookup) (context.Context, context.CancelFunc) {
	base := context.WithoutCancel(batch[0].ctx)
	if r.callTimeout > 0 {
		return context.WithTimeout(base, r.callTimeout)
	}
	var latest time.Time
	for _, p := range batch {
		d, ok := p.ctx.Deadline()
		if !ok {
			return context.WithCancel(base)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(base, latest)
}

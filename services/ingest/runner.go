package ingest

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// pending is a job waiting to be submitted; work is nil for a job resumed
// after a restart or queued behind many others (its document is decoded
// again from the store).
type pending struct {
	rec  jobRecord
	work *captureWork
	// accepted is the span of the request that accepted the job: the
	// job's span links to it.
	accepted trace.SpanContext
}

// runner submits jobs one organisation at a time, in the order they were
// accepted: a partner's later document may depend on its earlier one (ship
// after commission), while organisations do not wait for each other. Jobs
// accepted before start wait; jobs left when the context ends stay running
// in the store and are resumed at the next start.
type runner struct {
	submit func(ctx context.Context, p *pending)

	mu  sync.Mutex
	ctx context.Context // nil until start
	// decoded counts the queued jobs that hold their decoded document.
	decoded int
	queues  map[string][]*pending
	active  map[string]bool
	wg      sync.WaitGroup
}

func newRunner(submit func(ctx context.Context, p *pending)) *runner {
	return &runner{submit: submit, queues: map[string][]*pending{}, active: map[string]bool{}}
}

// enqueue adds a job to its organisation's queue. A job's decoded
// document is kept only while few are queued (maxDecodedInMemory); beyond
// that the job waits with its document on disk alone.
func (r *runner) enqueue(p *pending) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.work != nil {
		if r.decoded >= maxDecodedInMemory {
			p.work = nil
		} else {
			r.decoded++
		}
	}
	r.queues[p.rec.Org] = append(r.queues[p.rec.Org], p)
	r.kickLocked(p.rec.Org)
}

// start lets the queued jobs run until ctx ends.
func (r *runner) start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx = ctx
	for org := range r.queues {
		r.kickLocked(org)
	}
}

func (r *runner) kickLocked(org string) {
	if r.ctx == nil || r.active[org] || len(r.queues[org]) == 0 {
		return
	}
	r.active[org] = true
	r.wg.Add(1)
	go r.drain(r.ctx, org)
}

func (r *runner) drain(ctx context.Context, org string) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		if ctx.Err() != nil || len(r.queues[org]) == 0 {
			r.active[org] = false
			r.mu.Unlock()
			return
		}
		p := r.queues[org][0]
		r.queues[org][0] = nil
		r.queues[org] = r.queues[org][1:]
		if p.work != nil {
			r.decoded--
		}
		r.mu.Unlock()
		r.submit(ctx, p)
	}
}

// wait waits for the workers to stop (after the start context ended).
func (r *runner) wait() { r.wg.Wait() }

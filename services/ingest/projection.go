package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/epcis/gs1"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// projection follows the ledger's blocks into the index.
type projection struct {
	l   ledger.Ledger
	idx *index
	org string
	// own is set when org is no regulator: it holds copies of the events
	// it is party to only, so the index holds those, and the others are
	// passed over without a read.
	own    bool
	log    *slog.Logger
	tracer trace.Tracer
	m      *metrics

	// next is the checkpoint: the next block to project.
	next atomic.Uint64
	// checked is set once the checkpoint was checked against the ledger
	// (prepare); until then the index is not known to belong to it.
	checked atomic.Bool
	// lastErr is the error of the last failed attempt (nil once it runs).
	lastErr atomic.Pointer[error]
	// started is set once prepare has checked, at the process's start, who
	// the index was read as and whether it lacks events (rebuilding it
	// then, not on a retry while captures read it).
	started bool

	mu      sync.Mutex
	advance chan struct{} // closed and replaced whenever next moves
}

func newProjection(l ledger.Ledger, idx *index, org string, own bool, log *slog.Logger, tracer trace.Tracer, m *metrics) (*projection, error) {
	p := &projection{l: l, idx: idx, org: org, own: own, log: log, tracer: tracer, m: m, advance: make(chan struct{})}
	next, err := idx.checkpoint()
	if err != nil {
		return nil, err
	}
	p.next.Store(next)
	m.projectedHeight.Set(float64(next)) // from the start, not from the next block
	return p, nil
}

// prepare rebuilds the index from block 0 when it is ahead of the ledger
// (an index kept from another ledger), so it never serves foreign events.
func (p *projection) prepare(ctx context.Context) error {
	h, err := p.l.Height(ctx)
	if err != nil {
		return fmt.Errorf("ledger height: %w", err)
	}
	if next := p.next.Load(); next > h {
		if err := p.rebuild("query index is ahead of the ledger; rebuilding it", "checkpoint", next, "height", h); err != nil {
			return err
		}
	}
	if !p.started {
		if err := p.checkReader(ctx); err != nil {
			return err
		}
		p.started = true
	}
	if p.next.Load() == 0 {
		p.log.Info("building the query index from block 0", "height", h)
	}
	p.mu.Lock()
	p.checked.Store(true)
	close(p.advance)
	p.advance = make(chan struct{})
	p.mu.Unlock()
	return nil
}

// checkReader rebuilds the index, at start, when its events were read as
// another organisation than now (a node given a regulator's identity after
// it indexed its own organisation's events), or when events it could not
// read then now read (the identity it lacked added).
func (p *projection) checkReader(ctx context.Context) error {
	key := []byte{prefixReader}
	was, closer, err := p.idx.db.Get(key)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		was = nil
	case err != nil:
		return fmt.Errorf("query index: %w", err)
	default:
		was = slices.Clone(was)
		closer.Close()
	}
	if was != nil && string(was) != p.org {
		if err := p.rebuild("the query index was read as another organisation; rebuilding it", "was", string(was), "now", p.org); err != nil {
			return err
		}
	}
	if skipped, err := p.firstSkipped(); err != nil {
		return err
	} else if skipped != "" {
		switch _, err := p.l.Evaluate(ctx, p.org, chaincode.FnReadEvent, skipped); {
		case err == nil:
			if err := p.rebuild("events the projection organisation could not read before now read; rebuilding the query index",
				"org", p.org, "hashId", skipped); err != nil {
				return err
			}
		case problem.Is(err, problem.NotFound) || problem.Is(err, problem.Forbidden):
			p.log.Warn("the query index lacks events the projection organisation cannot read; give this node that organisation's identity and restart",
				"org", p.org, "hashId", skipped)
		default:
			return fmt.Errorf("read skipped event %s: %w", skipped, err)
		}
	}
	if err := p.idx.db.Set(key, []byte(p.org), pebble.Sync); err != nil {
		return fmt.Errorf("query index: %w", err)
	}
	return nil
}

// rebuild empties the index for a projection from block 0, logging why.
func (p *projection) rebuild(why string, args ...any) error {
	p.log.Warn(why, args...)
	p.next.Store(0)
	return p.idx.reset()
}

// run projects blocks until ctx ends, retrying after failures.
func (p *projection) run(ctx context.Context) error {
	for {
		err := p.prepare(ctx)
		if err == nil {
			err = p.l.Blocks(ctx, p.next.Load(), func(b ledger.Block) error { return p.apply(ctx, b) })
		}
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = errors.New("the ledger's block stream ended")
		}
		p.lastErr.Store(&err)
		p.log.Error("query projection failed; retrying", "error", err, "checkpoint", p.next.Load())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// apply indexes one block and moves the checkpoint in the same batch.
func (p *projection) apply(ctx context.Context, b ledger.Block) error {
	if b.Number != p.next.Load() {
		return fmt.Errorf("block %d arrived while expecting %d", b.Number, p.next.Load())
	}
	ctx, span := p.tracer.Start(ctx, "ingest.projection.block", trace.WithAttributes(attribute.Int64("block", int64(b.Number))))
	defer span.End()
	batch := p.idx.db.NewBatch()
	defer batch.Close()
	n := 0
	for _, ce := range b.Events {
		if ce.Name != chaincode.EventName {
			continue
		}
		var ev projected
		if err := json.Unmarshal(ce.Payload, &ev); err != nil {
			return fmt.Errorf("block %d tx %s: decode chaincode event: %w", b.Number, ce.TxID, err)
		}
		for i := range ev.Partners {
			if err := p.indexPartner(batch, &ev.Partners[i]); err != nil {
				return fmt.Errorf("block %d tx %s: %w", b.Number, ce.TxID, err)
			}
		}
		for _, a := range ev.Events {
			if n == maxEventsPerBlock {
				return fmt.Errorf("block %d anchors more than %d events", b.Number, maxEventsPerBlock)
			}
			if p.own && !slices.Contains(a.Parties, p.org) {
				continue // another organisation's event: this index holds org's own
			}
			body, err := p.body(ctx, a.HashID)
			if err != nil {
				return fmt.Errorf("block %d event %s: %w", b.Number, a.HashID, err)
			}
			if body == nil {
				// Noted, so that the index is rebuilt once it reads.
				if err := batch.Set(append([]byte{prefixSkipped}, a.HashID...), nil, nil); err != nil {
					return err
				}
				continue
			}
			rec := &eventRecord{HashID: a.HashID, TxID: ev.TxID, Parties: a.Parties, RecordTime: ev.Time, Body: body}
			if err := writeEvent(batch, seqOf(b.Number, n), rec); err != nil {
				return fmt.Errorf("block %d event %s: %w", b.Number, a.HashID, err)
			}
			n++
		}
	}
	if err := batch.Set([]byte{prefixCheckpoint}, be64(b.Number+1), nil); err != nil {
		return err
	}
	if err := batch.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("commit block %d to the query index: %w", b.Number, err)
	}
	p.lastErr.Store(nil)
	p.m.projectedEvents.Add(float64(n))
	p.m.projectedHeight.Set(float64(b.Number + 1))
	p.mu.Lock()
	p.next.Store(b.Number + 1)
	close(p.advance)
	p.advance = make(chan struct{})
	p.mu.Unlock()
	return nil
}

// indexPartner maps the GLNs a regulator attests for a partner to it,
// replacing those of its previous record (a GLN a partner gave up may be
// attested for another). GLNs a partner only claims map to nobody: else any
// partner could claim another's GLN and have the transaction information of
// shipments to it derived for itself.
func (p *projection) indexPartner(batch *pebble.Batch, partner *chaincode.Partner) error {
	var prefixes []string
	if partner.Attested != nil {
		prefixes = partner.Attested.CompanyPrefixes
	}
	if err := p.replacePartnerKeys(batch, partner.ID, prefixPartnerGLN, prefixGLN, partner.AttestedGLNs()); err != nil {
		return fmt.Errorf("index partner GLNs: %w", err)
	}
	if err := p.replacePartnerKeys(batch, partner.ID, prefixPartnerCompany, prefixCompany, prefixes); err != nil {
		return fmt.Errorf("index partner company prefixes: %w", err)
	}
	return nil
}

// replacePartnerKeys maps values (GLNs, company prefixes) to a partner under
// byValue, replacing those its previous record had (kept under byPartner).
func (p *projection) replacePartnerKeys(batch *pebble.Batch, id string, byPartner, byValue byte, values []string) error {
	prefix := append([]byte{byPartner}, id...)
	prefix = append(prefix, 0)
	it, err := p.idx.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		v := it.Key()[len(prefix):]
		if err := batch.Delete(append([]byte{byValue}, v...), nil); err != nil {
			it.Close()
			return err
		}
		if err := batch.Delete(slices.Clone(it.Key()), nil); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, v := range values {
		if err := batch.Set(append([]byte{byValue}, v...), []byte(id), nil); err != nil {
			return err
		}
		if err := batch.Set(append(slices.Clone(prefix), v...), nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// firstSkipped returns the hash ID of an event the projection could not
// read, "" when it read them all.
func (p *projection) firstSkipped() (string, error) {
	prefix := []byte{prefixSkipped}
	it, err := p.idx.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return "", fmt.Errorf("query index: %w", err)
	}
	defer it.Close()
	if !it.First() {
		return "", it.Error()
	}
	return string(it.Key()[1:]), nil
}

// projected is the part of the "dscsa" chaincode event (see
// chaincode.ChaincodeEvent) the projection reads; decoding only it skips
// the serial and container records, the bulk of a commissioning's event.
type projected struct {
	TxID     string                  `json:"txId"`
	Time     time.Time               `json:"time"`
	Partners []chaincode.Partner     `json:"partners"`
	Events   []chaincode.EventAnchor `json:"events"`
}

// body reads an anchored event's body as the projection organisation. An
// event that organisation may not read is skipped (logged and counted; the
// caller notes it, and the index is rebuilt at a start where it reads):
// retrying now will not help.
func (p *projection) body(ctx context.Context, hashID string) (json.RawMessage, error) {
	raw, err := p.l.Evaluate(ctx, p.org, chaincode.FnReadEvent, hashID)
	if err != nil {
		if problem.Is(err, problem.NotFound) || problem.Is(err, problem.Forbidden) {
			p.log.Error("the projection organisation cannot read an event; it is left out of the query index",
				"org", p.org, "hashId", hashID, "error", err)
			p.m.skippedEvents.Inc()
			return nil, nil
		}
		return nil, err
	}
	var rec chaincode.EventRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("decode event record: %w", err)
	}
	if len(rec.Body) == 0 {
		p.m.skippedEvents.Inc()
		return nil, nil
	}
	return rec.Body, nil
}

// writeEvent adds an event and its index entries to a batch.
func writeEvent(batch *pebble.Batch, seq uint64, rec *eventRecord) error {
	var ev epcis.Event
	if err := json.Unmarshal(rec.Body, &ev); err != nil {
		return fmt.Errorf("decode event body: %w", err)
	}
	val, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode indexed event: %w", err)
	}
	s := be64(seq)
	if err := batch.Set(eventKey(seq), val, nil); err != nil {
		return err
	}
	if err := batch.Set(append([]byte{prefixHash}, rec.HashID...), s, nil); err != nil {
		return err
	}
	if ev.EventID != "" && ev.EventID != rec.HashID {
		if err := batch.Set(append(eventIDPrefix(ev.EventID), s...), nil, nil); err != nil {
			return err
		}
	}
	var werr error
	for field, values := range indexValues(&ev) {
		if unionFields[field] != nil {
			continue // answered from the fields it is the union of
		}
		for v := range values {
			if werr == nil {
				werr = batch.Set(append(indexPrefix(field, v), s...), nil, nil)
			}
		}
	}
	return werr
}

// indexValues lists the values an event is indexed under, by field.
func indexValues(ev *epcis.Event) map[byte]map[string]bool {
	out := map[byte]map[string]bool{}
	add := func(f byte, vs ...string) {
		for _, v := range vs {
			if v == "" {
				continue
			}
			if out[f] == nil {
				out[f] = map[string]bool{}
			}
			out[f][v] = true
		}
	}
	add(fieldType, string(ev.Type))
	add(fieldAction, string(ev.Action))
	add(fieldBizStep, epcis.ShortCBV(epcis.BizStep, ev.BizStep))
	add(fieldDisposition, epcis.ShortCBV(epcis.Disposition, ev.Disposition))
	add(fieldBizLocation, canonLocation(ev.BizLocation))
	add(fieldReadPoint, canonLocation(ev.ReadPoint))
	addSourceDest := func(list []epcis.SourceDest, fields map[string]byte) {
		for _, sd := range list {
			if f, ok := fields[epcis.ShortCBV(epcis.SourceDestType, sd.Type)]; ok {
				add(f, canonLocation(sd.Value))
			}
		}
	}
	addSourceDest(ev.SourceList, sourceFields)
	addSourceDest(ev.DestinationList, destFields)
	for _, id := range ev.EPCList {
		add(fieldEPC, canonEPC(id))
		add(fieldAnyEPC, canonEPC(id))
	}
	for _, id := range ev.ChildEPCs {
		add(fieldEPC, canonEPC(id))
		add(fieldAnyEPC, canonEPC(id))
	}
	add(fieldParent, canonEPC(ev.ParentID))
	add(fieldAnyEPC, canonEPC(ev.ParentID))
	for _, id := range ev.InputEPCList {
		add(fieldInput, canonEPC(id))
		add(fieldAnyEPC, canonEPC(id))
	}
	for _, id := range ev.OutputEPCList {
		add(fieldOutput, canonEPC(id))
		add(fieldAnyEPC, canonEPC(id))
	}
	for _, q := range append(append([]epcis.QuantityElement(nil), ev.QuantityList...), ev.ChildQuantityList...) {
		add(fieldEPCClass, canonClass(q.EPCClass))
		add(fieldAnyClass, canonClass(q.EPCClass))
	}
	for _, q := range ev.InputQuantityList {
		add(fieldInputClass, canonClass(q.EPCClass))
		add(fieldAnyClass, canonClass(q.EPCClass))
	}
	for _, q := range ev.OutputQuantityList {
		add(fieldOutputClass, canonClass(q.EPCClass))
		add(fieldAnyClass, canonClass(q.EPCClass))
	}
	return out
}

// canonEPC writes an SGTIN or SSCC in its canonical Digital Link form, the
// chaincode's (chaincode.ItemID.DigitalLink), so that a URN query finds
// events captured with Digital Links and back: an EPC URN, or a GS1
// Digital Link on any host with numeric AIs or with the short names of
// GS1 Digital Link 1.x (/gtin/ and /ser/, /sscc/), which ParseItemID reads.
// Other identifiers are kept as written.
func canonEPC(id string) string {
	if id == "" {
		return ""
	}
	if item, err := chaincode.ParseItemID(id); err == nil {
		return item.DigitalLink()
	}
	return id
}

// canonLocation writes a read point or business location in its canonical
// form, so that a query in one form finds events captured in another, as
// canonEPC does for EPCs: an EPC URN (an SGLN, as EPCIS 1.2 documents carry
// it) or a GS1 Digital Link on any host, with numeric AIs or short names
// ("/gln/", "/glnx/"), becomes the Digital Link on https://id.gs1.org of its
// primary key and key qualifiers, each value percent-encoded one way
// (gs1.GenerateDigitalLink). Anything else, a non-GS1 URI or a malformed
// GS1 identifier, is kept as written.
//
// The SGLN extension "0": in the EPC Tag Data Standard an SGLN's extension
// component "0" means the GLN has no extension, so an SGLN URN with
// extension "0" is the Digital Link without AI (254)
// (urn:epc:id:sgln:0312345.00001.0 is https://id.gs1.org/414/0312345000011,
// as gs1.EPCToDigitalLink does and the reference translator's vectors in
// digital-link/epc-urn-digital-link-translation.json have it).
// The translation back gives a Digital Link with an explicit /254/0 that
// same EPC, extension "0" (gs1.DigitalLinkToEPC, and gs1.SGLN reads "0" as
// no extension): the EPC form cannot tell the two apart, so /254/0 is
// dropped here too, and a partner who names the location by its URN finds
// the events captured either way. (The event hash keeps a /254/0: it
// follows the reference hash implementation, which canonicalises the path
// of a Digital Link as written.) Any other extension is kept: it names a
// sub-location.
func canonLocation(v string) string {
	if v == "" {
		return ""
	}
	dl := v
	if strings.HasPrefix(v, "urn:epc:") { // an EPC, a class or a pattern (canonClass)
		var err error
		if dl, err = gs1.EPCToDigitalLink(v); err != nil {
			return v
		}
	}
	elems, err := gs1.ParseDigitalLink(dl, gs1.DigitalLinkOptions{})
	if err != nil {
		return v
	}
	key, _ := gs1.LookupAI(elems[0].AI)
	id := elems[:1:1]
	for _, e := range elems[1:] {
		switch {
		case !slices.ContainsFunc(key.DLQualifiers, func(seq []string) bool { return slices.Contains(seq, e.AI) }):
			// A data attribute of the query string: not the identifier.
		case key.AI == "414" && e.AI == "254" && e.Value == "0":
			// No extension (above).
		default:
			id = append(id, e)
		}
	}
	out, err := gs1.GenerateDigitalLink(id, gs1.CanonicalDLHost)
	if err != nil {
		return v
	}
	return out
}

// canonClass writes an EPC class (a quantity element's epcClass) in its
// canonical form, by canonLocation's rule: a lot of a product as an LGTIN
// class URN (urn:epc:class:lgtin:0312345.067890.L1) or as a Digital Link
// (/01/00312345678906/10/L1, on any host, with short names), and every
// package of a product as an SGTIN pattern URN
// (urn:epc:idpat:sgtin:0312345.067890.*) or as the GTIN's Digital Link,
// are each one value. Patterns with a wildcard product, and anything that
// is not a GS1 identifier, are kept as written.
func canonClass(v string) string { return canonLocation(v) }

// height is the next block the projection will index (0 until the index
// was checked against the ledger).
func (p *projection) height() uint64 {
	if !p.checked.Load() {
		return 0
	}
	return p.next.Load()
}

// waitFor waits until the projection has indexed every block below h.
func (p *projection) waitFor(ctx context.Context, h uint64) error {
	for {
		p.mu.Lock()
		ch := p.advance
		p.mu.Unlock()
		if p.checked.Load() && p.next.Load() >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// failure is the error of the last failed projection attempt, if it has
// not recovered since.
func (p *projection) failure() error {
	if e := p.lastErr.Load(); e != nil {
		return *e
	}
	return nil
}

package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/epcis/gs1"
	"rxledger/services/platform/problem"
)

// t3Sources are what deriving transaction information needs beyond the
// document: the organisation that owns a GLN, and an item's record and
// what it holds on the ledger before the document (nil for an item the
// ledger does not know).
type t3Sources struct {
	orgOfGLN func(gln string) (string, bool)
	// behind, when set, reports whether the partners' index is still
	// behind the ledger (a rebuild): a GLN it does not know yet is then no
	// reason to record a shipment without its T3, but to wait.
	behind   func() bool
	contents func(ctx context.Context, epc string) (*chaincode.ContainerContents, error)
}

// deriveT3 builds the chaincode's T3 records for the shipping events of a
// document, one per buyer: the dates, parties, PO and invoice numbers and the
// statement come from the epcis package's GS1 US extraction
// (epcis.ExtractTransaction: business transactions, source and destination
// owning parties, Location master data); the product lines are the shipped saleable units by
// GTIN and lot (shippedUnits, one pass over the document for every buyer),
// named from the master data where the document has it. A shipment whose
// buyer GLN belongs to no registered partner, or whose units cannot be
// told, gets no T3 (the chaincode then judges the events alone) and a line
// of missing, which the job shows; each buyer's shipments are judged apart,
// so one without T3 leaves the others theirs. lerr is the ledger read that
// failed, for the log; an Unavailable one ends the derivation at once, for
// the job to wait and try again. seller is the submitting organisation.
func deriveT3(ctx context.Context, doc *epcis.Document, seller string, src t3Sources) (out []chaincode.T3, missing []string, lerr error) {
	groups, order := shipmentsByBuyer(doc)
	if len(order) == 0 {
		return nil, nil, nil
	}
	shipped, p, serr := shippedUnits(ctx, doc, src)
	if problem.Is(serr, problem.Unavailable) {
		return nil, nil, serr
	}
	var unreadable string // why no buyer's products can be told
	switch {
	case errors.Is(serr, errPackingTooDeep):
		unreadable, serr = serr.Error(), nil // the document's own fault: its text is the caller's
	case serr != nil:
		unreadable = "the contents of a shipped container could not be read from the ledger"
	}
	productOf := masterDataProducts(doc)
	for _, buyer := range order {
		sub := *doc
		sub.Events = make([]epcis.Event, 0, len(doc.Events))
		var units []string
		for i := range doc.Events {
			if !isShipping(&doc.Events[i]) || groups[buyer][i] {
				sub.Events = append(sub.Events, doc.Events[i])
			}
			if groups[buyer][i] {
				units = append(units, shipped[i]...)
			}
		}
		ti, err := epcis.ExtractTransaction(&sub)
		if err != nil {
			if !errors.Is(err, epcis.ErrNoShipment) {
				// The document's own fault: its text is the caller's.
				missing = append(missing, noT3Warning(buyer, err.Error()))
			}
			continue
		}
		t, why, err := toChaincodeT3(ti, seller, src)
		if err != nil {
			return nil, nil, err // the partners' index is catching up: wait
		}
		switch {
		case why != "":
		case unreadable != "":
			why = unreadable
		default:
			if t.Products = productLines(units, p, productOf); len(t.Products) == 0 {
				why = "no product of the shipment could be told (it moves no serialised package: its EPCs name no GTIN, and its containers hold none)"
			}
		}
		if why != "" {
			missing = append(missing, noT3Warning(buyer, why))
			continue
		}
		if t.Statement == "" {
			missing = append(missing, noStatementWarning(buyer))
		}
		out = append(out, t)
	}
	if serr != nil {
		lerr = fmt.Errorf("transaction information of the shipments: %w", serr)
	}
	return out, missing, lerr
}

// noT3Warning tells a capture job's caller that its shipping events to buyer
// were recorded without DSCSA transaction information, and why.
func noT3Warning(buyer, why string) string {
	to := "the shipping events"
	if buyer != "" {
		to += " to " + buyer
	}
	return to + " were recorded without transaction information (T3): " + why
}

// noStatementWarning tells a capture job's caller that the transaction
// information of its sale to buyer was recorded without the DSCSA
// transaction statement, which the seller must give.
func noStatementWarning(buyer string) string {
	return "the transaction information of the sale to " + buyer + " was recorded without a transaction statement (TS): " +
		"DSCSA requires the seller's; the GS1 US guideline carries it as gs1ushc:dscsaTransactionStatement with " +
		"affirmTransactionStatement true, in the document's header or the shipping event (" + epcis.NSGS1USHealthcare + ")"
}

func isShipping(e *epcis.Event) bool { return epcis.ShortCBV(epcis.BizStep, e.BizStep) == "shipping" }

// shipmentsByBuyer groups the shipping events by destination owning party,
// known by its GLN (epcis.PartyKey): one buyer named as an SGLN in one
// event and as a Digital Link in another is one sale. order lists each
// buyer as its first event writes it.
func shipmentsByBuyer(doc *epcis.Document) (map[string]map[int]bool, []string) {
	groups := map[string]map[int]bool{}
	var order []string
	keyOf := map[string]string{} // a buyer's PartyKey: the buyer as first written
	for i := range doc.Events {
		e := &doc.Events[i]
		if !isShipping(e) {
			continue
		}
		buyer := ""
		for _, d := range e.DestinationList {
			if epcis.ShortCBV(epcis.SourceDestType, d.Type) == "owning_party" {
				buyer = d.Value
				break
			}
		}
		key := epcis.PartyKey(buyer)
		if _, ok := keyOf[key]; !ok {
			keyOf[key] = buyer
			groups[buyer] = map[int]bool{}
			order = append(order, buyer)
		}
		groups[keyOf[key]][i] = true
	}
	return groups, order
}

// toChaincodeT3 maps extracted transaction information to the chaincode's
// record, all but its products; why says what is missing when it cannot
// make a complete one.
func toChaincodeT3(t *epcis.T3, seller string, src t3Sources) (chaincode.T3, string, error) {
	info := &t.Information
	gln, err := chaincode.ParseGLN(info.Buyer.ID)
	if err != nil {
		return chaincode.T3{}, fmt.Sprintf("the destination owning_party %q is not a GLN", info.Buyer.ID), nil
	}
	buyer, ok := src.orgOfGLN(gln)
	switch {
	case !ok && src.behind != nil && src.behind():
		return chaincode.T3{}, "", problem.New(problem.Unavailable, "the query index, which maps GLNs to partners, is catching up with the ledger")
	case !ok:
		return chaincode.T3{}, "no trading partner has GLN " + gln + " attested by a regulator", nil
	case buyer == seller:
		return chaincode.T3{}, "GLN " + gln + " is the shipper's own (a transfer within " + seller + " is no sale)", nil
	}
	rec := chaincode.T3{
		Seller:          seller,
		Buyer:           buyer,
		SellerName:      info.Seller.Name,
		SellerAddress:   formatAddress(info.Seller.Address),
		BuyerName:       info.Buyer.Name,
		BuyerAddress:    formatAddress(info.Buyer.Address),
		TransactionDate: info.TransactionDate,
		ShipmentDate:    info.ShipmentDate,
		PONumber:        info.PurchaseOrder,
		InvoiceNumber:   info.Invoice,
	}
	if st := t.Statement; st != nil && st.Affirmed {
		rec.Statement = st.LegalNotice
		if rec.Statement == "" {
			rec.Statement = "The seller affirms the DSCSA transaction statement."
		}
	}
	return rec, "", nil
}

// shippedUnits lists, by the index of each shipping event of the document,
// the saleable units it moves: the packages inside what it names that hold
// nothing themselves (a case or an SSCC is not a product of its own). It
// follows the document's events in order over the packing the ledger had
// before them, so a package unpacked from a container before the container
// is shipped is not in the sale, and one packed into it is; the packing
// (with each unit's lot and expiry, from the document's commissioning or
// the ledger) is returned for productLines. Shipping events change no
// packing, so one pass serves every buyer.
func shippedUnits(ctx context.Context, doc *epcis.Document, src t3Sources) (map[int][]string, *packing, error) {
	p := newPacking(ctx, src)
	shipped := map[int][]string{}
	seen := map[string]bool{}
	for i := range doc.Events {
		ev := &doc.Events[i]
		var err error
		switch {
		case ev.Type == epcis.ObjectEventType && ev.Action == epcis.ActionAdd && epcis.ShortCBV(epcis.BizStep, ev.BizStep) == "commissioning":
			p.commissioned(ev.EPCList, ev.ILMD)
		case ev.Type == epcis.TransformationEventType:
			if err = p.retire(ev.InputEPCList); err == nil {
				p.commissioned(ev.OutputEPCList, ev.ILMD)
			}
		case ev.Type == epcis.ObjectEventType && retires(ev):
			err = p.retire(ev.EPCList)
		case ev.Type == epcis.AggregationEventType && ev.Action == epcis.ActionAdd:
			err = p.pack(ev.ParentID, ev.ChildEPCs)
		case ev.Type == epcis.AggregationEventType && ev.Action == epcis.ActionDelete:
			err = p.unpack(ev.ParentID, ev.ChildEPCs)
		case ev.Type == epcis.ObjectEventType && isShipping(ev):
			for _, id := range ev.EPCList {
				if err = p.units(canonEPC(id), 0, func(u string) {
					if !seen[u] {
						seen[u] = true
						shipped[i] = append(shipped[i], u)
					}
				}); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return shipped, p, nil
}

// masterDataProducts returns the product data the document's EPCClass
// master data gives a GTIN's lot, or the GTIN (every package of it),
// whatever form the document wrote the class in.
func masterDataProducts(doc *epcis.Document) func(gtin, lot string) (epcis.ProductLine, bool) {
	classes := map[string]epcis.ProductLine{}
	for _, pl := range epcis.ProductClasses(doc) {
		classes[canonClass(pl.ClassID)] = pl
	}
	return func(gtin, lot string) (epcis.ProductLine, bool) {
		if pl, ok := classes[canonClass("https://id.gs1.org/01/"+gtin+"/10/"+gs1.EscapeDLPath(lot))]; ok && lot != "" {
			return pl, true
		}
		pl, ok := classes[canonClass("https://id.gs1.org/01/"+gtin)]
		return pl, ok
	}
}

// productLines groups units by GTIN and lot, with expiry and serials from
// the packing, and names, NDC, strength, dosage form and container size
// from the master data (productOf).
func productLines(units []string, p *packing, productOf func(gtin, lot string) (epcis.ProductLine, bool)) []chaincode.T3Product {
	var lines []chaincode.T3Product
	index := map[string]int{}
	for _, u := range units {
		item, _ := chaincode.ParseItemID(u) // units are SGTINs
		lot, expiry := p.lot[u], p.expiry[u]
		key := item.GTIN + "\x00" + lot
		i, ok := index[key]
		if !ok {
			i = len(lines)
			index[key] = i
			line := chaincode.T3Product{GTIN: item.GTIN, Lot: lot, Expiry: expiry}
			if pl, ok := productOf(item.GTIN, lot); ok {
				line.Name, line.Strength, line.DosageForm, line.NDC, line.ContainerSize = pl.ProductName, pl.Strength, pl.DosageForm, pl.NDC, pl.ContainerSize
			}
			lines = append(lines, line)
		}
		lines[i].Quantity++
		lines[i].Serials = append(lines[i].Serials, u) // one form, the canonical Digital Link
	}
	return lines
}

// retires reports whether an ObjectEvent takes its packages out of the
// supply chain, and so out of their containers (chaincode.RetiredBy).
func retires(ev *epcis.Event) bool {
	_, ok := chaincode.RetiredBy(epcis.ShortCBV(epcis.BizStep, ev.BizStep))
	return ok
}

// packing is what holds what while a document's events are followed: the
// ledger's packing before the document, read as items come up, changed by
// the document's aggregation events. Items are keyed, and a T3 lists its
// serials, by their canonical Digital Link (an SGTIN or SSCC in any form is
// one item).
type packing struct {
	ctx      context.Context
	src      t3Sources
	children map[string][]string
	parent   map[string]string
	known    map[string]bool // its ledger record has been read, or the document made it
	lot      map[string]string
	expiry   map[string]string
	// packed are the items that held others, on the ledger or in the
	// document: a case emptied before it ships is no product.
	packed map[string]bool
}

func newPacking(ctx context.Context, src t3Sources) *packing {
	return &packing{ctx: ctx, src: src, children: map[string][]string{}, parent: map[string]string{}, known: map[string]bool{},
		lot: map[string]string{}, expiry: map[string]string{}, packed: map[string]bool{}}
}

// commissioned notes items the document creates, with their lot and expiry:
// they hold nothing yet, and the ledger has no record of them to read.
func (p *packing) commissioned(ids []string, ilmd []epcis.Element) {
	lot, expiry := epcis.ILMDLotExpiry(ilmd)
	if d, ok := chaincode.NormalizeExpiry(expiry); ok {
		expiry = d
	}
	for _, id := range ids {
		c := canonEPC(id)
		p.known[c] = true
		if lot != "" {
			p.lot[c], p.expiry[c] = lot, expiry
		}
	}
}

// load reads an item's record and everything inside it from the ledger,
// once; an item the ledger does not know holds nothing.
func (p *packing) load(c string) error {
	if p.known[c] {
		return nil
	}
	p.known[c] = true
	if p.src.contents == nil {
		return nil
	}
	cc, err := p.src.contents(p.ctx, c)
	if err != nil || cc == nil {
		return err
	}
	var custody *chaincode.Custody
	switch {
	case cc.Case != nil:
		p.lot[c], p.expiry[c] = cc.Case.Lot, cc.Case.Expiry
		custody = &cc.Case.Custody
		p.packed[c] = p.packed[c] || len(cc.Case.Children) > 0
	case cc.Container != nil:
		custody = &cc.Container.Custody
	}
	if _, placed := p.parent[c]; !placed && custody != nil && custody.Parent != "" {
		p.parent[c] = custody.Parent // so that retiring it takes it out
	}
	for _, it := range cc.Items {
		if p.known[it.ID] {
			// Read before, with what it holds: it stays where the
			// document's events have put it since (unpacked from a case
			// read first, retired, packed elsewhere), and is listed here
			// only if that is still this container.
			if p.parent[it.ID] == it.Parent && !slices.Contains(p.children[it.Parent], it.ID) {
				p.children[it.Parent] = append(p.children[it.Parent], it.ID)
			}
			continue
		}
		p.known[it.ID] = true
		p.packed[it.ID] = it.Packs
		p.children[it.Parent] = append(p.children[it.Parent], it.ID)
		p.parent[it.ID] = it.Parent
		if it.Lot != "" {
			p.lot[it.ID], p.expiry[it.ID] = it.Lot, it.Expiry
		}
	}
	return nil
}

// retire takes items the document dispenses, destroys, decommissions or
// transforms out of their containers, as the chaincode does: they are not
// shipped with them.
func (p *packing) retire(ids []string) error {
	for _, id := range ids {
		c := canonEPC(id)
		if err := p.load(c); err != nil {
			return err
		}
		if parent, ok := p.parent[c]; ok {
			p.children[parent] = slices.DeleteFunc(p.children[parent], func(x string) bool { return x == c })
			delete(p.parent, c)
		}
	}
	return nil
}

// pack puts children into parent, taking each out of where it was.
func (p *packing) pack(parentID string, childIDs []string) error {
	parent := canonEPC(parentID)
	if err := p.load(parent); err != nil {
		return err
	}
	p.packed[parent] = p.packed[parent] || len(childIDs) > 0
	for _, id := range childIDs {
		c := canonEPC(id)
		if err := p.load(c); err != nil {
			return err
		}
		if old, ok := p.parent[c]; ok {
			p.children[old] = slices.DeleteFunc(p.children[old], func(x string) bool { return x == c })
		}
		p.parent[c] = parent
		p.children[parent] = append(p.children[parent], c)
	}
	return nil
}

// unpack takes children (all of them when none is named) out of parent.
func (p *packing) unpack(parentID string, childIDs []string) error {
	parent := canonEPC(parentID)
	if err := p.load(parent); err != nil {
		return err
	}
	gone := make([]string, 0, len(childIDs))
	for _, id := range childIDs {
		gone = append(gone, canonEPC(id))
	}
	if len(childIDs) == 0 {
		gone = slices.Clone(p.children[parent])
	}
	for _, c := range gone {
		p.children[parent] = slices.DeleteFunc(p.children[parent], func(x string) bool { return x == c })
		if p.parent[c] == parent {
			delete(p.parent, c)
		}
	}
	return nil
}

// units calls fn with every serialised package inside c (c itself when it
// holds nothing) that holds nothing and is no emptied case.
func (p *packing) units(c string, depth int, fn func(string)) error {
	if depth > maxPackingDepth {
		return fmt.Errorf("%w: more than %d levels under %s", errPackingTooDeep, maxPackingDepth, c)
	}
	if err := p.load(c); err != nil {
		return err
	}
	kids := p.children[c]
	if len(kids) == 0 {
		if item, err := chaincode.ParseItemID(c); err == nil && item.Kind == chaincode.KindSGTIN && !p.packed[c] {
			fn(c)
		}
		return nil
	}
	for _, k := range kids {
		if err := p.units(k, depth+1, fn); err != nil {
			return err
		}
	}
	return nil
}

// errPackingTooDeep is a document whose packing goes deeper than
// maxPackingDepth.
var errPackingTooDeep = errors.New("the packing is too deep to follow")

// maxPackingDepth bounds the packing followed: item, case, pallet and a few
// more levels.
const maxPackingDepth = 16

// formatAddress writes a postal address on one line.
func formatAddress(a epcis.Address) string {
	var parts []string
	for _, s := range []string{a.Street1, a.Street2, a.Street3, a.City, a.State, a.PostalCode, a.CountryCode} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// containerContents reads an item's record and what it holds from the
// ledger, as org; nil when the ledger does not know it.
func containerContents(ctx context.Context, evaluate func(ctx context.Context, fn string, args ...string) ([]byte, error), epc string) (*chaincode.ContainerContents, error) {
	raw, err := evaluate(ctx, chaincode.FnReadContainer, epc)
	if problem.Is(err, problem.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cc chaincode.ContainerContents
	if err := json.Unmarshal(raw, &cc); err != nil {
		return nil, fmt.Errorf("decode container: %w", err)
	}
	return &cc, nil
}

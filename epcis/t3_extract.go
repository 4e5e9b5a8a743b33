package epcis

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"rxledger/epcis/gs1"
)

// maxPackageDepth bounds the packing hierarchy ExtractT3 follows (item, case,
// pallet and a few more levels); deeper nesting is reported as an error.
const maxPackageDepth = 16

// ExtractT3 reads the DSCSA transaction information and statement from an
// EPCIS document written per the GS1 US guideline: what ExtractTransaction
// reads, and the shipped goods: the containers the shipping events name,
// what the document's AggregationEvents packed in them, lot and expiry
// from the commissioning events' ILMD, and product lines named from the
// header's EPCClass master data.
func ExtractT3(d *Document) (*T3, error) {
	t3, ships, err := extractTransaction(d)
	if err != nil {
		return nil, err
	}
	info := &t3.Information
	md := newMasterDataIndex(d.MasterData)
	h := newHierarchy(d.Events)
	for _, id := range shippedContainers(ships) {
		p, err := h.pkg(id, 0)
		if err != nil {
			return nil, fmt.Errorf("extract t3: %w", err)
		}
		info.Packages = append(info.Packages, p)
	}
	info.Products = productLines(info.Packages, md)
	if info.Products == nil {
		info.Products = []ProductLine{} // "products": [], not null
	}
	if info.Packages == nil {
		info.Packages = []Package{}
	}
	return t3, nil
}

// ExtractTransaction reads the transaction of a GS1 US guideline document
// but its goods (Products and Packages empty), for a caller that tells
// what was shipped its own way (the ingest service, from the packing the
// ledger holds): the shipping event(s) (bizStep shipping) give the date,
// the trading partners (source and destination owning_party, with name
// and address from the header's Location master data; locations as
// ship-from and ship-to) and the business transactions; the
// gs1ushc:dscsaTransactionStatement extension gives the statement.
//
// All shipping events of the document must name the same seller and buyer
// (in any form: PartyKey); the first one gives the dates and the parties'
// IDs. It returns ErrNoShipment when there is no shipping event.
func ExtractTransaction(d *Document) (*T3, error) {
	t3, _, err := extractTransaction(d)
	if err != nil {
		return nil, err
	}
	t3.Information.Products, t3.Information.Packages = []ProductLine{}, []Package{}
	return t3, nil
}

// extractTransaction is ExtractTransaction, also returning the shipping
// events.
func extractTransaction(d *Document) (*T3, []*Event, error) {
	var ships []*Event
	for i := range d.Events {
		if d.Events[i].BizStep == "shipping" {
			ships = append(ships, &d.Events[i])
		}
	}
	if len(ships) == 0 {
		return nil, nil, ErrNoShipment
	}
	first := ships[0]
	seller, sellerOK := sourceDestOf(first.SourceList, "owning_party")
	buyer, buyerOK := sourceDestOf(first.DestinationList, "owning_party")
	if !sellerOK || !buyerOK {
		return nil, nil, errors.New("extract t3: shipping event has no source and destination owning_party")
	}
	for _, s := range ships[1:] {
		sl, _ := sourceDestOf(s.SourceList, "owning_party")
		by, _ := sourceDestOf(s.DestinationList, "owning_party")
		if PartyKey(sl) != PartyKey(seller) || PartyKey(by) != PartyKey(buyer) {
			return nil, nil, fmt.Errorf("extract t3: shipping events name different trading partners (%s -> %s and %s -> %s)", seller, buyer, sl, by)
		}
	}

	md := newMasterDataIndex(d.MasterData)
	info := TransactionInformation{
		Seller: md.party(seller),
		Buyer:  md.party(buyer),
	}
	info.TransactionDate = localDate(first.EventTime, first.EventTimeZoneOffset)
	info.ShipmentDate = info.TransactionDate
	if loc, ok := sourceDestOf(first.SourceList, "location"); ok {
		p := md.party(loc)
		info.ShipFrom = &p
	}
	if loc, ok := sourceDestOf(first.DestinationList, "location"); ok {
		p := md.party(loc)
		info.ShipTo = &p
	}
	for _, s := range ships {
		for _, bt := range s.BizTransactionList {
			info.BizTransactions = append(info.BizTransactions, BizTransactionRef(bt))
		}
	}
	for _, bt := range info.BizTransactions {
		switch bt.Type {
		case "po":
			setOnce(&info.PurchaseOrder, bt.Value)
		case "inv":
			setOnce(&info.Invoice, bt.Value)
		case "desadv":
			setOnce(&info.DespatchAdvice, bt.Value)
		}
	}
	return &T3{Information: info, Statement: transactionStatement(d, ships)}, ships, nil
}

// PartyKey is how a trading partner or location is known whatever form it
// is written in: the GLN that an SGLN or PGLN URN, a GS1 Digital Link with
// AI 414 or 417 (on any host, with numeric AIs or short names) or a bare
// GLN names, a location's extension aside; anything else as written.
func PartyKey(id string) string {
	if g, err := gs1.ParseGLN(id); err == nil {
		return string(g)
	}
	dl, err := gs1.EPCToDigitalLink(id)
	if err != nil {
		return id
	}
	for _, ai := range []string{"/414/", "/417/"} {
		if rest, ok := strings.CutPrefix(dl, gs1.CanonicalDLHost+ai); ok {
			gln, _, _ := strings.Cut(rest, "/")
			return gln
		}
	}
	return id
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func sourceDestOf(list []SourceDest, typ string) (string, bool) {
	for _, sd := range list {
		if sd.Type == typ {
			return sd.Value, true
		}
	}
	return "", false
}

// localDate formats t as a date in the event's recorded time zone offset
// ("-05:00"), or in UTC when the offset is missing or unreadable.
func localDate(t time.Time, offset string) string {
	if z, err := time.Parse("-07:00", offset); err == nil {
		_, secs := z.Zone()
		t = t.In(time.FixedZone(offset, secs))
	} else {
		t = t.UTC()
	}
	return t.Format(time.DateOnly)
}

// shippedContainers lists, in order and once each, the identifiers the
// shipping events name: their EPC lists, or the parent of an aggregation.
func shippedContainers(ships []*Event) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, s := range ships {
		if s.Type == AggregationEventType {
			add(s.ParentID)
			continue
		}
		for _, id := range s.EPCList {
			add(id)
		}
	}
	return out
}

// hierarchy is the packing state after the document's aggregation events,
// and the lot and expiry each identifier was commissioned with.
type hierarchy struct {
	children map[string][]string
	lot      map[string]string
	expiry   map[string]string
}

func newHierarchy(events []Event) *hierarchy {
	h := &hierarchy{children: map[string][]string{}, lot: map[string]string{}, expiry: map[string]string{}}
	parentOf := map[string]string{}
	for i := range events {
		ev := &events[i]
		switch {
		case ev.Type == AggregationEventType && ev.Action == ActionAdd && ev.ParentID != "":
			for _, c := range ev.ChildEPCs {
				if old, ok := parentOf[c]; ok {
					h.children[old] = without(h.children[old], c)
				}
				parentOf[c] = ev.ParentID
				h.children[ev.ParentID] = append(h.children[ev.ParentID], c)
			}
		case ev.Type == AggregationEventType && ev.Action == ActionDelete && ev.ParentID != "":
			gone := ev.ChildEPCs
			if len(gone) == 0 {
				gone = h.children[ev.ParentID]
			}
			for _, c := range gone {
				h.children[ev.ParentID] = without(h.children[ev.ParentID], c)
				delete(parentOf, c)
			}
		}
		if lot, exp := ILMDLotExpiry(ev.ILMD); lot != "" || exp != "" {
			ids := ev.EPCList
			if ev.Type == TransformationEventType {
				ids = ev.OutputEPCList
			}
			for _, id := range ids {
				h.lot[id], h.expiry[id] = lot, exp
			}
		}
	}
	return h
}

func without(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func (h *hierarchy) pkg(id string, depth int) (Package, error) {
	if depth > maxPackageDepth {
		return Package{}, fmt.Errorf("packing hierarchy under %s is deeper than %d levels (a cycle?)", id, maxPackageDepth)
	}
	p := Package{ID: id, Lot: h.lot[id], Expiry: h.expiry[id]}
	for _, c := range h.children[id] {
		cp, err := h.pkg(c, depth+1)
		if err != nil {
			return Package{}, err
		}
		p.Children = append(p.Children, cp)
	}
	return p, nil
}

// ILMDLotExpiry returns the CBV master data lot number and expiry date of an
// event's ILMD.
func ILMDLotExpiry(ilmd []Element) (lot, expiry string) {
	for _, e := range ilmd {
		if !isCBVMDA(e.Space) {
			continue
		}
		switch e.Local {
		case "lotNumber":
			lot = e.Text
		case "itemExpirationDate":
			expiry = e.Text
		}
	}
	return lot, expiry
}

func isCBVMDA(space string) bool {
	return space == "urn:epcglobal:cbv:mda" || strings.HasPrefix(space, "urn:epcglobal:cbv:mda") ||
		strings.HasSuffix(strings.TrimRight(space, "/#"), "/mda")
}

// ProductClasses returns the product data of the document's EPCClass master
// data, a line per class element (ClassID as the document wrote it, lot,
// expiry and counts empty), sorted by ClassID: what ExtractT3 names the
// products of a shipment with, for packages the document itself does not
// show (read from the ledger).
func ProductClasses(d *Document) []ProductLine {
	md := newMasterDataIndex(d.MasterData)
	out := make([]ProductLine, 0, len(md.classes))
	for id, attrs := range md.classes {
		out = append(out, productLine(id, attrs, "", ""))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClassID < out[j].ClassID })
	return out
}

// productLines groups the innermost packages (those nothing was packed into)
// by product class and lot, in the order they first appear.
func productLines(pkgs []Package, md *masterDataIndex) []ProductLine {
	var lines []ProductLine
	index := map[string]int{}
	var walk func(p Package)
	walk = func(p Package) {
		if len(p.Children) > 0 {
			for _, c := range p.Children {
				walk(c)
			}
			return
		}
		classID, attrs, ok := md.productClass(p.ID, p.Lot)
		if !ok {
			return // e.g. an SSCC nothing is known to be packed in
		}
		key := classID + "\x00" + p.Lot
		i, ok := index[key]
		if !ok {
			i = len(lines)
			index[key] = i
			lines = append(lines, productLine(classID, attrs, p.Lot, p.Expiry))
		}
		lines[i].Containers++
		lines[i].Identifiers = append(lines[i].Identifiers, p.ID)
	}
	for _, p := range pkgs {
		walk(p)
	}
	return lines
}

func productLine(classID string, attrs map[string][]string, lot, expiry string) ProductLine {
	first := func(k string) string {
		if v := attrs[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	pl := ProductLine{
		ClassID:       classID,
		ProductName:   first("regulatedProductName"),
		Strength:      first("strengthDescription"),
		DosageForm:    first("dosageFormType"),
		ContainerSize: first("netContentDescription"),
		Manufacturer:  first("manufacturerOfTradeItemPartyName"),
		Lot:           lot,
		Expiry:        expiry,
	}
	if pl.ProductName == "" {
		pl.ProductName = first("tradeItemDescription")
	}
	// additionalTradeItemIdentification and its type code are written in
	// pairs; the NDC is the value whose type is an FDA NDC code.
	ids, types := attrs["additionalTradeItemIdentification"], attrs["additionalTradeItemIdentificationTypeCode"]
	for i, v := range ids {
		if i < len(types) && strings.Contains(types[i], "FDA_NDC") {
			pl.NDC = v
			break
		}
	}
	return pl
}

func transactionStatement(d *Document, ships []*Event) *TransactionStatement {
	el := findExtension(d.HeaderExtensions, "dscsaTransactionStatement")
	for _, s := range ships {
		if el == nil {
			el = findExtension(s.Extensions, "dscsaTransactionStatement")
		}
	}
	if el == nil {
		return nil
	}
	ts := &TransactionStatement{}
	for _, c := range el.Children {
		switch c.Local {
		case "affirmTransactionStatement":
			ts.Affirmed = c.Text == "true" || c.Text == "1"
		case "legalNotice":
			ts.LegalNotice = c.Text
		}
	}
	if v := findExtension(d.HeaderExtensions, "guidelineVersion"); v != nil {
		ts.GuidelineVersion = v.Text
	}
	return ts
}

func findExtension(els []Element, local string) *Element {
	for i := range els {
		if els[i].Space == NSGS1USHealthcare && els[i].Local == local {
			return &els[i]
		}
	}
	return nil
}

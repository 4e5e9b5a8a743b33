package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// t3Sources are what deriving transaction information needs beyond the
// document: the organisation that owns a GLN, and what an SSCC packed in an
// earlier document holds.
type t3Sources struct {
	orgOfGLN func(gln string) (string, bool)
	contents func(ctx context.Context, sscc string) ([]string, error)
}

// deriveT3 builds the chaincode's T3 records for the shipping events of a
// document, one per buyer: the dates, parties, PO and invoice numbers and the
// statement come from the epcis package's GS1 US extraction (business
// transactions, source and destination owning parties, Location and EPCClass
// master data, ILMD); the product lines are the shipped saleable units by
// GTIN and lot, named from the master data where the document has it. A
// shipment whose buyer GLN belongs to no registered partner, or whose units
// cannot be told, gets no T3 (the chaincode then judges the events alone)
// and a line of missing, which the job shows; each buyer's shipments are
// judged apart, so one without T3 leaves the others theirs. lerr joins the
// ledger reads that failed, for the log. seller is the submitting
// organisation.
func deriveT3(ctx context.Context, doc *epcis.Document, seller string, src t3Sources) (out []chaincode.T3, missing []string, lerr error) {
	groups, order := shipmentsByBuyer(doc)
	for _, buyer := range order {
		sub := *doc
		sub.Events = make([]epcis.Event, 0, len(doc.Events))
		for i := range doc.Events {
			if !isShipping(&doc.Events[i]) || groups[buyer][i] {
				sub.Events = append(sub.Events, doc.Events[i])
			}
		}
		ti, err := epcis.ExtractT3(&sub)
		if err != nil {
			if !errors.Is(err, epcis.ErrNoShipment) {
				// The document's own fault: its text is the caller's.
				missing = append(missing, noT3Warning(buyer, err.Error()))
			}
			continue
		}
		t, why, err := toChaincodeT3(ctx, ti, seller, src)
		if err != nil {
			missing = append(missing, noT3Warning(buyer, "the contents of a shipped container could not be read from the ledger"))
			lerr = errors.Join(lerr, fmt.Errorf("transaction information for buyer %s: %w", buyer, err))
			continue
		}
		if why != "" {
			missing = append(missing, noT3Warning(buyer, why))
			continue
		}
		out = append(out, t)
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

func isShipping(e *epcis.Event) bool { return epcis.ShortCBV(epcis.BizStep, e.BizStep) == "shipping" }

// shipmentsByBuyer groups the shipping events by destination owning party.
func shipmentsByBuyer(doc *epcis.Document) (map[string]map[int]bool, []string) {
	groups := map[string]map[int]bool{}
	var order []string
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
		if groups[buyer] == nil {
			groups[buyer] = map[int]bool{}
			order = append(order, buyer)
		}
		groups[buyer][i] = true
	}
	return groups, order
}

// toChaincodeT3 maps extracted transaction information to the chaincode's
// record; why says what is missing when it cannot make a complete one.
func toChaincodeT3(ctx context.Context, t *epcis.T3, seller string, src t3Sources) (chaincode.T3, string, error) {
	info := &t.Information
	gln, err := chaincode.ParseGLN(info.Buyer.ID)
	if err != nil {
		return chaincode.T3{}, fmt.Sprintf("the destination owning_party %q is not a GLN", info.Buyer.ID), nil
	}
	buyer, ok := src.orgOfGLN(gln)
	switch {
	case !ok:
		return chaincode.T3{}, "no trading partner has GLN " + gln + " attested by a regulator", nil
	case buyer == seller:
		return chaincode.T3{}, "GLN " + gln + " is the shipper's own (a transfer within " + seller + " is no sale)", nil
	}
	products, err := productsOf(ctx, info, src)
	if err != nil {
		return chaincode.T3{}, "", err
	}
	if len(products) == 0 {
		return chaincode.T3{}, "no product of the shipment could be told (its EPCs name no GTIN, and its containers' contents are not on the ledger)", nil
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
		Products:        products,
	}
	if st := t.Statement; st != nil && st.Affirmed {
		rec.Statement = st.LegalNotice
		if rec.Statement == "" {
			rec.Statement = "The seller affirms the DSCSA transaction statement."
		}
	}
	return rec, "", nil
}

// productsOf lists the shipped saleable units by GTIN and lot. Units come
// from the document's packing hierarchy; an SSCC the document does not
// unpack is looked up on the ledger (its contents, without lot).
func productsOf(ctx context.Context, info *epcis.TransactionInformation, src t3Sources) ([]chaincode.T3Product, error) {
	named := map[string]*epcis.ProductLine{}
	for i := range info.Products {
		for _, id := range info.Products[i].Identifiers {
			named[id] = &info.Products[i]
		}
	}
	var lines []chaincode.T3Product
	index := map[string]int{}
	add := func(id, lot, expiry string) {
		item, err := chaincode.ParseItemID(id)
		if err != nil || item.Kind != chaincode.KindSGTIN {
			return
		}
		key := item.GTIN + "\x00" + lot
		i, ok := index[key]
		if !ok {
			i = len(lines)
			index[key] = i
			p := chaincode.T3Product{GTIN: item.GTIN, Lot: lot, Expiry: expiry}
			if pl := named[id]; pl != nil {
				p.Name, p.Strength, p.DosageForm, p.NDC, p.ContainerSize = pl.ProductName, pl.Strength, pl.DosageForm, pl.NDC, pl.ContainerSize
			}
			lines = append(lines, p)
		}
		lines[i].Quantity++
		lines[i].Serials = append(lines[i].Serials, id)
	}
	var walk func(p epcis.Package) error
	walk = func(p epcis.Package) error {
		if len(p.Children) > 0 {
			for _, c := range p.Children {
				if err := walk(c); err != nil {
					return err
				}
			}
			return nil
		}
		if item, err := chaincode.ParseItemID(p.ID); err == nil && item.Kind == chaincode.KindSSCC && src.contents != nil {
			inside, err := src.contents(ctx, p.ID)
			if err != nil {
				return fmt.Errorf("contents of %s: %w", p.ID, err)
			}
			for _, id := range inside {
				add(id, "", "")
			}
			return nil
		}
		add(p.ID, p.Lot, p.Expiry)
		return nil
	}
	for _, p := range info.Packages {
		if err := walk(p); err != nil {
			return nil, err
		}
	}
	return lines, nil
}

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

// containerContents reads what an SSCC holds from the ledger, as org.
func containerContents(ctx context.Context, evaluate func(ctx context.Context, fn string, args ...string) ([]byte, error), sscc string) ([]string, error) {
	raw, err := evaluate(ctx, chaincode.FnReadContainer, sscc)
	if err != nil {
		return nil, err
	}
	var cc chaincode.ContainerContents
	if err := json.Unmarshal(raw, &cc); err != nil {
		return nil, fmt.Errorf("decode container: %w", err)
	}
	return cc.Contents, nil
}

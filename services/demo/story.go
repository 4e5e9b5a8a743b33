package demo

import (
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// epoch is when the demo's supply chain story starts. The events' times are
// fixed so that they hash to the same IDs on every run (see Load).
var epoch = time.Date(2026, 10, 5, 13, 0, 0, 0, time.UTC)

// step is one transaction of the story, as org: a capture of events (with
// T3 records), a lot recall or an investigation state change.
type step struct {
	name   string
	org    string
	events []epcis.Event
	t3     []chaincode.T3
	recall *recallStep
	flag   *flagStep
}

type recallStep struct{ gtin, lot, reason string }

type flagStep struct {
	epc   string
	state chaincode.Investigation
}

// storyBuilder numbers the story's events: each gets the next minute.
type storyBuilder struct {
	minute int
}

func (b *storyBuilder) event(typ epcis.EventType, action epcis.Action, bizStep, disposition string, at Org) epcis.Event {
	b.minute++
	return epcis.Event{Type: typ, Action: action, BizStep: bizStep, Disposition: disposition,
		EventTime: epoch.Add(time.Duration(b.minute) * time.Minute), EventTimeZoneOffset: "+00:00",
		ReadPoint: locationURI(at.GLN), BizLocation: locationURI(at.GLN)}
}

// partyURI is the Digital Link of a party GLN (AI 417), as EPCIS source
// and destination lists carry it; locationURI that of a location GLN (414).
func partyURI(gln string) string    { return "https://id.gs1.org/417/" + gln }
func locationURI(gln string) string { return "https://id.gs1.org/414/" + gln }

func (b *storyBuilder) commission(at Org, l Lot) epcis.Event {
	e := b.event(epcis.ObjectEventType, epcis.ActionAdd, "commissioning", "active", at)
	e.EPCList = l.EPCs(l.Serials)
	e.ILMD = []epcis.Element{
		{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: l.Number},
		{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: l.Expiry},
	}
	return e
}

func (b *storyBuilder) pack(at Org, parent string, children []string) epcis.Event {
	e := b.event(epcis.AggregationEventType, epcis.ActionAdd, "packing", "in_progress", at)
	e.ParentID, e.ChildEPCs = parent, children
	return e
}

func (b *storyBuilder) unpack(at Org, parent string) epcis.Event {
	e := b.event(epcis.AggregationEventType, epcis.ActionDelete, "unpacking", "in_progress", at)
	e.ParentID = parent
	return e
}

func (b *storyBuilder) ship(from, to Org, po string, epcs []string) epcis.Event {
	e := b.event(epcis.ObjectEventType, epcis.ActionObserve, "shipping", "in_transit", from)
	e.EPCList = epcs
	e.BizTransactionList = []epcis.BizTransaction{
		{Type: "po", Value: "urn:epcglobal:cbv:bt:" + to.GLN + ":" + po},
		{Type: "inv", Value: "urn:epcglobal:cbv:bt:" + from.GLN + ":INV-" + po},
	}
	e.SourceList = []epcis.SourceDest{{Type: "owning_party", Value: partyURI(from.GLN)}, {Type: "location", Value: locationURI(from.GLN)}}
	e.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: partyURI(to.GLN)}, {Type: "location", Value: locationURI(to.GLN)}}
	return e
}

func (b *storyBuilder) observe(at Org, bizStep, disposition string, epcs []string) epcis.Event {
	e := b.event(epcis.ObjectEventType, epcis.ActionObserve, bizStep, disposition, at)
	e.EPCList = epcs
	return e
}

// line is part of a lot on a T3: the serials sold.
type line struct {
	lot     Lot
	serials []string
}

// t3 is the transaction information of a sale of lines from seller to buyer.
func t3(seller, buyer Org, po string, day time.Time, lines ...line) chaincode.T3 {
	t := chaincode.T3{Seller: seller.MSP, Buyer: buyer.MSP,
		SellerName: seller.Name, SellerAddress: seller.Address, BuyerName: buyer.Name, BuyerAddress: buyer.Address,
		TransactionDate: day.Format(time.DateOnly), ShipmentDate: day.Format(time.DateOnly),
		PONumber: po, InvoiceNumber: "INV-" + po,
		Statement: "Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G)."}
	for _, ln := range lines {
		p := ln.lot.Product
		t.Products = append(t.Products, chaincode.T3Product{GTIN: p.GTIN, NDC: p.NDC, Name: p.Name, Strength: p.Strength,
			DosageForm: p.DosageForm, ContainerSize: p.ContainerSize, Quantity: len(ln.serials),
			Lot: ln.lot.Number, Expiry: ln.lot.Expiry, Serials: ln.lot.EPCs(ln.serials)})
	}
	return t
}

// The packages the story singles out (by lot index and serial index) and
// its business documents.
const (
	dispensedCount = 5 // the first serials of lot 0's first case are dispensed
	suspectIndex   = 5 // lot 0's sixth serial is flagged suspect at the pharmacy
	returnedCount  = 3 // the first serials of lot 1's first case go back to the wholesaler
	recalledLot    = 2 // lot 2 is recalled
	pharmacyCases  = 1 // the wholesaler sells the first case of every lot to the pharmacy
	firstActive    = 6 // lot 0's serials from here on are active at the pharmacy
	sampleCount    = 3 // samples per state
	recallReason   = "Demo recall: tablets out of dissolution specification"
	poWholesaler   = "PO-NW-26-0412"
	poPharmacy     = "PO-CS-26-1187"
)

// story returns the demo's transactions in order.
func story() []step {
	orgs := Orgs()
	mfr, whs, pha := orgs[0], orgs[1], orgs[2]
	lots := Lots()
	var b storyBuilder
	var steps []step

	// The manufacturer commissions each lot and packs it into cases.
	for _, l := range lots {
		events := []epcis.Event{b.commission(mfr, l)}
		for c, sscc := range l.Cases {
			events = append(events, b.pack(mfr, sscc, l.EPCs(l.CaseSerials(c))))
		}
		steps = append(steps, step{name: "commission and pack lot " + l.Number, events: events}.as(mfr))
	}

	// It ships every case to the wholesaler, with the T3; the wholesaler
	// receives them.
	var cases []string
	var sold []line
	for _, l := range lots {
		cases = append(cases, l.Cases...)
		sold = append(sold, line{l, l.Serials})
	}
	shipDay := epoch.Add(24 * time.Hour)
	steps = append(steps,
		step{name: "ship to the wholesaler", events: []epcis.Event{b.ship(mfr, whs, poWholesaler, cases)},
			t3: []chaincode.T3{t3(mfr, whs, poWholesaler, shipDay, sold...)}}.as(mfr),
		step{name: "wholesaler receives", events: []epcis.Event{b.observe(whs, "receiving", "in_progress", cases)}}.as(whs))

	// The wholesaler unpacks the first case of each lot and sells its
	// packages to the pharmacy, which receives them.
	var unpack []epcis.Event
	var eaches []string
	sold = nil
	for _, l := range lots {
		for c := range pharmacyCases {
			unpack = append(unpack, b.unpack(whs, l.Cases[c]))
			eaches = append(eaches, l.EPCs(l.CaseSerials(c))...)
			sold = append(sold, line{l, l.CaseSerials(c)})
		}
	}
	saleDay := epoch.Add(3 * 24 * time.Hour)
	steps = append(steps,
		step{name: "ship to the pharmacy", events: append(unpack, b.ship(whs, pha, poPharmacy, eaches)),
			t3: []chaincode.T3{t3(whs, pha, poPharmacy, saleDay, sold...)}}.as(whs),
		step{name: "pharmacy receives", events: []epcis.Event{b.observe(pha, "receiving", "in_progress", eaches)}}.as(pha))

	// The pharmacy dispenses a few packages and returns a few others, which
	// the wholesaler receives back.
	l0, l1 := lots[0], lots[1]
	returned := l1.EPCs(l1.Serials[:returnedCount])
	ret := b.ship(pha, whs, "RMA-CS-26-0031", returned)
	ret.BizTransactionList = []epcis.BizTransaction{{Type: "rma", Value: "urn:epcglobal:cbv:bt:" + pha.GLN + ":RMA-CS-26-0031"}}
	steps = append(steps,
		step{name: "pharmacy dispenses", events: []epcis.Event{b.observe(pha, "dispensing", "dispensed", l0.EPCs(l0.Serials[:dispensedCount]))}}.as(pha),
		step{name: "pharmacy returns to the wholesaler", events: []epcis.Event{ret}}.as(pha),
		step{name: "wholesaler receives the return", events: []epcis.Event{b.observe(whs, "receiving", "in_progress", returned)}}.as(whs))

	// A package at the pharmacy is suspect; the manufacturer recalls a lot.
	steps = append(steps,
		step{name: "pharmacy flags a suspect package", flag: &flagStep{epc: l0.EPC(l0.Serials[suspectIndex]), state: chaincode.InvestigationSuspect}}.as(pha),
		step{name: "manufacturer recalls lot " + lots[recalledLot].Number,
			recall: &recallStep{gtin: lots[recalledLot].Product.GTIN, lot: lots[recalledLot].Number, reason: recallReason}}.as(mfr))
	return steps
}

// as returns the step submitted by org.
func (s step) as(o Org) step {
	s.org = o.MSP
	return s
}

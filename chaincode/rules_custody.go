package chaincode

import (
	"slices"
	"strings"

	"rxledger/epcis"
)

// ship puts what the caller owns in transit to an authorized trading
// partner; the contents of containers follow. A recalled lot moves only back
// to the seller or to the GTIN's owner; an organisation that is only a
// dispenser (by its attested roles) ships only returns to its seller, or
// packages of a recalled lot to the GTIN's owner.
func (ec *eventCtx) ship() error {
	tx := ec.tx
	to, toEPC, err := ec.destination()
	if err != nil {
		return err
	}
	if why, err := tx.notATP(to); err != nil {
		return err
	} else if why != "" {
		return ec.fail(CodeForbidden, "destination-not-atp", toEPC, "%s is not an authorized trading partner: it %s", to, why)
	}
	caller, err := tx.partner(tx.caller)
	if err != nil {
		return err
	}
	// Attested roles, not claimed ones: a pharmacy that adds "wholesaler"
	// to its own record is still only a dispenser.
	roles := caller.EffectiveRoles()
	dispenserOnly := len(roles) > 0 && !slices.ContainsFunc(roles, func(r Role) bool { return r != RoleDispenser })
	top, err := ec.topLevelOfEPCList(ec.checkOwner, "packed-item-shipped-alone")
	if err != nil {
		return err
	}
	for _, l := range top {
		c := l.it.custody()
		if dispenserOnly && to != c.Seller && to != tx.caller {
			recall, err := ec.recalledFrom(l.it, to)
			if err != nil {
				return err
			}
			if !recall {
				return ec.fail(CodeForbidden, "dispenser-returns-only", l.epc,
					"a dispenser ships only returns to its seller (%s), or a recalled lot's packages to the GTIN owner, not to %s", orNone(c.Seller), to)
			}
		}
		err := tx.walk(l.it, func(it *item) error {
			c := it.custody()
			if err := ec.checkHeld(l.epc, it); err != nil {
				return err
			}
			if c.Investigation.Blocking() {
				return ec.fail(CodeInvalid, "under-investigation", l.epc, "%s is %s", it.id.DigitalLink(), c.Investigation)
			}
			lot, err := tx.lotOf(it)
			if err != nil {
				return err
			}
			if lot != nil && lot.Recalled && to != c.Seller && to != lot.Owner {
				return ec.fail(CodeInvalid, "recalled-lot", l.epc, "lot %s is recalled: it goes back to the seller or to %s only", lot.Lot, lot.Owner)
			}
			c.Status, c.ShipTo = StatusInTransit, to
			tx.touch(it)
			if it.serial != nil {
				return tx.markHolder(to, it.serial.GTIN, it.serial.Lot)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	ec.shipTo = to
	ec.addParty(to)
	ec.relation = partyRelation{
		sources: []string{tx.caller}, sourceRule: "source-not-caller",
		sourceWhat: "a shipment's sources name its shipper, the caller (" + tx.caller + ")",
		dests:      []string{to}, destRule: "destination-not-addressee",
		destWhat: "a shipment's destinations name its addressee, " + to,
	}
	return nil
}

// recalledFrom reports whether every package in it (it, or what it holds)
// is of a recalled lot of the GTIN owner to: what a dispenser may send
// back to the manufacturer directly.
func (ec *eventCtx) recalledFrom(it *item, to string) (bool, error) {
	all, any := true, false
	err := ec.tx.walk(it, func(x *item) error {
		lot, err := ec.tx.lotOf(x)
		if err != nil || x.serial == nil {
			return err
		}
		any = true
		all = all && lot != nil && lot.Recalled && lot.Owner == to
		return nil
	})
	return all && any, err
}

// checkOwner refuses an item the caller does not own, saying nothing else
// of it: not its status, its container, its seller or its investigation.
func (ec *eventCtx) checkOwner(epc string, it *item) error {
	c := it.custody()
	switch {
	case c.Owner == ec.tx.caller:
		return nil
	case c.Status == StatusInTransit && c.ShipTo == ec.tx.caller:
		// The addressee may learn what it is sent: the goods become its own
		// by its receipt (a drop shipment's buyer receives before it ships
		// on, naming the dock they reached).
		return ec.fail(CodeForbidden, "not-owner", epc, "%s is not owned by %s yet: it is in transit to it, which records receiving first", it.id.DigitalLink(), ec.tx.caller)
	}
	return ec.fail(CodeForbidden, "not-owner", epc, "%s is not owned by %s", it.id.DigitalLink(), ec.tx.caller)
}

// checkHeld refuses an item the caller does not own or that is not active.
func (ec *eventCtx) checkHeld(epc string, it *item) error {
	if err := ec.checkOwner(epc, it); err != nil {
		return err
	}
	c := it.custody()
	switch {
	case c.Status == StatusInTransit:
		return ec.fail(CodeInvalid, "in-transit", epc, "%s is in transit to %s", it.id.DigitalLink(), c.ShipTo)
	case c.Status.Terminal():
		return ec.fail(CodeInvalid, "terminal", epc, "%s is %s", it.id.DigitalLink(), c.Status)
	}
	return nil
}

// topLevelOfEPCList loads the event's epcList and keeps its top-level items:
// a packed item named without its container is refused with rule alone
// (unless alone is empty, when it is taken on its own). Every item listed
// must first pass right, the caller's right to act on it (owner, addressee,
// shipper): a caller without it is refused for that, before any other rule
// looks at the item, so that it learns nothing of another organisation's
// goods, such as the container one is packed in.
func (ec *eventCtx) topLevelOfEPCList(right func(epc string, it *item) error, alone string) ([]listed, error) {
	items, err := ec.loadList(ec.ev.EPCList)
	if err != nil {
		return nil, err
	}
	for _, l := range items {
		if err := right(l.epc, l.it); err != nil {
			return nil, err
		}
	}
	return ec.topLevel(items, alone)
}

// checkInTransit refuses an item that is not in transit.
func (ec *eventCtx) checkInTransit(epc string, it *item) error {
	if c := it.custody(); c.Status != StatusInTransit {
		return ec.fail(CodeInvalid, "not-in-transit", epc, "%s is %s, not in transit", it.id.DigitalLink(), c.Status)
	}
	return nil
}

// receive moves ownership of what was shipped to the caller to the caller.
// Only the addressee and the owner (who may send a receipt twice, refused as
// not in transit) learn more of an item than that it was not shipped to
// them.
func (ec *eventCtx) receive() error {
	notAddressee := func(epc string, it *item) error {
		return ec.fail(CodeForbidden, "not-addressee", epc, "%s was not shipped to %s", it.id.DigitalLink(), ec.tx.caller)
	}
	party := func(epc string, it *item) error {
		if c := it.custody(); c.ShipTo != ec.tx.caller && c.Owner != ec.tx.caller {
			return notAddressee(epc, it)
		}
		return nil
	}
	var sellers []string
	err := ec.endShipment(party, "packed-item-received-alone", func(epc string, it *item, c *Custody) error {
		if c.ShipTo != ec.tx.caller {
			return notAddressee(epc, it)
		}
		if seller := c.Owner; seller != ec.tx.caller {
			ec.addParty(seller)
			c.Seller, c.Owner = seller, ec.tx.caller
			if !slices.Contains(sellers, seller) {
				sellers = append(sellers, seller)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Each source must be the seller of everything received: a receipt of
	// goods from several sellers names none of them, and one of the
	// caller's own goods (a transfer between its sites, shipped to itself)
	// names the caller, whose they stay.
	var sources []string
	what := "a receipt's sources name the seller of everything it receives"
	switch len(sellers) {
	case 0:
		sources = []string{ec.tx.caller}
		what += ": of a transfer of the caller's own goods, the caller (" + ec.tx.caller + ")"
	case 1:
		sources = sellers
		what += " (" + sellers[0] + ")"
	default:
		what += ", and it receives from several (" + strings.Join(sellers, ", ") + "), so it names none"
	}
	ec.relation = partyRelation{
		sources: sources, sourceRule: "source-not-seller",
		sourceWhat: what,
		dests:      []string{ec.tx.caller}, destRule: "destination-not-caller",
		destWhat: "a receipt's destinations name its receiver, the caller (" + ec.tx.caller + ")",
	}
	return nil
}

// voidShipping takes back a shipment the caller sent and nobody received.
// Only the owner, the shipper of a shipment not yet received, learns more of
// an item than that the caller did not ship it.
func (ec *eventCtx) voidShipping() error {
	shipper := func(epc string, it *item) error {
		if it.custody().Owner != ec.tx.caller {
			return ec.fail(CodeForbidden, "not-shipper", epc, "%s was not shipped by %s", it.id.DigitalLink(), ec.tx.caller)
		}
		return nil
	}
	var addressees []string
	err := ec.endShipment(shipper, "packed-item-voided-alone", func(epc string, it *item, c *Custody) error {
		if err := shipper(epc, it); err != nil {
			return err
		}
		ec.addParty(c.ShipTo)
		if !slices.Contains(addressees, c.ShipTo) {
			addressees = append(addressees, c.ShipTo)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var dests []string
	if len(addressees) == 1 {
		dests = addressees
	}
	ec.relation = partyRelation{
		sources: []string{ec.tx.caller}, sourceRule: "source-not-caller",
		sourceWhat: "a voided shipment's sources name its shipper, the caller (" + ec.tx.caller + ")",
		dests:      dests, destRule: "destination-not-addressee",
		destWhat: "a voided shipment's destinations name the addressee of everything it voids (" + strings.Join(addressees, ", ") + ")",
	}
	return nil
}

// endShipment ends the shipment of every top-level item of the event's EPC
// list and everything packed in it (packed items alone are refused with
// rule alone, after every listed item has passed right, the caller's right
// to end its shipment): each must be in transit and pass check, which may
// change its custody; it is then active again at its (possibly new) owner.
func (ec *eventCtx) endShipment(right func(epc string, it *item) error, alone string, check func(epc string, it *item, c *Custody) error) error {
	top, err := ec.topLevelOfEPCList(right, alone)
	if err != nil {
		return err
	}
	for _, l := range top {
		err := ec.tx.walk(l.it, func(it *item) error {
			c := it.custody()
			if err := ec.checkInTransit(l.epc, it); err != nil {
				return err
			}
			if err := check(l.epc, it, c); err != nil {
				return err
			}
			c.Status, c.ShipTo = StatusActive, ""
			ec.tx.touch(it)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// retire ends the life of what the caller owns (dispensing, destroying,
// decommissioning); contents of containers follow. A packed item retired on
// its own leaves its container. Suspect, quarantined, illegitimate and
// recalled products are not dispensed; they may be destroyed. Only the
// owner of an item learns of its container (when it cannot leave it).
func (ec *eventCtx) retire(status Status) error {
	tx := ec.tx
	top, err := ec.topLevelOfEPCList(ec.checkOwner, "")
	if err != nil {
		return err
	}
	for _, l := range top {
		if p := l.it.custody().Parent; p != "" {
			if err := ec.detach(l.epc, l.it, p); err != nil {
				return err
			}
		}
		err := tx.walk(l.it, func(it *item) error {
			c := it.custody()
			if err := ec.checkHeld(l.epc, it); err != nil {
				return err
			}
			if status == StatusDispensed {
				if c.Investigation.Blocking() {
					return ec.fail(CodeInvalid, "under-investigation", l.epc, "%s is %s", it.id.DigitalLink(), c.Investigation)
				}
				lot, err := tx.lotOf(it)
				if err != nil {
					return err
				}
				if lot != nil && lot.Recalled {
					return ec.fail(CodeInvalid, "recalled-lot", l.epc, "lot %s is recalled", lot.Lot)
				}
			}
			c.Status = status
			tx.touch(it)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// detach removes it from the container parent (a Digital Link).
func (ec *eventCtx) detach(epc string, it *item, parent string) error {
	p, err := ec.tx.itemByLink(parent)
	if err != nil {
		return err
	}
	if !p.exists() {
		return ec.fail(CodeInvalid, "missing-container", epc, "container %s has no record", parent)
	}
	if err := ec.checkHeld(epc, p); err != nil {
		return err
	}
	link := it.id.DigitalLink()
	kids := p.children()
	if i := slices.Index(*kids, link); i >= 0 {
		*kids = slices.Delete(slices.Clone(*kids), i, i+1)
	}
	it.custody().Parent = ""
	ec.tx.touch(p)
	ec.tx.touch(it)
	return nil
}

// destination resolves the event's destination to an organisation: the
// owning party if given, else the location, as a GLN, SGLN or PGLN in URN or
// Digital Link form, looked up in the partners' GLNs.
func (ec *eventCtx) destination() (org, epc string, err error) {
	for _, kind := range []string{"owning_party", "location", "possessing_party"} {
		for _, d := range ec.ev.DestinationList {
			if epcis.ShortCBV(epcis.SourceDestType, d.Type) != kind {
				continue
			}
			gln, err := ParseGLN(d.Value)
			if err != nil {
				return "", d.Value, ec.fail(CodeInvalid, "bad-destination", d.Value, "%v", err)
			}
			org, err := ec.tx.glnOrg(gln)
			if err != nil {
				return "", d.Value, err
			}
			if org == "" {
				return "", d.Value, ec.fail(CodeInvalid, "unknown-destination", d.Value, "no partner lists GLN %s", gln)
			}
			return org, d.Value, nil
		}
	}
	return "", "", ec.fail(CodeInvalid, "destination-required", "", "shipping needs a destination (owning_party or location)")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

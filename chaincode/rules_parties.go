package chaincode

import (
	"slices"
	"strings"

	"rxledger/epcis"
)

// The parties an event names: its source and destination lists (owning
// party, possessing party, location). They say who sold and who bought, and
// the owning parties become parties to the event (they get its body, and
// the query service shows it to them), so they must agree with the caller
// and the ledger, else anyone could record a sale between two others:
//
//   - shipping (ObjectEvent): every source names the caller, every
//     destination the addressee (destination-not-addressee);
//   - receiving: every destination names the caller
//     (destination-not-caller), every source the shipment's seller, the
//     owner of what is received (source-not-seller);
//   - void_shipping: every source names the caller, every destination the
//     addressee of the voided shipment;
//   - every other event moves no custody: it names no organisation but the
//     caller, except what the ledger itself relates to the packages it
//     names (relate): the owner of a package in transit (as a source) and
//     its addressee (as a destination), which the owner and the addressee
//     may both name while it is on its way; the seller of the caller's own
//     goods (a source); and the buyer the caller sells its own goods to (a
//     destination), which the ledger cannot know before the shipment. Never
//     a source and a destination both other than the caller, locations
//     included, which no package relates (unrelated-party).
//
// And an event is shared with one counterparty at most (oneCounterparty):
// every party receives all of it.
//
// An entry names an organisation by a GLN (SGLN, PGLN, GLN Digital Link)
// that a regulator attests to it. An owning party must be such a GLN
// (unknown-source, unknown-destination; malformed: bad-owning-party): a GLN nobody holds today
// could be attested to a competitor tomorrow and make an old event read as
// its sale. A location or possessing party that no partner holds (a
// carrier's, a dock not attested) names no organisation and passes; so does
// one of any authorized trading partner: it says where the goods are and who
// keeps them (a 3PL's warehouse the shipment leaves, the pharmacy's dock a
// drop shipment sold to a wholesaler reaches), and makes no one a party.
//
// The check runs after the event's rule, so an organisation without the
// right to act on the goods is refused for that first, and learns nothing
// of the sellers and addressees the ledger holds for them.

// namedParty is one source or destination of the event, resolved.
type namedParty struct {
	dest  bool
	kind  string // short CBV type: owning_party, possessing_party, location, or as written
	value string
	org   string // the organisation its GLN is attested to; "" for none
}

func (p namedParty) side() string {
	if p.dest {
		return "destination"
	}
	return "source"
}

// partyRelation is what the ledger says of the event's goods: the
// organisations its sources and its destinations may name (the caller's
// rule fills them in), and the rules that refuse any other.
type partyRelation struct {
	sources, dests       []string
	sourceRule, destRule string
	sourceWhat, destWhat string // who the allowed ones are, for the refusal
}

// resolveParties parses and resolves every source and destination of the
// event. Owning parties must be GLNs attested to a partner.
func (ec *eventCtx) resolveParties() error {
	ec.named = ec.named[:0]
	for _, dest := range []bool{false, true} {
		list := ec.ev.SourceList
		if dest {
			list = ec.ev.DestinationList
		}
		for _, sd := range list {
			p := namedParty{dest: dest, kind: epcis.ShortCBV(epcis.SourceDestType, sd.Type), value: sd.Value}
			gln, err := ParseGLN(sd.Value)
			switch {
			case err != nil && p.kind == "owning_party":
				return ec.fail(CodeInvalid, "bad-owning-party", sd.Value, "%v", err)
			case err != nil:
				// Not a GLN (a malformed one is not valid EPCIS, refused
				// before): names no organisation of the ledger.
				ec.named = append(ec.named, p)
				continue
			}
			if p.org, err = ec.tx.glnOrg(gln); err != nil {
				return err
			}
			if p.org == "" && p.kind == "owning_party" {
				return ec.fail(CodeInvalid, "unknown-"+p.side(), sd.Value,
					"no partner lists GLN %s (attested by a regulator): an owning party must be an organisation of the ledger", gln)
			}
			ec.named = append(ec.named, p)
		}
	}
	return nil
}

// checkParties refuses a source or destination naming an organisation the
// relation does not allow, then makes the owning parties parties to the
// event.
func (ec *eventCtx) checkParties() error {
	r := ec.relation
	unrelated := r.sourceRule == ""
	if unrelated {
		r = ec.unrelated()
	}
	// For an event that moves no custody, each package in transit relates
	// the caller to one other organisation: the owner it comes from, or
	// the addressee it goes to. A source and a destination both other than
	// the caller are no package's: they would record a sale between two
	// others. Locations and possessing parties count: an event naming one
	// organisation's goods going to another's dock reads as that sale too.
	var foreign [2][]string // source, destination: the other organisations named
	for _, p := range ec.named {
		if p.org == "" {
			continue
		}
		allowed, rule, what := r.sources, r.sourceRule, r.sourceWhat
		if p.dest {
			allowed, rule, what = r.dests, r.destRule, r.destWhat
		}
		ok := slices.Contains(allowed, p.org)
		if !ok && (p.kind != "owning_party" || unrelated && p.dest && ec.ownGoods) {
			// A location or a possessing party says where the goods are and
			// who keeps them, not who trades them, and makes no one a party
			// to the event: it may name any authorized trading partner (a
			// 3PL keeps goods for their owner, the warehouse a shipment
			// leaves; a drop shipment sold to a wholesaler goes to the
			// pharmacy's dock). And for its own goods the caller may name
			// the buyer it sells them to, before it ships them.
			why, err := ec.tx.notATP(p.org)
			if err != nil {
				return err
			}
			ok = why == ""
		}
		if !ok {
			return ec.fail(CodeForbidden, rule, p.value, "the %s %s %s names %s, but %s", p.side(), p.kind, p.value, p.org, what)
		}
		if unrelated && p.org != ec.tx.caller {
			side, other := 0, 1
			if p.dest {
				side, other = 1, 0
			}
			for _, o := range foreign[other] {
				if o != p.org {
					return ec.fail(CodeForbidden, rule, p.value,
						"the %s %s %s names %s, but the event also names %s on the other side: an event that moves no custody names, besides the caller (%s), the owner a package in transit comes from or the addressee it goes to, not both",
						p.side(), p.kind, p.value, p.org, o, ec.tx.caller)
				}
			}
			if !slices.Contains(foreign[side], p.org) {
				foreign[side] = append(foreign[side], p.org)
			}
		}
	}
	for _, p := range ec.named {
		if p.kind == "owning_party" {
			ec.addParty(p.org)
		}
	}
	return ec.oneCounterparty()
}

// oneCounterparty refuses an event that would be shared with more than one
// organisation besides the caller (rule several-counterparties): each party
// receives the whole event, so a receipt of goods from two sellers, or an
// inspection of goods sent by two, would show each the other's goods and
// pallets. Goods from (or to) several organisations are recorded in one
// event per organisation.
func (ec *eventCtx) oneCounterparty() error {
	var others []string
	for _, org := range ec.parties {
		if org != ec.tx.caller && !ec.tx.isRegulator(org) {
			others = append(others, org)
		}
	}
	if len(others) <= 1 {
		return nil
	}
	return ec.fail(CodeInvalid, "several-counterparties", "",
		"the event concerns goods of several organisations besides %s (%s), and each would receive all of it: record one event for each organisation's goods",
		ec.tx.caller, strings.Join(others, ", "))
}

// unrelated is the relation of an event that moves no custody: the caller,
// and the owner and the addressee of the packages in transit it names
// (relatedSources, relatedDests, filled in as the rule loads them).
func (ec *eventCtx) unrelated() partyRelation {
	return partyRelation{
		sources: append([]string{ec.tx.caller}, ec.relatedSources...), sourceRule: "unrelated-party",
		dests: append([]string{ec.tx.caller}, ec.relatedDests...), destRule: "unrelated-party",
		sourceWhat: "an event that moves no custody names only the caller (" + ec.tx.caller + ") and, as a source, the owner of a package in transit that it names",
		destWhat:   "an event that moves no custody names only the caller (" + ec.tx.caller + ") and, as a destination, the addressee of a package in transit that it names",
	}
}

// relate notes whom a package the event names relates the caller to, for
// an event that moves no custody: the owner a package in transit comes from
// (a source) and the addressee it goes to (a destination); for the
// caller's own goods, the seller it bought them from (a source), and, as a
// destination (unless they are retired), whoever the caller is selling them to, which the ledger
// cannot know before the shipment (a purchase order linked to the goods
// before they ship: any authorized trading partner).
func (ec *eventCtx) relate(c *Custody) {
	switch {
	case c.Status == StatusInTransit:
		if !slices.Contains(ec.relatedSources, c.Owner) {
			ec.relatedSources = append(ec.relatedSources, c.Owner)
		}
		if !slices.Contains(ec.relatedDests, c.ShipTo) {
			ec.relatedDests = append(ec.relatedDests, c.ShipTo)
		}
	case c.Owner == ec.tx.caller:
		if c.Seller != "" && !slices.Contains(ec.relatedSources, c.Seller) {
			ec.relatedSources = append(ec.relatedSources, c.Seller)
		}
		// Goods dispensed, destroyed, decommissioned or transformed are
		// sold to nobody: they name no buyer.
		if !c.Status.Terminal() {
			ec.ownGoods = true
		}
	}
}

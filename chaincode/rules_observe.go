package chaincode

import (
	"fmt"
	"strings"

	"rxledger/epcis"
)

// Observation events are the events of a partner's EPCIS documents that
// DSCSA gives no effect on custody: an ObjectEvent OBSERVE with a bizStep
// other than the custody steps (inspecting, storing, accepting, arriving,
// departing, holding, other CBV steps, or none), every TransactionEvent,
// an AggregationEvent OBSERVE (a pallet seen with its contents) and every
// AssociationEvent (a sensor or asset attached to packages). They are
// anchored like every event, and change no record.
//
// Authorisation: nobody writes observations about others' goods. Every
// product the event names must be the caller's:
//   - an instance (SGTIN or SSCC, EPC URN or Digital Link) must be known
//     (else not-found, rule unknown-epc) and owned by the caller, or in
//     transit to it (the addressee inspects and accepts before receiving);
//     else forbidden, rule not-holder;
//   - a class (LGTIN, an SGTIN pattern or a GTIN Digital Link) must be of a
//     GTIN whose company prefix the caller owns, or the caller must hold a
//     package of that lot (of that GTIN when no lot is given), owned and not
//     retired, or in transit to it; else forbidden, rule not-class-holder.
//
// Identifiers of anything else (returnable assets, sensors, documents: GRAI,
// GIAI, GDTI, ...) are not DSCSA products: the chaincode keeps no record of
// them, so they need no holder. An event that names no product at all
// concerns nobody's goods and is anchored for the caller alone.
//
// An SSCC the caller neither owns nor is the addressee of is refused as
// unknown (unknown-epc), as if it had never been created (txn.hidden).
//
// The owner of an observed package the caller only receives becomes a party
// to the event (it gets a private copy). Sources and destinations name only
// the caller, or the owner (as a source) and the addressee (as a
// destination) of a package in transit the event names; owning parties
// among them become parties too (rules_parties.go).

// observe applies an observation event: checks only, no state change.
func (ec *eventCtx) observe() error {
	ev := ec.ev
	for _, epc := range ev.EPCList {
		if err := ec.observeInstance(epc); err != nil {
			return err
		}
	}
	if ev.ParentID != "" {
		if err := ec.observeInstance(ev.ParentID); err != nil {
			return err
		}
	}
	for _, epc := range ev.ChildEPCs {
		if err := ec.observeInstance(epc); err != nil {
			return err
		}
	}
	for _, list := range [][]epcis.QuantityElement{ev.QuantityList, ev.ChildQuantityList} {
		for _, q := range list {
			if err := ec.checkClass(q.EPCClass, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// productItem parses and loads a product identifier of the event (bad-epc
// when it does not parse).
func (ec *eventCtx) productItem(epc string) (*item, error) {
	id, err := ParseItemID(epc)
	if err != nil {
		return nil, ec.fail(CodeInvalid, "bad-epc", epc, "%v", err)
	}
	return ec.tx.item(id)
}

// observeInstance checks one instance identifier of an observation.
func (ec *eventCtx) observeInstance(epc string) error {
	if !isProductID(epc) {
		return nil
	}
	it, err := ec.productItem(epc)
	if err != nil {
		return err
	}
	if !it.exists() || ec.tx.hidden(it) {
		return ec.fail(CodeNotFound, "unknown-epc", epc, "%s", unknownDetail(epc, ec.tx.caller, it.id))
	}
	c := it.custody()
	if !ec.tx.holds(c) {
		return ec.fail(CodeForbidden, "not-holder", epc, "%s is neither owned by nor in transit to %s", it.id.DigitalLink(), ec.tx.caller)
	}
	ec.addParty(c.Owner)
	ec.relate(c)
	return nil
}

// holds reports whether the caller owns an item or is the addressee of its
// shipment.
func (tx *txn) holds(c *Custody) bool {
	return c.Owner == tx.caller || c.Status == StatusInTransit && c.ShipTo == tx.caller
}

// hidden reports whether it is an SSCC that the caller neither owns nor is
// the addressee of. The rules refuse such an SSCC exactly as one never
// created (same rule, same words): SSCCs are often numbered in sequence, and
// telling "not yours" from "unknown" would let a competitor count another's
// pallets and shipments. Serials (SGTINs) are public through verification
// and keep their precise refusals.
func (tx *txn) hidden(it *item) bool {
	return it.cont != nil && !tx.holds(it.custody())
}

// isProductID reports whether an instance identifier names a DSCSA product
// or logistic unit the chaincode tracks: an SGTIN or SSCC, as an EPC URN or
// a Digital Link with primary key 01 or 00. An identifier that only looks
// like one counts as one, so that the rules refuse it as malformed
// (bad-epc) rather than pass it over as no product, unchecked: a URN
// prefix in another case (URN:EPC:ID:SGTIN:, which RFC 8141 makes the same
// name), and a URI of any scheme or case whose path has a 01 or 00
// segment.
func isProductID(s string) bool {
	l := strings.ToLower(s)
	if strings.HasPrefix(l, "urn:epc:id:sgtin:") || strings.HasPrefix(l, "urn:epc:id:sscc:") {
		return true
	}
	if !strings.Contains(l, "://") {
		return false
	}
	if dl, err := parseDigitalLink(s); err == nil {
		return dl.primary == "01" || dl.primary == "00"
	}
	return strings.Contains(l, "/01/") || strings.Contains(l, "/00/") || strings.Contains(l, "/gtin/") || strings.Contains(l, "/sscc/")
}

// gtinClass parses a class-level product identifier: an LGTIN (URN or
// Digital Link with 01 and 10), an SGTIN pattern urn:epc:idpat:sgtin:CP.IR.*
// or a Digital Link with 01 only. ok is false for identifiers of anything
// else; err reports a malformed product class.
func gtinClass(s string) (gtin, lot string, ok bool, err error) {
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "urn:epc:class:lgtin:") && !strings.HasPrefix(s, "urn:epc:class:lgtin:"),
		strings.HasPrefix(l, "urn:epc:idpat:sgtin:") && !strings.HasPrefix(s, "urn:epc:idpat:sgtin:"):
		// The same name in another case (RFC 8141): refused as malformed,
		// not passed over as no product class.
		return "", "", true, fmt.Errorf("write the product class %q with its URN prefix in lower case", s)
	case strings.HasPrefix(s, "urn:epc:class:lgtin:"):
		gtin, lot, err = ParseLGTIN(s)
		return gtin, lot, true, err
	case strings.HasPrefix(s, "urn:epc:idpat:sgtin:"):
		parts := strings.Split(s[len("urn:epc:idpat:sgtin:"):], ".")
		if len(parts) != 3 || parts[2] != "*" || !digits(parts[0]) || !digits(parts[1]) || len(parts[0])+len(parts[1]) != 13 || parts[1] == "" {
			return "", "", true, fmt.Errorf("malformed GTIN class %q", s)
		}
		body := parts[1][:1] + parts[0] + parts[1][1:]
		return body + string(checkDigit(body)), "", true, nil
	case strings.Contains(l, "://"):
		if !strings.Contains(l, "/01/") {
			return "", "", false, nil
		}
		dl, err := parseDigitalLink(s)
		switch {
		case err != nil:
			return "", "", true, err
		case dl.primary != "01":
			return "", "", false, nil
		case dl.serial != "":
			return "", "", true, fmt.Errorf("%q names one package, not a class", s)
		}
		return dl.value, dl.lot, true, nil
	}
	return "", "", false, nil
}

// checkClass checks a class-level product identifier of the event: the
// caller owns the GTIN's company prefix or holds stock of the lot (of the
// GTIN when no lot is given). ownerOnly requires the company prefix (a
// transformation's outputs: only the GTIN's owner makes new product).
func (ec *eventCtx) checkClass(class string, ownerOnly bool) error {
	gtin, lot, ok, err := gtinClass(class)
	if !ok {
		return nil
	}
	if err != nil {
		return ec.fail(CodeInvalid, "bad-epc-class", class, "%v", err)
	}
	owner, err := ec.tx.gtinOwner(gtin)
	if err != nil {
		return err
	}
	if owner == ec.tx.caller {
		return nil
	}
	if ownerOnly {
		return ec.prefixOwned(class, "GTIN", gtin)
	}
	held, err := ec.tx.holdsStock(gtin, lot)
	if err != nil {
		return err
	}
	if !held {
		what := "GTIN " + gtin
		if lot != "" {
			what = "lot " + lot + " of GTIN " + gtin
		}
		return ec.fail(CodeForbidden, "not-class-holder", class, "%s neither owns the company prefix of GTIN %s nor holds a package of %s", ec.tx.caller, gtin, what)
	}
	return nil
}

// holdsStock reports whether the caller holds (owns and has not retired, or
// is the addressee of) a package of the lot of gtin, or of any lot when lot
// is empty. Packages changed by this transaction are seen first (state reads
// do not see the transaction's own writes); then the lots the caller has
// held, by the holdings index; the scan stops at the first package held.
func (tx *txn) holdsStock(gtin, lot string) (bool, error) {
	match := func(s *SerialRecord) bool {
		return s.GTIN == gtin && (lot == "" || s.Lot == lot) && tx.holds(&s.Custody) && !s.Status.Terminal()
	}
	for _, it := range tx.dirtyItems {
		if it.serial != nil && match(it.serial) {
			return true, nil
		}
	}
	// Only the lots the caller has held (the holdings index, see markHolder)
	// can hold a package of its now: an organisation that never held one
	// is refused without reading the GTIN's serials.
	var lots []string
	if lot != "" {
		v, err := tx.st.GetState(holdKey(tx.caller, gtin, lot))
		if err != nil {
			return false, fmt.Errorf("read holdings of %s: %w", gtin, err)
		}
		if v != nil {
			lots = []string{lot}
		}
	} else {
		prefix := holdPrefix(tx.caller, gtin)
		err := tx.st.Range(prefix, prefix+keyEnd, func(key string, _ []byte) (bool, error) {
			lots = append(lots, key[len(prefix):])
			return true, nil
		})
		if err != nil {
			return false, fmt.Errorf("read holdings of %s: %w", gtin, err)
		}
	}
	found := false
	for _, l := range lots {
		err := tx.eachSerial(gtin, l, func(s *SerialRecord) (bool, error) {
			found = match(s)
			return !found, nil
		})
		if err != nil {
			return false, fmt.Errorf("scan stock of %s: %w", gtin, err)
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

package chaincode

import (
	"strings"

	"rxledger/epcis"
)

// commission creates serials (and containers): only the owner of the GTIN's
// company prefix commissions a GTIN, each serial once, with lot and expiry
// from the ILMD (cbvmda:lotNumber, cbvmda:itemExpirationDate) or the lot
// from an LGTIN in the quantity list.
func (ec *eventCtx) commission() error {
	if len(ec.ev.EPCList) == 0 {
		return ec.fail(CodeInvalid, "epcs-required", "", "the event lists no EPCs")
	}
	_, err := ec.commissionList(ec.ev.EPCList, ec.ev.QuantityList, true, "")
	return err
}

// commissionList creates the serials of epcs (and, when containers is set,
// the SSCCs) for the caller, with lot and expiry from the event's ILMD or
// the lot from an LGTIN in classes, and returns the new items in order.
// transformation, when set, is the hash ID of the repackaging whose outputs
// they are. Serials are recorded in their blocks (see blocks.go).
func (ec *eventCtx) commissionList(epcs []string, classes []epcis.QuantityElement, containers bool, transformation string) ([]*item, error) {
	tx := ec.tx
	created := make([]*item, 0, len(epcs))
	ilmdLot, expiry, err := ec.lotAndExpiry()
	if err != nil {
		return nil, err
	}
	for _, epc := range epcs {
		id, err := ParseItemID(epc)
		if err != nil {
			return nil, ec.fail(CodeInvalid, "bad-epc", epc, "%v", err)
		}
		if id.Kind == KindSSCC && !containers {
			return nil, ec.fail(CodeInvalid, "bad-output", epc, "a transformation outputs serialised packages (SGTIN), not %s", epc)
		}
		// The company prefix before the serial's state: a caller that may
		// not commission an identifier learns nothing of its existence
		// from the refusal.
		what, digits := "GTIN", id.GTIN
		if id.Kind == KindSSCC {
			what, digits = "SSCC", id.SSCC
		}
		if err := ec.prefixOwned(epc, what, digits); err != nil {
			return nil, err
		}
		it, err := tx.item(id)
		if err != nil {
			return nil, err
		}
		if it.exists() {
			return nil, ec.fail(CodeInvalid, "already-commissioned", epc, "%s is already commissioned", epc)
		}
		if id.Kind == KindSSCC {
			if err := ec.createContainer(epc, it); err != nil {
				return nil, err
			}
			created = append(created, it)
			continue
		}
		lot := ilmdLot
		if lot == "" {
			lot = lgtinLot(classes, id.GTIN)
		}
		if lot == "" {
			return nil, ec.fail(CodeInvalid, "lot-required", epc, "commissioning needs a lot (ILMD cbvmda:lotNumber or an LGTIN)")
		}
		if expiry == "" {
			return nil, ec.fail(CodeInvalid, "expiry-required", epc, "commissioning needs an expiry date (ILMD cbvmda:itemExpirationDate)")
		}
		l, err := tx.lot(id.GTIN, lot)
		if err != nil {
			return nil, err
		}
		switch {
		case l == nil:
			l = &LotRecord{GTIN: id.GTIN, Lot: lot, Expiry: expiry, Owner: tx.caller}
			tx.putLot(l)
			// The commissioner holds the lot even if its company prefix
			// later leaves it (a new attestation): the holdings index
			// lists it. A new lot has no holder yet, so this needs no read
			// (commissioning into an existing lot reads nothing more).
			tx.markNewLotHolder(tx.caller, id.GTIN, lot)
		case l.Expiry != expiry:
			return nil, ec.fail(CodeInvalid, "lot-expiry-mismatch", epc, "lot %s expires %s, not %s", lot, l.Expiry, expiry)
		case l.Recalled:
			return nil, ec.fail(CodeInvalid, "lot-recalled", epc, "lot %s is recalled", lot)
		case l.Owner != tx.caller:
			// A lot another organisation created, under a company prefix
			// since attested to the caller: the caller comes to hold it
			// here, not by a shipment (rare: one read, once per lot).
			if err := tx.markHolder(tx.caller, id.GTIN, lot); err != nil {
				return nil, err
			}
		}
		it.serial = &SerialRecord{GTIN: id.GTIN, Serial: id.Serial, Lot: lot, Expiry: expiry,
			Custody: Custody{Owner: tx.caller, Status: StatusActive}, Transformation: transformation}
		tx.touch(it)
		place := placeOf(id.Serial)
		b, err := tx.block(id.GTIN, place.suffix)
		if err != nil {
			return nil, err
		}
		it.seg = tx.commissionInto(b, place, it.serial)
		if k := lotBlockKey(id.GTIN, lot, place.suffix); !tx.lotBlocks[k] && !b.indexed(lot) {
			setMap(&tx.lotBlocks, k, true)
			tx.puts = append(tx.puts, put{k, indexMark})
		}
		created = append(created, it)
	}
	return created, nil
}

// prefixOwned refuses an identifier (a GTIN or an SSCC) whose GS1 company
// prefix the caller does not own.
func (ec *eventCtx) prefixOwned(epc, what, digits string) error {
	owner, err := ec.tx.gtinOwner(digits)
	if err != nil {
		return err
	}
	if owner != ec.tx.caller {
		if owner == "" {
			owner = "no organisation"
		}
		return ec.fail(CodeForbidden, "not-prefix-owner", epc, "the company prefix of %s %s belongs to %s, not %s", what, digits, owner, ec.tx.caller)
	}
	return nil
}

// createContainer makes the record of a new SSCC for the caller. An SSCC is
// allocated by the company whose prefix it carries: only that organisation
// creates it, so nobody can take another's SSCCs before it uses them.
func (ec *eventCtx) createContainer(epc string, it *item) error {
	if err := ec.prefixOwned(epc, "SSCC", it.id.SSCC); err != nil {
		return err
	}
	it.cont = &ContainerRecord{SSCC: it.id.SSCC, Custody: Custody{Owner: ec.tx.caller, Status: StatusActive}, Children: []string{}}
	ec.tx.touch(it)
	return nil
}

// lgtinLot returns the lot of an LGTIN of gtin in a quantity list.
func lgtinLot(classes []epcis.QuantityElement, gtin string) string {
	for _, q := range classes {
		if g, lot, err := ParseLGTIN(q.EPCClass); err == nil && g == gtin {
			return lot
		}
	}
	return ""
}

// lotAndExpiry returns the lot and the expiry date (normalised) that the
// event's ILMD gives, "" for none, refusing one given twice or in a form
// the rules do not take. It reads nothing but the event.
func (ec *eventCtx) lotAndExpiry() (lot, expiry string, err error) {
	lot, err = ec.ilmdValue("lotNumber")
	if err != nil {
		return "", "", err
	}
	raw, err := ec.ilmdValue("itemExpirationDate")
	if err != nil {
		return "", "", err
	}
	if lot != "" && !ValidSerial(lot) {
		// A lot is AI 10, as an LGTIN's (ParseLGTIN): no '~' to run into
		// another lot's index keys, no length to grow block records.
		return "", "", ec.fail(CodeInvalid, "bad-lot", "", "lot %q is not 1 to 20 characters of GS1 set 82", lot)
	}
	if raw != "" {
		var ok bool
		if expiry, ok = NormalizeExpiry(raw); !ok {
			return "", "", ec.fail(CodeInvalid, "bad-expiry", "", "expiry %q is not a date", raw)
		}
	}
	return lot, expiry, nil
}

// ilmdValue returns the text of the CBV master data attribute local
// (cbvmda namespace, in its URN or web form) in the event's ILMD, "" when
// the ILMD does not give it. An attribute given more than once (two
// elements, or a JSON-LD array, which decodes as one element per value) is
// refused with rule ilmd-repeated, one given as a structure rather than one
// string with ilmd-not-text: the ledger would keep one value, and the
// package would verify with it and not with the other.
func (ec *eventCtx) ilmdValue(local string) (string, error) {
	var found *epcis.Element
	for i := range ec.ev.ILMD {
		e := &ec.ev.ILMD[i]
		if e.Local != local || !(strings.Contains(e.Space, "cbv:mda") || strings.Contains(e.Space, "cbv/mda") || e.Space == "") {
			continue
		}
		if found != nil {
			return "", ec.fail(CodeInvalid, "ilmd-repeated", "", "the ILMD gives cbvmda:%s more than once (%q, then %q): it must give one value", local, found.Text, e.Text)
		}
		if len(e.Children) > 0 {
			return "", ec.fail(CodeInvalid, "ilmd-not-text", "", "the ILMD gives cbvmda:%s as a structure, not as one string", local)
		}
		found = e
	}
	if found == nil {
		return "", nil
	}
	return strings.TrimSpace(found.Text), nil
}

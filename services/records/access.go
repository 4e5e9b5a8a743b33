package records

import (
	"context"
	"fmt"

	"rxledger/chaincode"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/problem"
)

// The chaincode answers ReadSerial, ReadContainer and History to every
// member (the records are shared state), but a package's custody says who
// sold it to whom: a trading relationship that is the parties' business
// (the returns service names no other holder either). So the service
// decides who reads them, as ReadLot decides for a lot: a regulator and the
// GTIN's owner everything, anyone else its own part.

// party reports whether org owns the item of c (holds it, or ships it) or
// is the addressee of its shipment.
func party(c *chaincode.Custody, org string) bool {
	return c != nil && (c.Owner == org || c.ShipTo == org)
}

// custodyOfItem returns the custody of an item and its serial record (nil
// for a container).
func custodyOfItem(it *Item) (*chaincode.Custody, *chaincode.SerialRecord) {
	if it.Serial != nil {
		return &it.Serial.Custody, it.Serial
	}
	return &it.Container.Custody, nil
}

// custodyOfEntry returns the custody of a history entry (nil for the
// deletion of a record).
func custodyOfEntry(e *chaincode.CustodyEntry) *chaincode.Custody {
	switch {
	case e.Serial != nil:
		return &e.Serial.Custody
	case e.Container != nil:
		return &e.Container.Custody
	}
	return nil
}

// view is what p may see of an item: all of it (a regulator, or the owner
// of a serial's lot, the GTIN's owner, as the chaincode's investigation
// rules and ReadLot know it), or its current record only as the
// organisation that owns it or is sent it (read).
func (s *Service) view(ctx context.Context, p auth.Principal, c *chaincode.Custody, serial *chaincode.SerialRecord) (all, read bool, err error) {
	if s.regulator(p) {
		return true, true, nil
	}
	if serial != nil {
		l, err := s.lotRecord(ctx, p.Org, serial.GTIN, serial.Lot)
		if err != nil {
			return false, false, err
		}
		all = l != nil && l.Owner == p.Org
	}
	return all, all || party(c, p.Org), nil
}

// lotRecord reads a lot's record as org (nil for an unknown lot).
func (s *Service) lotRecord(ctx context.Context, org, gtin, lot string) (*chaincode.LotRecord, error) {
	var l chaincode.LotRecord
	err := s.readJSON(ctx, org, &l, chaincode.FnReadLotRecord, gtin, lot)
	if problem.Is(err, problem.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lot %q of GTIN %s: %w", lot, gtin, err)
	}
	return &l, nil
}

// lastSerial returns the serial record of the latest entry that has one
// (nil for a container's history).
func lastSerial(entries []chaincode.CustodyEntry) *chaincode.SerialRecord {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Serial != nil {
			return entries[i].Serial
		}
	}
	return nil
}

// partyEntries returns the history entries org took part in: those that
// leave the item owned by it or on its way to it, and each one right after
// such an entry (the change that took the item from it, or received it
// from it: a seller sees its buyer's receipt, not what the buyer did
// next).
func partyEntries(entries []chaincode.CustodyEntry, org string) []chaincode.CustodyEntry {
	out := []chaincode.CustodyEntry{}
	after := false
	for i := range entries {
		in := party(custodyOfEntry(&entries[i]), org)
		switch {
		case in:
			out = append(out, entries[i])
		case after:
			out = append(out, handedOver(entries[i], org))
		}
		after = in
	}
	return out
}

// handedOver is the change right after org's part in an item's custody,
// cut down to who holds the item next (and org as its seller): the
// transaction that received it may have done more (unpacked, dispensed,
// shipped it on), which is the new holder's business. Status is left out.
func handedOver(e chaincode.CustodyEntry, org string) chaincode.CustodyEntry {
	out := chaincode.CustodyEntry{TxID: e.TxID, Block: e.Block, Time: e.Time, Deleted: e.Deleted}
	keep := func(c chaincode.Custody) chaincode.Custody {
		k := chaincode.Custody{Owner: c.Owner, Updated: e.Time}
		if c.Seller == org {
			k.Seller = org
		}
		return k
	}
	if s := e.Serial; s != nil {
		out.Serial = &chaincode.SerialRecord{GTIN: s.GTIN, Serial: s.Serial, Lot: s.Lot, Expiry: s.Expiry, Custody: keep(s.Custody)}
	}
	if c := e.Container; c != nil {
		out.Container = &chaincode.ContainerRecord{SSCC: c.SSCC, Custody: keep(c.Custody), Children: []string{}}
	}
	return out
}

// redact blanks, in a custody record shown to org in part (not a
// regulator, not the GTIN's owner), who else is in the package's trade:
// unless org owns the package, the seller it was bought from (the owner's
// supplier), the addressee of a shipment onwards (the owner's customer)
// and who opened an investigation, each kept when it is org itself. Owner
// stays: org deals with it, as the seller to it or the buyer from it.
func redact(c *chaincode.Custody, org string) {
	if c == nil || c.Owner == org {
		return
	}
	if c.Seller != org {
		c.Seller = ""
	}
	if c.ShipTo != org {
		c.ShipTo = ""
	}
	if c.InvestigationBy != org {
		c.InvestigationBy = ""
	}
}

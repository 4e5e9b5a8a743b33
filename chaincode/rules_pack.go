package chaincode

import "slices"

// pack puts items the caller holds into a container the caller holds: an
// SSCC (an unknown one is created for the caller) or a commissioned
// serialised case (SGTIN). Nothing is packed twice and nothing is packed
// into itself or into something it holds.
func (ec *eventCtx) pack() error {
	tx := ec.tx
	parent, err := ec.parent(true)
	if err != nil {
		return err
	}
	if len(ec.ev.ChildEPCs) == 0 {
		return ec.fail(CodeInvalid, "children-required", ec.ev.ParentID, "packing lists no childEPCs")
	}
	children, err := ec.loadList(ec.ev.ChildEPCs)
	if err != nil {
		return err
	}
	link := parent.id.DigitalLink()
	above, err := tx.ancestors(parent)
	if err != nil {
		return err
	}
	kids := parent.children()
	for _, l := range children {
		if err := ec.checkHeld(l.epc, l.it); err != nil {
			return err
		}
		if p := l.it.custody().Parent; p != "" {
			return ec.fail(CodeInvalid, "already-packed", l.epc, "%s is already packed in %s", l.epc, p)
		}
		if l.it.key == parent.key {
			return ec.fail(CodeInvalid, "packing-cycle", l.epc, "a container cannot hold itself")
		}
		if above[l.it.key] {
			return ec.fail(CodeInvalid, "packing-cycle", l.epc, "%s holds %s", l.epc, ec.ev.ParentID)
		}
		l.it.custody().Parent = link
		*kids = append(*kids, l.it.id.DigitalLink())
		tx.touch(l.it)
	}
	tx.touch(parent)
	return nil
}

// unpack takes the listed items (all when none are listed) out of a
// container the caller holds.
func (ec *eventCtx) unpack() error {
	tx := ec.tx
	parent, err := ec.parent(false)
	if err != nil {
		return err
	}
	kids := parent.children()
	if len(ec.ev.ChildEPCs) == 0 {
		for _, link := range *kids {
			child, err := tx.itemByLink(link)
			if err != nil {
				return err
			}
			child.custody().Parent = ""
			tx.touch(child)
		}
		*kids = emptyChildren(parent)
		tx.touch(parent)
		return nil
	}
	children, err := ec.loadList(ec.ev.ChildEPCs)
	if err != nil {
		return err
	}
	for _, l := range children {
		link := l.it.id.DigitalLink()
		i := slices.Index(*kids, link)
		if i < 0 {
			return ec.fail(CodeInvalid, "not-in-container", l.epc, "%s is not packed in %s", l.epc, ec.ev.ParentID)
		}
		*kids = slices.Delete(*kids, i, i+1)
		l.it.custody().Parent = ""
		tx.touch(l.it)
	}
	tx.touch(parent)
	return nil
}

// parent loads the event's parent container, which the caller must hold;
// create makes an unknown SSCC of the caller's company prefix for the caller
// (a serialised case must have been commissioned).
func (ec *eventCtx) parent(create bool) (*item, error) {
	tx := ec.tx
	epc := ec.ev.ParentID
	id, err := ParseItemID(epc)
	if err != nil {
		return nil, ec.fail(CodeInvalid, "bad-parent", epc, "the parentID must be an SSCC or SGTIN: %v", err)
	}
	it, err := tx.item(id)
	if err != nil {
		return nil, err
	}
	// An SSCC the caller neither owns nor is the addressee of is answered
	// as one never created (txn.hidden): unknown, or, when packing, the
	// company prefix that creating it needs. Only the prefix's owner, who
	// allocated the number, learns that it exists (it is not recreated).
	if hidden := tx.hidden(it); !it.exists() || hidden {
		if !create || id.Kind != KindSSCC {
			return nil, ec.fail(CodeNotFound, "unknown-epc", epc, "container %s is unknown", epc)
		}
		if !hidden {
			if err := ec.createContainer(epc, it); err != nil {
				return nil, err
			}
			return it, nil
		}
		if err := ec.prefixOwned(epc, "SSCC", id.SSCC); err != nil {
			return nil, err
		}
	}
	if err := ec.checkHeld(epc, it); err != nil {
		return nil, err
	}
	return it, nil
}

// ancestors returns the keys of every container holding it, directly or not.
func (tx *txn) ancestors(it *item) (map[string]bool, error) {
	out := map[string]bool{}
	for p := it.custody().Parent; p != ""; {
		parent, err := tx.itemByLink(p)
		if err != nil {
			return nil, err
		}
		if !parent.exists() || out[parent.key] {
			break
		}
		out[parent.key] = true
		p = parent.custody().Parent
	}
	return out, nil
}

// emptyChildren is the empty child list of a container: [] for an SSCC
// (always written), nil for a serialised case (omitted).
func emptyChildren(it *item) []string {
	if it.cont != nil {
		return []string{}
	}
	return nil
}

package chaincode

import "slices"

// pack puts items the caller holds into a container (SSCC) the caller holds;
// an unknown container is created for the caller. Nothing is packed twice and
// a container is never packed into itself.
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
		if l.it.cont != nil {
			inside, err := tx.insideAny(parent, map[string]bool{l.it.key: true})
			if err != nil {
				return err
			}
			if inside {
				return ec.fail(CodeInvalid, "packing-cycle", l.epc, "%s holds %s", l.epc, ec.ev.ParentID)
			}
		}
		l.it.custody().Parent = link
		parent.cont.Children = append(parent.cont.Children, l.it.id.DigitalLink())
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
	if len(ec.ev.ChildEPCs) == 0 {
		for _, link := range parent.cont.Children {
			child, err := tx.itemByLink(link)
			if err != nil {
				return err
			}
			child.custody().Parent = ""
			tx.touch(child)
		}
		parent.cont.Children = []string{}
		tx.touch(parent)
		return nil
	}
	children, err := ec.loadList(ec.ev.ChildEPCs)
	if err != nil {
		return err
	}
	for _, l := range children {
		link := l.it.id.DigitalLink()
		i := slices.Index(parent.cont.Children, link)
		if i < 0 {
			return ec.fail(CodeInvalid, "not-in-container", l.epc, "%s is not packed in %s", l.epc, ec.ev.ParentID)
		}
		parent.cont.Children = slices.Delete(parent.cont.Children, i, i+1)
		l.it.custody().Parent = ""
		tx.touch(l.it)
	}
	tx.touch(parent)
	return nil
}

// parent loads the event's parent container, which the caller must hold;
// create makes an unknown one for the caller.
func (ec *eventCtx) parent(create bool) (*item, error) {
	tx := ec.tx
	epc := ec.ev.ParentID
	id, err := ParseItemID(epc)
	if err != nil || id.Kind != KindSSCC {
		return nil, ec.fail(CodeInvalid, "parent-not-sscc", epc, "the parentID must be an SSCC")
	}
	it, err := tx.item(id)
	if err != nil {
		return nil, err
	}
	if !it.exists() {
		if !create {
			return nil, ec.fail(CodeNotFound, "unknown-epc", epc, "container %s is unknown", epc)
		}
		it.cont = &ContainerRecord{SSCC: id.SSCC, Custody: Custody{Owner: tx.caller, Status: StatusActive}, Children: []string{}}
		tx.touch(it)
		return it, nil
	}
	if err := ec.checkHeld(epc, it); err != nil {
		return nil, err
	}
	return it, nil
}

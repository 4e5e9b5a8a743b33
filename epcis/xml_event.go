package epcis

import (
	"fmt"
	"strconv"
)

// eventAt decodes one event element; index is its position in the document.
func (d *xmlDocDecoder) eventAt(n *xmlNode, index int) (Event, error) {
	d.events = index
	defer func() { d.events = -1 }()
	d.offsets = append(d.offsets, n.Offset)
	d.enter(n)
	defer d.leave()
	ev := Event{Type: EventType(n.Local)}
	st := eventState{lastRank: -1}
	if err := d.eventFields(&ev, n, true, &st); err != nil {
		return Event{}, err
	}
	if !st.saw("eventTime") {
		return Event{}, d.fail(n, "missing eventTime")
	}
	if ev.Type != TransformationEventType && !st.saw("action") {
		return Event{}, d.fail(n, "missing action")
	}
	return ev, nil
}

// eventState tracks, while an event is read, which single-valued fields have
// been seen and (for StrictOrder) the XSD position of the last one.
type eventState struct {
	lastRank int
	seen     uint64
}

// xmlSingleFields are the event fields that may appear once, by bit.
var xmlSingleFields = func() map[string]uint64 {
	names := []string{"eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "errorDeclaration",
		"epcList", "childEPCs", "inputEPCList", "outputEPCList", "quantityList", "childQuantityList",
		"inputQuantityList", "outputQuantityList", "parentID", "transformationID", "action", "bizStep",
		"disposition", "persistentDisposition", "readPoint", "bizLocation", "bizTransactionList",
		"sourceList", "destinationList", "sensorElementList", "ilmd"}
	m := make(map[string]uint64, len(names))
	for i, n := range names {
		m[n] = 1 << i
	}
	return m
}()

// see records a field; it reports false when a single-valued field repeats.
func (st *eventState) see(local string) bool {
	bit, single := xmlSingleFields[local]
	if !single {
		return true
	}
	if st.seen&bit != 0 {
		return false
	}
	st.seen |= bit
	return true
}

func (st *eventState) saw(local string) bool { return st.seen&xmlSingleFields[local] != 0 }

// eventFields reads the children of an event element, or of a 1.2
// extension/baseExtension wrapper inside it (top is false then).
func (d *xmlDocDecoder) eventFields(ev *Event, n *xmlNode, top bool, st *eventState) error {
	for _, c := range n.Children {
		if c.Space != "" {
			ev.Extensions = append(ev.Extensions, elementOf(c))
			continue
		}
		if top && d.strictOrder && !d.v12 {
			if r, ok := xmlFieldRank(ev.Type, c.Local); ok {
				if r < st.lastRank {
					return d.fail(c, "element <%s> is out of order (EPCIS 2.0 XSD sequence)", c.Local)
				}
				st.lastRank = r
			}
		}
		if !st.see(c.Local) {
			return d.fail(c, "element <%s> given twice", c.Local)
		}
		var err error
		switch c.Local {
		case "extension", "baseExtension":
			d.enter(c)
			err := d.eventFields(ev, c, false, st)
			d.leave()
			if err != nil {
				return err
			}
		case "eventTime":
			ev.EventTime, err = parseXMLTime(c.Text)
		case "recordTime":
			t, perr := parseXMLTime(c.Text)
			ev.RecordTime, err = &t, perr
		case "eventTimeZoneOffset":
			ev.EventTimeZoneOffset = c.Text
			if ev.EventTimeZoneOffset == "Z" {
				ev.EventTimeZoneOffset = "+00:00"
			}
		case "eventID":
			ev.EventID = c.Text
		case "certificationInfo":
			ev.CertificationInfo = append(ev.CertificationInfo, c.Text)
		case "errorDeclaration":
			ev.ErrorDeclaration, err = d.errorDeclaration(c)
		case "epcList":
			ev.EPCList, err = d.epcs(c)
		case "childEPCs":
			ev.ChildEPCs, err = d.epcs(c)
		case "inputEPCList":
			ev.InputEPCList, err = d.epcs(c)
		case "outputEPCList":
			ev.OutputEPCList, err = d.epcs(c)
		case "quantityList":
			ev.QuantityList, err = d.quantities(c)
		case "childQuantityList":
			ev.ChildQuantityList, err = d.quantities(c)
		case "inputQuantityList":
			ev.InputQuantityList, err = d.quantities(c)
		case "outputQuantityList":
			ev.OutputQuantityList, err = d.quantities(c)
		case "parentID":
			ev.ParentID = c.Text
		case "transformationID":
			ev.TransformationID = c.Text
		case "action":
			switch Action(c.Text) {
			case ActionAdd, ActionObserve, ActionDelete:
				ev.Action = Action(c.Text)
			default:
				err = fmt.Errorf("invalid action %q (want ADD, OBSERVE or DELETE)", c.Text)
			}
		case "bizStep":
			ev.BizStep = d.cbv(BizStep, c.Text)
		case "disposition":
			ev.Disposition = d.cbv(Disposition, c.Text)
		case "persistentDisposition":
			ev.PersistentDisposition = d.persistentDisposition(c)
		case "readPoint":
			ev.ReadPoint, ev.ReadPointExtensions, err = d.location(c)
		case "bizLocation":
			ev.BizLocation, ev.BizLocationExtensions, err = d.location(c)
		case "bizTransactionList":
			for _, bt := range c.Children {
				if bt.Local != "bizTransaction" {
					return d.fail(bt, "unexpected element <%s> in bizTransactionList", bt.Local)
				}
				typ, _ := bt.attr("type")
				ev.BizTransactionList = append(ev.BizTransactionList, BizTransaction{Type: d.cbv(BizTransactionType, typ), Value: bt.Text})
			}
		case "sourceList":
			ev.SourceList, err = d.sourceDest(c, "source")
		case "destinationList":
			ev.DestinationList, err = d.sourceDest(c, "destination")
		case "sensorElementList":
			ev.SensorElementList, err = d.sensorElements(c)
		case "ilmd":
			for _, m := range flattenExtension(c.Children) {
				if m.Space == "" {
					return d.fail(m, "unexpected unqualified element <%s> in ilmd", m.Local)
				}
				ev.ILMD = append(ev.ILMD, elementOf(m))
			}
		default:
			if !top {
				// EPCIS 1.2 extension wrappers admit unqualified (##local)
				// elements; keep them as extensions without a namespace.
				ev.Extensions = append(ev.Extensions, elementOf(c))
				continue
			}
			return d.fail(c, "unknown element <%s> in %s", c.Local, ev.Type)
		}
		if err != nil {
			return d.wrap(c, err)
		}
	}
	return nil
}

// epcs reads an EPC list (epcList, childEPCs, inputEPCList, outputEPCList).
func (d *xmlDocDecoder) epcs(n *xmlNode) ([]string, error) {
	if len(n.Children) == 0 {
		return nil, nil
	}
	if len(n.Children) > d.lim.MaxEPCsPerEvent {
		return nil, limitErr("number of entries", int64(d.lim.MaxEPCsPerEvent))
	}
	out := make([]string, 0, len(n.Children))
	for _, c := range n.Children {
		if c.Local != "epc" {
			return nil, fmt.Errorf("unexpected element <%s>", c.Local)
		}
		out = append(out, c.Text)
	}
	return out, nil
}

// quantities reads a quantity list; an empty <quantity/> (xsi:nil) means no
// quantity.
func (d *xmlDocDecoder) quantities(n *xmlNode) ([]QuantityElement, error) {
	if len(n.Children) == 0 {
		return nil, nil
	}
	if len(n.Children) > d.lim.MaxEPCsPerEvent {
		return nil, limitErr("number of entries", int64(d.lim.MaxEPCsPerEvent))
	}
	out := make([]QuantityElement, 0, len(n.Children))
	for _, c := range n.Children {
		if c.Local != "quantityElement" {
			return nil, fmt.Errorf("unexpected element <%s>", c.Local)
		}
		var q QuantityElement
		for _, f := range c.Children {
			switch f.Local {
			case "epcClass":
				q.EPCClass = f.Text
			case "quantity":
				if f.Text == "" {
					continue // <quantity xsi:nil="true"/>: no quantity
				}
				v, err := strconv.ParseFloat(f.Text, 64)
				if err != nil {
					return nil, fmt.Errorf("quantity %q is not a number", f.Text)
				}
				q.Quantity, q.HasQuantity = &v, true
			case "uom":
				q.UOM = f.Text
			default:
				return nil, fmt.Errorf("unexpected element <%s> in quantityElement", f.Local)
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// location reads a readPoint or bizLocation: its id and user extensions.
func (d *xmlDocDecoder) location(n *xmlNode) (string, []Element, error) {
	var id string
	var ext []Element
	for _, c := range flattenExtension(n.Children) {
		switch {
		case c.Space != "":
			ext = append(ext, elementOf(c))
		case c.Local == "id":
			id = c.Text
		default:
			return "", nil, fmt.Errorf("unexpected element <%s>", c.Local)
		}
	}
	return id, ext, nil
}

// sourceDest reads a sourceList or destinationList.
func (d *xmlDocDecoder) sourceDest(n *xmlNode, child string) ([]SourceDest, error) {
	if len(n.Children) == 0 {
		return nil, nil
	}
	out := make([]SourceDest, 0, len(n.Children))
	for _, c := range n.Children {
		if c.Local != child {
			return nil, fmt.Errorf("unexpected element <%s>", c.Local)
		}
		typ, _ := c.attr("type")
		out = append(out, SourceDest{Type: d.cbv(SourceDestType, typ), Value: c.Text})
	}
	return out, nil
}

// persistentDisposition reads the set and unset dispositions.
func (d *xmlDocDecoder) persistentDisposition(n *xmlNode) *PersistentDisposition {
	p := &PersistentDisposition{}
	for _, c := range n.Children {
		switch c.Local {
		case "set":
			p.Set = append(p.Set, d.cbv(Disposition, c.Text))
		case "unset":
			p.Unset = append(p.Unset, d.cbv(Disposition, c.Text))
		}
	}
	return p
}

// errorDeclaration reads an errorDeclaration; declarationTime is required.
func (d *xmlDocDecoder) errorDeclaration(n *xmlNode) (*ErrorDeclaration, error) {
	e := &ErrorDeclaration{}
	var sawTime bool
	for _, c := range flattenExtension(n.Children) {
		switch {
		case c.Space != "":
			e.Extensions = append(e.Extensions, elementOf(c))
		case c.Local == "declarationTime":
			t, err := parseXMLTime(c.Text)
			if err != nil {
				return nil, fmt.Errorf("declarationTime: %w", err)
			}
			e.DeclarationTime, sawTime = t, true
		case c.Local == "reason":
			e.Reason = d.cbv(ErrorReason, c.Text)
		case c.Local == "correctiveEventIDs":
			for _, id := range c.Children {
				e.CorrectiveEventIDs = append(e.CorrectiveEventIDs, id.Text)
			}
		default:
			return nil, fmt.Errorf("unexpected element <%s>", c.Local)
		}
	}
	if !sawTime {
		return nil, fmt.Errorf("missing declarationTime")
	}
	return e, nil
}

// elementOf converts a user extension element to the model. Namespaced
// attributes of an element without text (<ex:field ex:furtherData="x"/>) are
// fields of a structure, as the EPCIS 2.0 JSON-LD binding writes them, and
// become leading child elements; other attributes (unqualified ones, xsi:type,
// xml:lang, or any on an element with text) are kept as Attrs.
func elementOf(n *xmlNode) Element {
	e := Element{Space: n.Space, Local: n.Local, Text: n.Text}
	for _, a := range n.Attrs {
		if n.Text == "" && isFieldAttr(a.Name.Space) {
			e.Children = append(e.Children, Element{Space: a.Name.Space, Local: a.Name.Local, Text: a.Value})
			continue
		}
		e.Attrs = append(e.Attrs, Attr{Space: a.Name.Space, Local: a.Name.Local, Value: a.Value})
	}
	if len(n.Children) > 0 {
		e.Text = ""
		for _, c := range n.Children {
			e.Children = append(e.Children, elementOf(c))
		}
	}
	return e
}

func isFieldAttr(space string) bool {
	return space != "" && space != NSXSI && space != xmlNamespaceURI
}

// xmlFieldRank gives the position of a standard field in the EPCIS 2.0 XSD
// sequence of an event type, for StrictOrder.
func xmlFieldRank(t EventType, local string) (int, bool) {
	if r, ok := xmlBaseRank[local]; ok {
		return r, true
	}
	seq := xmlEventSequence[t]
	for i, name := range seq {
		if name == local {
			return 100 + i, true
		}
	}
	return 0, false
}

var xmlBaseRank = map[string]int{
	"eventTime": 0, "recordTime": 1, "eventTimeZoneOffset": 2, "eventID": 3,
	"errorDeclaration": 4, "certificationInfo": 5, "baseExtension": 6,
}

// xmlEventSequence is the order of each event type's own fields in the EPCIS
// 2.0 XSD; the encoder writes them in this order too.
var xmlEventSequence = map[EventType][]string{
	ObjectEventType: {"epcList", "action", "bizStep", "disposition", "readPoint", "bizLocation",
		"bizTransactionList", "quantityList", "sourceList", "destinationList", "sensorElementList",
		"persistentDisposition", "ilmd", "extension"},
	AggregationEventType: {"parentID", "childEPCs", "action", "bizStep", "disposition", "readPoint",
		"bizLocation", "bizTransactionList", "childQuantityList", "sourceList", "destinationList",
		"sensorElementList", "persistentDisposition", "extension"},
	TransactionEventType: {"bizTransactionList", "parentID", "epcList", "action", "bizStep",
		"disposition", "readPoint", "bizLocation", "quantityList", "sourceList", "destinationList",
		"sensorElementList", "persistentDisposition", "extension"},
	TransformationEventType: {"inputEPCList", "inputQuantityList", "outputEPCList",
		"outputQuantityList", "transformationID", "bizStep", "disposition", "readPoint", "bizLocation",
		"bizTransactionList", "sourceList", "destinationList", "sensorElementList",
		"persistentDisposition", "ilmd", "extension"},
	AssociationEventType: {"parentID", "childEPCs", "childQuantityList", "action", "bizStep",
		"disposition", "readPoint", "bizLocation", "bizTransactionList", "sourceList",
		"destinationList", "sensorElementList", "persistentDisposition", "extension"},
}

// cbv normalises a CBV-typed value: a standard CBV value in any form becomes
// its short form; anything else is kept as written, CURIEs included
// ("ext1:summarising_discharge"): the GS1 event hash vectors hash XML CURIE
// values as written, not expanded with the document's namespace prefixes.
func (d *xmlDocDecoder) cbv(kind CBVKind, v string) string {
	return ShortCBV(kind, v)
}

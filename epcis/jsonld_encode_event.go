package epcis

func (e *jsonEncoder) events(events []Event) {
	e.b.WriteByte('[')
	for i := range events {
		if i > 0 {
			e.b.WriteByte(',')
		}
		e.event(&events[i])
	}
	e.b.WriteByte(']')
}

func (e *jsonEncoder) event(ev *Event) {
	e.b.WriteString(`{"type":`)
	e.str(string(ev.Type))
	e.optMember("eventID", ev.EventID)
	if !ev.EventTime.IsZero() {
		e.member("eventTime", jsonTime(ev.EventTime))
	}
	if ev.RecordTime != nil {
		e.member("recordTime", jsonTime(*ev.RecordTime))
	}
	e.optMember("eventTimeZoneOffset", ev.EventTimeZoneOffset)
	switch len(ev.CertificationInfo) {
	case 0:
	case 1:
		e.member("certificationInfo", ev.CertificationInfo[0])
	default:
		e.key("certificationInfo")
		e.strings(ev.CertificationInfo)
	}
	if ed := ev.ErrorDeclaration; ed != nil {
		e.key("errorDeclaration")
		e.b.WriteString(`{"declarationTime":`)
		e.str(jsonTime(ed.DeclarationTime))
		e.optMember("reason", ShortCBV(ErrorReason, ed.Reason))
		if len(ed.CorrectiveEventIDs) > 0 {
			e.key("correctiveEventIDs")
			e.strings(ed.CorrectiveEventIDs)
		}
		e.elementMembers(ed.Extensions, false)
		e.b.WriteByte('}')
	}
	e.optMember("parentID", ev.ParentID)
	whatType := ev.Type == ObjectEventType || ev.Type == TransactionEventType
	if len(ev.EPCList) > 0 || (whatType && len(ev.QuantityList) == 0) {
		// An ObjectEvent or TransactionEvent has an epcList even when empty.
		e.key("epcList")
		e.strings(ev.EPCList)
	}
	e.list("childEPCs", ev.ChildEPCs)
	e.list("inputEPCList", ev.InputEPCList)
	e.list("outputEPCList", ev.OutputEPCList)
	e.quantities("quantityList", ev.QuantityList)
	e.quantities("childQuantityList", ev.ChildQuantityList)
	e.quantities("inputQuantityList", ev.InputQuantityList)
	e.quantities("outputQuantityList", ev.OutputQuantityList)
	e.optMember("transformationID", ev.TransformationID)
	e.optMember("action", string(ev.Action))
	e.optMember("bizStep", ShortCBV(BizStep, ev.BizStep))
	e.optMember("disposition", ShortCBV(Disposition, ev.Disposition))
	if p := ev.PersistentDisposition; p != nil && len(p.Set)+len(p.Unset) > 0 {
		e.key("persistentDisposition")
		e.b.WriteByte('{')
		comma := ""
		if len(p.Set) > 0 {
			e.b.WriteString(`"set":`)
			e.strings(shortAll(Disposition, p.Set))
			comma = ","
		}
		if len(p.Unset) > 0 {
			e.b.WriteString(comma + `"unset":`)
			e.strings(shortAll(Disposition, p.Unset))
		}
		e.b.WriteByte('}')
	}
	e.location("readPoint", ev.ReadPoint, ev.ReadPointExtensions)
	e.location("bizLocation", ev.BizLocation, ev.BizLocationExtensions)
	if len(ev.BizTransactionList) > 0 {
		e.key("bizTransactionList")
		e.b.WriteByte('[')
		for i, bt := range ev.BizTransactionList {
			if i > 0 {
				e.b.WriteByte(',')
			}
			e.typedValue(ShortCBV(BizTransactionType, bt.Type), "bizTransaction", bt.Value)
		}
		e.b.WriteByte(']')
	}
	e.sourceDest("sourceList", "source", ev.SourceList)
	e.sourceDest("destinationList", "destination", ev.DestinationList)
	if len(ev.SensorElementList) > 0 {
		e.key("sensorElementList")
		e.b.WriteByte('[')
		for i := range ev.SensorElementList {
			if i > 0 {
				e.b.WriteByte(',')
			}
			e.sensorElement(&ev.SensorElementList[i])
		}
		e.b.WriteByte(']')
	}
	if len(ev.ILMD) > 0 {
		e.key("ilmd")
		e.b.WriteByte('{')
		e.elementMembers(ev.ILMD, true)
		e.b.WriteByte('}')
	}
	e.elementMembers(ev.Extensions, false)
	e.b.WriteByte('}')
}

func shortAll(kind CBVKind, vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = ShortCBV(kind, v)
	}
	return out
}

func (e *jsonEncoder) list(name string, vals []string) {
	if len(vals) > 0 {
		e.key(name)
		e.strings(vals)
	}
}

func (e *jsonEncoder) quantities(name string, qs []QuantityElement) {
	if len(qs) == 0 {
		return
	}
	e.key(name)
	e.b.WriteByte('[')
	for i, q := range qs {
		if i > 0 {
			e.b.WriteByte(',')
		}
		e.b.WriteString(`{"epcClass":`)
		e.str(q.EPCClass)
		if q.Quantity != nil {
			e.b.WriteString(`,"quantity":`)
			e.number(*q.Quantity)
		}
		e.optMember("uom", q.UOM)
		e.b.WriteByte('}')
	}
	e.b.WriteByte(']')
}

func (e *jsonEncoder) location(name, id string, ext []Element) {
	if id == "" && len(ext) == 0 {
		return
	}
	e.key(name)
	e.b.WriteString(`{"id":`)
	e.str(id)
	e.elementMembers(ext, false)
	e.b.WriteByte('}')
}

func (e *jsonEncoder) typedValue(typ, item, value string) {
	e.b.WriteByte('{')
	if typ != "" {
		e.b.WriteString(`"type":`)
		e.str(typ)
		e.b.WriteByte(',')
	}
	e.str(item)
	e.b.WriteByte(':')
	e.str(value)
	e.b.WriteByte('}')
}

func (e *jsonEncoder) sourceDest(list, item string, sds []SourceDest) {
	if len(sds) == 0 {
		return
	}
	e.key(list)
	e.b.WriteByte('[')
	for i, sd := range sds {
		if i > 0 {
			e.b.WriteByte(',')
		}
		e.typedValue(ShortCBV(SourceDestType, sd.Type), item, sd.Value)
	}
	e.b.WriteByte(']')
}

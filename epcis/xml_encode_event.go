package epcis

import (
	"fmt"
	"strconv"
	"time"
)

func (e *xmlEncoder) eventList(events []Event) error {
	e.str("\n")
	e.open("EventList")
	for i := range events {
		ev := &events[i]
		e.str("\n")
		if !isEventElement(string(ev.Type)) {
			return fmt.Errorf("encode event %d: unknown event type %q", i, ev.Type)
		}
		if !e.v12 {
			e.event20(ev)
			continue
		}
		switch ev.Type {
		case TransformationEventType:
			e.open("extension")
			e.event12(ev)
			e.close("extension")
		case AssociationEventType:
			e.str("<extension><extension>")
			e.event20(ev)
			e.str("</extension></extension>")
		default:
			e.event12(ev)
		}
	}
	e.str("\n")
	e.close("EventList")
	e.str("\n")
	return nil
}

// event20 writes an event in the EPCIS 2.0 XSD order.
func (e *xmlEncoder) event20(ev *Event) {
	name := string(ev.Type)
	e.open(name)
	e.field(ev, "eventTime")
	e.field(ev, "recordTime")
	e.field(ev, "eventTimeZoneOffset")
	e.field(ev, "eventID")
	e.field(ev, "errorDeclaration")
	e.field(ev, "certificationInfo")
	qualified, unqualified := splitUnqualified(ev.Extensions)
	for _, f := range xmlEventSequence[ev.Type] {
		if f == "extension" {
			if len(unqualified) > 0 {
				e.open("extension")
				e.elements(unqualified)
				e.close("extension")
			}
			continue
		}
		e.field(ev, f)
	}
	e.elements(qualified)
	e.close(name)
}

// event12 writes an Object, Aggregation, Transaction or Transformation event
// in the EPCIS 1.2 XSD order, with 2.0-only fields in extension wrappers.
func (e *xmlEncoder) event12(ev *Event) {
	name := string(ev.Type)
	e.open(name)
	e.field(ev, "eventTime")
	e.field(ev, "recordTime")
	e.field(ev, "eventTimeZoneOffset")
	if ev.EventID != "" || ev.ErrorDeclaration != nil {
		e.open("baseExtension")
		e.field(ev, "eventID")
		e.field(ev, "errorDeclaration")
		e.close("baseExtension")
	}
	qualified, unqualified := splitUnqualified(ev.Extensions)
	inner := func() {
		if len(ev.SensorElementList) == 0 && ev.PersistentDisposition == nil && len(ev.CertificationInfo) == 0 && len(unqualified) == 0 {
			return
		}
		e.open("extension")
		e.field(ev, "sensorElementList")
		e.field(ev, "persistentDisposition")
		e.field(ev, "certificationInfo")
		e.elements(unqualified)
		e.close("extension")
	}
	outer := func(fields ...string) {
		e.open("extension")
		for _, f := range fields {
			e.field(ev, f)
		}
		inner()
		e.close("extension")
	}
	switch ev.Type {
	case ObjectEventType:
		e.list("epcList", ev.EPCList, true)
		e.fields(ev, "action", "bizStep", "disposition", "readPoint", "bizLocation", "bizTransactionList")
		outer("quantityList", "sourceList", "destinationList", "ilmd")
	case AggregationEventType:
		e.field(ev, "parentID")
		e.list("childEPCs", ev.ChildEPCs, true)
		e.fields(ev, "action", "bizStep", "disposition", "readPoint", "bizLocation", "bizTransactionList")
		outer("childQuantityList", "sourceList", "destinationList")
	case TransactionEventType:
		if len(ev.BizTransactionList) == 0 {
			e.str("<bizTransactionList></bizTransactionList>")
		}
		e.field(ev, "bizTransactionList")
		e.field(ev, "parentID")
		e.list("epcList", ev.EPCList, true)
		e.fields(ev, "action", "bizStep", "disposition", "readPoint", "bizLocation")
		outer("quantityList", "sourceList", "destinationList")
	case TransformationEventType:
		e.fields(ev, "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList",
			"transformationID", "bizStep", "disposition", "readPoint", "bizLocation",
			"bizTransactionList", "sourceList", "destinationList", "ilmd")
		inner()
	}
	e.elements(qualified)
	e.close(name)
}

func (e *xmlEncoder) fields(ev *Event, names ...string) {
	for _, n := range names {
		e.field(ev, n)
	}
}

// field writes one standard field of ev, by its XML element name; nothing
// when the field is empty.
func (e *xmlEncoder) field(ev *Event, name string) {
	switch name {
	case "eventTime":
		e.leaf(name, xmlTime(ev.EventTime))
	case "recordTime":
		if ev.RecordTime != nil {
			e.leaf(name, xmlTime(*ev.RecordTime))
		}
	case "eventTimeZoneOffset":
		e.leaf(name, ev.EventTimeZoneOffset)
	case "eventID":
		e.leaf(name, ev.EventID)
	case "errorDeclaration":
		if ed := ev.ErrorDeclaration; ed != nil {
			e.open(name)
			e.leaf("declarationTime", xmlTime(ed.DeclarationTime))
			e.leaf("reason", e.cbv(ErrorReason, ed.Reason))
			if len(ed.CorrectiveEventIDs) > 0 {
				e.open("correctiveEventIDs")
				for _, id := range ed.CorrectiveEventIDs {
					e.item("correctiveEventID", id)
				}
				e.close("correctiveEventIDs")
			}
			q, u := splitUnqualified(ed.Extensions)
			if len(u) > 0 {
				e.open("extension")
				e.elements(u)
				e.close("extension")
			}
			e.elements(q)
			e.close(name)
		}
	case "certificationInfo":
		for _, c := range ev.CertificationInfo {
			e.item(name, c)
		}
	case "epcList":
		e.list(name, ev.EPCList, false)
	case "childEPCs":
		e.list(name, ev.ChildEPCs, false)
	case "inputEPCList":
		e.list(name, ev.InputEPCList, false)
	case "outputEPCList":
		e.list(name, ev.OutputEPCList, false)
	case "quantityList":
		e.quantities(name, ev.QuantityList)
	case "childQuantityList":
		e.quantities(name, ev.ChildQuantityList)
	case "inputQuantityList":
		e.quantities(name, ev.InputQuantityList)
	case "outputQuantityList":
		e.quantities(name, ev.OutputQuantityList)
	case "parentID":
		e.leaf(name, ev.ParentID)
	case "transformationID":
		e.leaf(name, ev.TransformationID)
	case "action":
		e.leaf(name, string(ev.Action))
	case "bizStep":
		e.leaf(name, e.cbv(BizStep, ev.BizStep))
	case "disposition":
		e.leaf(name, e.cbv(Disposition, ev.Disposition))
	case "readPoint":
		e.location(name, ev.ReadPoint, ev.ReadPointExtensions)
	case "bizLocation":
		e.location(name, ev.BizLocation, ev.BizLocationExtensions)
	case "bizTransactionList":
		if len(ev.BizTransactionList) > 0 {
			e.open(name)
			for _, bt := range ev.BizTransactionList {
				e.typed("bizTransaction", e.cbv(BizTransactionType, bt.Type), bt.Value)
			}
			e.close(name)
		}
	case "sourceList":
		e.sourceDest(name, "source", ev.SourceList)
	case "destinationList":
		e.sourceDest(name, "destination", ev.DestinationList)
	case "sensorElementList":
		if len(ev.SensorElementList) > 0 {
			e.open(name)
			for i := range ev.SensorElementList {
				e.sensorElement(&ev.SensorElementList[i])
			}
			e.close(name)
		}
	case "persistentDisposition":
		if p := ev.PersistentDisposition; p != nil {
			e.open(name)
			for _, s := range p.Set {
				e.item("set", e.cbv(Disposition, s))
			}
			for _, s := range p.Unset {
				e.item("unset", e.cbv(Disposition, s))
			}
			e.close(name)
		}
	case "ilmd":
		if len(ev.ILMD) > 0 {
			e.open(name)
			e.elements(ev.ILMD)
			e.close(name)
		}
	}
}

// list writes an EPC list; always says to write it even when empty (EPCIS 1.2
// requires some lists).
func (e *xmlEncoder) list(name string, epcs []string, always bool) {
	if len(epcs) == 0 && !always {
		return
	}
	e.open(name)
	for _, v := range epcs {
		e.str("<epc>")
		e.text(v)
		e.str("</epc>")
	}
	e.close(name)
}

func (e *xmlEncoder) quantities(name string, qs []QuantityElement) {
	if len(qs) == 0 {
		return
	}
	e.open(name)
	for _, q := range qs {
		e.open("quantityElement")
		e.leaf("epcClass", q.EPCClass)
		if q.Quantity != nil {
			e.leaf("quantity", formatXMLFloat(*q.Quantity))
		}
		e.leaf("uom", q.UOM)
		e.close("quantityElement")
	}
	e.close(name)
}

func (e *xmlEncoder) location(name, id string, ext []Element) {
	if id == "" && len(ext) == 0 {
		return
	}
	e.open(name)
	e.leaf("id", id)
	q, u := splitUnqualified(ext)
	if len(u) > 0 {
		e.open("extension")
		e.elements(u)
		e.close("extension")
	}
	e.elements(q)
	e.close(name)
}

func (e *xmlEncoder) sourceDest(list, item string, sds []SourceDest) {
	if len(sds) == 0 {
		return
	}
	e.open(list)
	for _, sd := range sds {
		e.typed(item, e.cbv(SourceDestType, sd.Type), sd.Value)
	}
	e.close(list)
}

// typed writes <name type="typ">value</name>.
func (e *xmlEncoder) typed(name, typ, value string) {
	e.str("<" + name)
	if typ != "" {
		e.attr("type", typ)
	}
	e.str(">")
	e.text(value)
	e.str("</" + name + ">")
}

func (e *xmlEncoder) sensorElement(se *SensorElement) {
	e.open("sensorElement")
	if m := se.Metadata; m != nil {
		e.str("<sensorMetadata")
		e.timeAttr("time", m.Time)
		e.timeAttr("startTime", m.StartTime)
		e.timeAttr("endTime", m.EndTime)
		e.optAttr("deviceID", m.DeviceID)
		e.optAttr("deviceMetadata", m.DeviceMetadata)
		e.optAttr("rawData", m.RawData)
		e.optAttr("dataProcessingMethod", m.DataProcessingMethod)
		e.optAttr("bizRules", m.BizRules)
		e.closeWithExtensions("sensorMetadata", m.Extensions)
	}
	for i := range se.Reports {
		r := &se.Reports[i]
		e.str("<sensorReport")
		e.optAttr("type", CBVWebURI(SensorMeasurementType, r.Type))
		e.optAttr("exception", CBVWebURI(SensorException, r.Exception))
		e.optAttr("deviceID", r.DeviceID)
		e.optAttr("deviceMetadata", r.DeviceMetadata)
		e.optAttr("rawData", r.RawData)
		e.optAttr("dataProcessingMethod", r.DataProcessingMethod)
		e.timeAttr("time", r.Time)
		e.optAttr("microorganism", r.Microorganism)
		e.optAttr("chemicalSubstance", r.ChemicalSubstance)
		e.floatAttr("value", r.Value)
		e.optAttr("component", CBVWebURI(SensorComponent, r.Component))
		e.optAttr("stringValue", r.StringValue)
		if r.BooleanValue != nil {
			e.attr("booleanValue", strconv.FormatBool(*r.BooleanValue))
		}
		e.optAttr("hexBinaryValue", r.HexBinaryValue)
		e.optAttr("uriValue", r.URIValue)
		e.floatAttr("minValue", r.MinValue)
		e.floatAttr("maxValue", r.MaxValue)
		e.floatAttr("meanValue", r.MeanValue)
		e.floatAttr("sDev", r.SDev)
		e.floatAttr("percRank", r.PercRank)
		e.floatAttr("percValue", r.PercValue)
		e.optAttr("uom", r.UOM)
		e.optAttr("coordinateReferenceSystem", r.CoordinateReferenceSystem)
		e.optAttr("bizRules", r.BizRules)
		e.closeWithExtensions("sensorReport", r.Extensions)
	}
	q, u := splitUnqualified(se.Extensions)
	if len(u) > 0 {
		e.open("extension")
		e.elements(u)
		e.close("extension")
	}
	e.elements(q)
	e.close("sensorElement")
}

// closeWithExtensions ends the start tag of a sensorMetadata or sensorReport:
// simple extensions (text only) become attributes, structured ones children.
func (e *xmlEncoder) closeWithExtensions(name string, ext []Element) {
	var structured []Element
	for _, x := range ext {
		if len(x.Children) == 0 && len(x.Attrs) == 0 {
			e.attr(e.qname(x.Space, x.Local), x.Text)
			continue
		}
		structured = append(structured, x)
	}
	if len(structured) == 0 {
		e.str("/>")
		return
	}
	e.str(">")
	e.elements(structured)
	e.close(name)
}

func (e *xmlEncoder) optAttr(name, v string) {
	if v != "" {
		e.attr(name, v)
	}
}

func (e *xmlEncoder) timeAttr(name string, t *time.Time) {
	if t != nil {
		e.attr(name, xmlTime(*t))
	}
}

func (e *xmlEncoder) floatAttr(name string, f *float64) {
	if f != nil {
		e.attr(name, formatXMLFloat(*f))
	}
}

// formatXMLFloat writes the shortest decimal that reads back to f.
func formatXMLFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

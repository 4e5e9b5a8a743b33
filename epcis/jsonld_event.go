package epcis

import (
	"strings"
	"time"
)

// eventObject decodes one event object into e.
func (d *jsonDecoder) eventObject(e *Event) error {
	d.hasWhat, d.seenFields = false, 0
	err := d.forEachKey(func(key string) error { return d.eventField(e, key) })
	if err != nil {
		return err
	}
	if e.Type == "" && !d.badType {
		d.problemAt("type", ErrMissing)
	}
	d.badType = false
	d.checkWhat(e)
	return nil
}

// checkWhat applies the JSON schema rule that an ObjectEvent or a
// TransactionEvent has an epcList or a quantityList, possibly empty (sensor
// readings at a place carry "epcList": []).
func (d *jsonDecoder) checkWhat(e *Event) {
	if (e.Type == ObjectEventType || e.Type == TransactionEventType) && !d.hasWhat {
		d.problemAt("epcList", classed(ErrMissing, "missing: a%s %s needs an epcList or a quantityList", article(e.Type), e.Type))
	}
}

// eventField decodes the value of one field of an event.
func (d *jsonDecoder) eventField(e *Event, key string) error {
	if bit := eventFieldBit(key); bit != 0 {
		if d.seenFields&bit != 0 {
			if err := d.problem(classed(ErrInvalidValue, "duplicate field")); err != nil {
				return err
			}
			if err := d.s.skipValue(); err != nil {
				return d.fatal(err)
			}
			return nil
		}
		d.seenFields |= bit
	}
	var err error
	switch key {
	case "type":
		var v string
		var ok bool
		if v, ok, err = d.str(); ok {
			if isEventType(v) {
				e.Type = EventType(v)
			} else {
				d.badType = true
				err = d.problem(classed(ErrInvalidValue, "unknown event type %q", v))
			}
		}
	case "@context":
		err = d.context(d.event)
		d.markNames()
	case "eventID":
		e.EventID, _, err = d.str()
	case "eventTime":
		e.EventTime, _, err = d.timestamp()
	case "eventTimeZoneOffset":
		e.EventTimeZoneOffset, _, err = d.str()
	case "recordTime":
		t, ok, terr := d.timestamp()
		if ok {
			e.RecordTime = &t
		}
		err = terr
	case "certificationInfo":
		if d.s.peek() == jsonString {
			var v string
			v, _, err = d.str()
			e.CertificationInfo = []string{v}
		} else {
			e.CertificationInfo, err = d.stringList()
		}
	case "errorDeclaration":
		e.ErrorDeclaration = &ErrorDeclaration{}
		err = d.errorDeclaration(e.ErrorDeclaration)
	case "epcList":
		d.hasWhat = true
		e.EPCList, err = d.stringList()
	case "childEPCs":
		e.ChildEPCs, err = d.stringList()
	case "inputEPCList":
		e.InputEPCList, err = d.stringList()
	case "outputEPCList":
		e.OutputEPCList, err = d.stringList()
	case "parentID":
		e.ParentID, _, err = d.str()
	case "transformationID":
		e.TransformationID, _, err = d.str()
	case "quantityList":
		d.hasWhat = true
		e.QuantityList, err = d.quantityList()
	case "childQuantityList":
		e.ChildQuantityList, err = d.quantityList()
	case "inputQuantityList":
		e.InputQuantityList, err = d.quantityList()
	case "outputQuantityList":
		e.OutputQuantityList, err = d.quantityList()
	case "action":
		var v string
		v, _, err = d.str()
		e.Action = Action(v)
	case "bizStep":
		e.BizStep, err = d.cbv(BizStep)
	case "disposition":
		e.Disposition, err = d.cbv(Disposition)
	case "persistentDisposition":
		e.PersistentDisposition = &PersistentDisposition{}
		err = d.persistentDisposition(e.PersistentDisposition)
	case "readPoint":
		e.ReadPoint, e.ReadPointExtensions, err = d.location()
	case "bizLocation":
		e.BizLocation, e.BizLocationExtensions, err = d.location()
	case "bizTransactionList":
		err = d.forEachElem("an array of business transactions", d.lim.MaxEPCsPerEvent, func(int) error {
			var bt BizTransaction
			err := d.typedValue("bizTransaction", BizTransactionType, &bt.Type, &bt.Value)
			e.BizTransactionList = append(e.BizTransactionList, bt)
			return err
		})
	case "sourceList":
		err = d.forEachElem("an array of sources", d.lim.MaxEPCsPerEvent, func(int) error {
			var sd SourceDest
			err := d.typedValue("source", SourceDestType, &sd.Type, &sd.Value)
			e.SourceList = append(e.SourceList, sd)
			return err
		})
	case "destinationList":
		err = d.forEachElem("an array of destinations", d.lim.MaxEPCsPerEvent, func(int) error {
			var sd SourceDest
			err := d.typedValue("destination", SourceDestType, &sd.Type, &sd.Value)
			e.DestinationList = append(e.DestinationList, sd)
			return err
		})
	case "sensorElementList":
		err = d.forEachElem("an array of sensor elements", d.lim.MaxEPCsPerEvent, func(int) error {
			se, err := d.sensorElement()
			e.SensorElementList = append(e.SensorElementList, se)
			return err
		})
	case "ilmd":
		e.ILMD, err = d.extensionObject(true)
	default:
		if !isExtensionKey(key) {
			return d.unknownField()
		}
		var els []Element
		els, err = d.extension(key)
		e.Extensions = append(e.Extensions, els...)
	}
	return err
}

// isExtensionKey reports whether an object key names a user extension: a
// compact "prefix:name" or a full IRI.
func isExtensionKey(key string) bool {
	return strings.IndexByte(key, ':') > 0
}

// cbv reads a CBV-valued field and keeps it in its short form when standard.
func (d *jsonDecoder) cbv(kind CBVKind) (string, error) {
	v, ok, err := d.str()
	if !ok {
		return "", err
	}
	short := ShortCBV(kind, v)
	if short == v && strings.IndexByte(v, ':') > 0 {
		d.markNames() // maybe a CURIE with a document prefix
	}
	return short, nil
}

// typedValue reads {"type": ..., "<valueKey>": ...} (business transactions,
// sources and destinations).
func (d *jsonDecoder) typedValue(valueKey string, kind CBVKind, typ, value *string) error {
	return d.forEachKey(func(key string) error {
		var err error
		switch key {
		case "type":
			*typ, err = d.cbv(kind)
		case valueKey:
			*value, _, err = d.str()
		default:
			err = d.unknownField()
		}
		return err
	})
}

func (d *jsonDecoder) quantityList() ([]QuantityElement, error) {
	var out []QuantityElement
	err := d.forEachElem("an array of quantity elements", d.lim.MaxEPCsPerEvent, func(int) error {
		var q QuantityElement
		err := d.forEachKey(func(key string) error {
			var err error
			switch key {
			case "epcClass":
				q.EPCClass, _, err = d.str()
			case "quantity":
				q.Quantity, err = d.number()
				q.HasQuantity = q.Quantity != nil
			case "uom":
				q.UOM, _, err = d.str()
			default:
				err = d.unknownField()
			}
			return err
		})
		out = append(out, q)
		return err
	})
	return out, err
}

func (d *jsonDecoder) persistentDisposition(p *PersistentDisposition) error {
	return d.forEachKey(func(key string) error {
		var list *[]string
		switch key {
		case "set":
			list = &p.Set
		case "unset":
			list = &p.Unset
		default:
			return d.unknownField()
		}
		vals, err := d.stringList()
		for _, v := range vals {
			*list = append(*list, ShortCBV(Disposition, v))
		}
		return err
	})
}

// location reads readPoint or bizLocation: {"id": ..., extensions...}.
func (d *jsonDecoder) location() (string, []Element, error) {
	var id string
	var ext []Element
	err := d.forEachKey(func(key string) error {
		if key == "id" {
			var err error
			id, _, err = d.str()
			return err
		}
		if !isExtensionKey(key) {
			return d.unknownField()
		}
		els, err := d.extension(key)
		ext = append(ext, els...)
		return err
	})
	return id, ext, err
}

func (d *jsonDecoder) errorDeclaration(ed *ErrorDeclaration) error {
	return d.forEachKey(func(key string) error {
		var err error
		switch key {
		case "declarationTime":
			ed.DeclarationTime, _, err = d.timestamp()
		case "reason":
			ed.Reason, err = d.cbv(ErrorReason)
		case "correctiveEventIDs":
			ed.CorrectiveEventIDs, err = d.stringList()
		default:
			if !isExtensionKey(key) {
				return d.unknownField()
			}
			var els []Element
			els, err = d.extension(key)
			ed.Extensions = append(ed.Extensions, els...)
		}
		return err
	})
}

func (d *jsonDecoder) sensorElement() (SensorElement, error) {
	var se SensorElement
	err := d.forEachKey(func(key string) error {
		switch key {
		case "sensorMetadata":
			se.Metadata = &SensorMetadata{}
			return d.sensorMetadata(se.Metadata)
		case "sensorReport":
			return d.forEachElem("an array of sensor reports", d.lim.MaxEPCsPerEvent, func(int) error {
				var r SensorReport
				err := d.sensorReport(&r)
				se.Reports = append(se.Reports, r)
				return err
			})
		case "type":
			// A JSON-LD node type some writers add; only the standard one fits.
			v, ok, err := d.str()
			if ok && v != "epcis:SensorElement" && v != "SensorElement" {
				return d.problem(classed(ErrInvalidValue, "unexpected sensor element type %q", v))
			}
			return err
		}
		if !isExtensionKey(key) {
			return d.unknownField()
		}
		els, err := d.extension(key)
		se.Extensions = append(se.Extensions, els...)
		return err
	})
	return se, err
}

// optTime reads a timestamp into a pointer field.
func (d *jsonDecoder) optTime(dst **time.Time) error {
	t, ok, err := d.timestamp()
	if ok {
		*dst = &t
	}
	return err
}

func (d *jsonDecoder) sensorMetadata(m *SensorMetadata) error {
	return d.forEachKey(func(key string) error {
		var err error
		switch key {
		case "time":
			err = d.optTime(&m.Time)
		case "startTime":
			err = d.optTime(&m.StartTime)
		case "endTime":
			err = d.optTime(&m.EndTime)
		case "deviceID":
			m.DeviceID, _, err = d.str()
		case "deviceMetadata":
			m.DeviceMetadata, _, err = d.str()
		case "rawData":
			m.RawData, _, err = d.str()
		case "dataProcessingMethod":
			m.DataProcessingMethod, _, err = d.str()
		case "bizRules":
			m.BizRules, _, err = d.str()
		default:
			if !isExtensionKey(key) {
				return d.unknownField()
			}
			var els []Element
			els, err = d.extension(key)
			m.Extensions = append(m.Extensions, els...)
		}
		return err
	})
}

func (d *jsonDecoder) sensorReport(r *SensorReport) error {
	return d.forEachKey(func(key string) error {
		var err error
		switch key {
		case "type":
			r.Type, err = d.cbv(SensorMeasurementType)
		case "exception":
			r.Exception, err = d.cbv(SensorException)
		case "deviceID":
			r.DeviceID, _, err = d.str()
		case "deviceMetadata":
			r.DeviceMetadata, _, err = d.str()
		case "rawData":
			r.RawData, _, err = d.str()
		case "dataProcessingMethod":
			r.DataProcessingMethod, _, err = d.str()
		case "bizRules":
			r.BizRules, _, err = d.str()
		case "time":
			err = d.optTime(&r.Time)
		case "microorganism":
			r.Microorganism, _, err = d.str()
		case "chemicalSubstance":
			r.ChemicalSubstance, _, err = d.str()
		case "value":
			r.Value, err = d.number()
		case "component":
			r.Component, err = d.cbv(SensorComponent)
		case "stringValue":
			r.StringValue, _, err = d.str()
		case "booleanValue":
			if d.s.peek() != jsonBool {
				return d.wrongKind("a boolean")
			}
			b, berr := d.s.readBool()
			if berr != nil {
				return d.fatal(berr)
			}
			r.BooleanValue = &b
		case "hexBinaryValue":
			r.HexBinaryValue, _, err = d.str()
		case "uriValue":
			r.URIValue, _, err = d.str()
		case "minValue":
			r.MinValue, err = d.number()
		case "maxValue":
			r.MaxValue, err = d.number()
		case "meanValue":
			r.MeanValue, err = d.number()
		case "sDev":
			r.SDev, err = d.number()
		case "percRank":
			r.PercRank, err = d.number()
		case "percValue":
			r.PercValue, err = d.number()
		case "uom":
			r.UOM, _, err = d.str()
		case "coordinateReferenceSystem":
			r.CoordinateReferenceSystem, _, err = d.str()
		default:
			if !isExtensionKey(key) {
				return d.unknownField()
			}
			var els []Element
			els, err = d.extension(key)
			r.Extensions = append(r.Extensions, els...)
		}
		return err
	})
}

// extensionObject reads an object whose every member is a user extension
// (ilmd). With requireNamespace, members without a prefix are problems.
func (d *jsonDecoder) extensionObject(requireNamespace bool) ([]Element, error) {
	var out []Element
	err := d.forEachKey(func(key string) error {
		if requireNamespace && !isExtensionKey(key) {
			if err := d.problem(classed(ErrInvalidValue, "field has no namespace prefix; ILMD fields must be namespaced (e.g. cbvmda:lotNumber)")); err != nil {
				return err
			}
			return d.s.skipValue()
		}
		els, err := d.extension(key)
		out = append(out, els...)
		return err
	})
	return out, err
}

// extension reads the value of a user extension field named key. The name
// stays unresolved (Local = key) until resolveNames, because the @context
// that declares its prefix may come later in the document.
func (d *jsonDecoder) extension(key string) ([]Element, error) {
	v, err := d.s.readValue()
	if err != nil {
		return nil, d.fatal(err)
	}
	d.markNames()
	return d.elementsFromJSON(key, v, 0), nil
}

// elementsFromJSON converts a JSON value into extension elements: a scalar is
// a leaf, an object a structure, an array several elements of the same name.
func (d *jsonDecoder) elementsFromJSON(key string, v jsonValue, depth int) []Element {
	switch v.kind {
	case jsonArray:
		var out []Element
		for _, e := range v.elems {
			out = append(out, d.elementsFromJSON(key, e, depth+1)...)
		}
		return out
	case jsonObject:
		el := Element{Local: key}
		for _, m := range v.members {
			switch m.key {
			case "#text", "@value":
				el.Text = m.value.text
				continue
			}
			el.Children = append(el.Children, d.elementsFromJSON(m.key, m.value, depth+1)...)
		}
		return []Element{el}
	case jsonNull:
		return []Element{{Local: key}}
	}
	return []Element{{Local: key, Text: v.text}}
}

// markNames notes that the current event (or the header, -1) has names or
// CURIEs that resolveNames must look at.
func (d *jsonDecoder) markNames() {
	if d.hasNames == nil {
		d.hasNames = map[int]bool{}
	}
	d.hasNames[d.event] = true
}

// standardEventFields lists the standard event fields, for duplicate
// detection.
var standardEventFields = [...]string{
	"type", "@context", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "certificationInfo",
	"errorDeclaration", "epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID",
	"transformationID", "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList",
	"action", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation",
	"bizTransactionList", "sourceList", "destinationList", "sensorElementList", "ilmd",
}

// eventFieldBit returns the bit of a standard event field, 0 for others.
func eventFieldBit(key string) uint64 {
	for i, f := range standardEventFields {
		if f == key {
			return 1 << i
		}
	}
	return 0
}

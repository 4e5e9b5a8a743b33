package epcis

import (
	"time"
)

// sensorElement writes one sensor element object.
func (e *jsonEncoder) sensorElement(se *SensorElement) {
	e.b.WriteByte('{')
	first := true
	if m := se.Metadata; m != nil {
		e.b.WriteString(`"sensorMetadata":{`)
		o := objectWriter{e: e, first: true}
		o.time("time", m.Time)
		o.time("startTime", m.StartTime)
		o.time("endTime", m.EndTime)
		o.str("deviceID", m.DeviceID)
		o.str("deviceMetadata", m.DeviceMetadata)
		o.str("rawData", m.RawData)
		o.str("dataProcessingMethod", m.DataProcessingMethod)
		o.str("bizRules", m.BizRules)
		e.elementMembers(m.Extensions, o.first)
		e.b.WriteByte('}')
		first = false
	}
	if !first {
		e.b.WriteByte(',')
	}
	e.b.WriteString(`"sensorReport":[`)
	for i := range se.Reports {
		if i > 0 {
			e.b.WriteByte(',')
		}
		e.sensorReport(&se.Reports[i])
	}
	e.b.WriteByte(']')
	e.elementMembers(se.Extensions, false)
	e.b.WriteByte('}')
}

// sensorReport writes one sensor report object.
func (e *jsonEncoder) sensorReport(r *SensorReport) {
	e.b.WriteByte('{')
	o := objectWriter{e: e, first: true}
	o.str("type", ShortCBV(SensorMeasurementType, r.Type))
	o.str("exception", ShortCBV(SensorException, r.Exception))
	o.str("deviceID", r.DeviceID)
	o.str("deviceMetadata", r.DeviceMetadata)
	o.str("rawData", r.RawData)
	o.str("dataProcessingMethod", r.DataProcessingMethod)
	o.str("bizRules", r.BizRules)
	o.time("time", r.Time)
	o.str("microorganism", r.Microorganism)
	o.str("chemicalSubstance", r.ChemicalSubstance)
	o.num("value", r.Value)
	o.str("component", ShortCBV(SensorComponent, r.Component))
	o.str("stringValue", r.StringValue)
	if r.BooleanValue != nil {
		o.sep()
		e.b.WriteString(`"booleanValue":`)
		if *r.BooleanValue {
			e.b.WriteString("true")
		} else {
			e.b.WriteString("false")
		}
	}
	o.str("hexBinaryValue", r.HexBinaryValue)
	o.str("uriValue", r.URIValue)
	o.num("minValue", r.MinValue)
	o.num("maxValue", r.MaxValue)
	o.num("meanValue", r.MeanValue)
	o.num("sDev", r.SDev)
	o.num("percRank", r.PercRank)
	o.num("percValue", r.PercValue)
	o.str("uom", r.UOM)
	o.str("coordinateReferenceSystem", r.CoordinateReferenceSystem)
	e.elementMembers(r.Extensions, o.first)
	e.b.WriteByte('}')
}

// objectWriter writes optional members of an object, with commas.
type objectWriter struct {
	e     *jsonEncoder
	first bool
}

func (o *objectWriter) sep() {
	if !o.first {
		o.e.b.WriteByte(',')
	}
	o.first = false
}

func (o *objectWriter) str(k, v string) {
	if v == "" {
		return
	}
	o.sep()
	o.e.str(k)
	o.e.b.WriteByte(':')
	o.e.str(v)
}

func (o *objectWriter) num(k string, f *float64) {
	if f == nil {
		return
	}
	o.sep()
	o.e.str(k)
	o.e.b.WriteByte(':')
	o.e.number(*f)
}

func (o *objectWriter) time(k string, t *time.Time) {
	if t == nil {
		return
	}
	o.str(k, jsonTime(*t))
}

// elementMembers writes extension elements as members of the object being
// written; elements with the same name become one array member. first says
// whether no member precedes them.
func (e *jsonEncoder) elementMembers(els []Element, first bool) {
	if len(els) == 0 {
		return
	}
	done := make([]bool, len(els))
	for i := range els {
		if done[i] {
			continue
		}
		if !first {
			e.b.WriteByte(',')
		}
		first = false
		e.str(e.name(els[i].Space, els[i].Local))
		e.b.WriteByte(':')
		var same []int
		for j := i; j < len(els); j++ {
			if !done[j] && els[j].Space == els[i].Space && els[j].Local == els[i].Local {
				same = append(same, j)
				done[j] = true
			}
		}
		if len(same) == 1 {
			e.elementValue(&els[i])
			continue
		}
		e.b.WriteByte('[')
		for k, j := range same {
			if k > 0 {
				e.b.WriteByte(',')
			}
			e.elementValue(&els[j])
		}
		e.b.WriteByte(']')
	}
}

// elementValue writes an element's value: its text, or an object of its
// attributes and children (with the text, if any, as "#text").
func (e *jsonEncoder) elementValue(el *Element) {
	if len(el.Children) == 0 && len(el.Attrs) == 0 {
		e.str(el.Text)
		return
	}
	e.b.WriteByte('{')
	first := true
	if el.Text != "" {
		e.b.WriteString(`"#text":`)
		e.str(el.Text)
		first = false
	}
	for _, a := range el.Attrs {
		if !first {
			e.b.WriteByte(',')
		}
		first = false
		e.str(e.name(a.Space, a.Local))
		e.b.WriteByte(':')
		e.str(a.Value)
	}
	e.elementMembers(el.Children, first)
	e.b.WriteByte('}')
}

// name returns the JSON-LD key of a namespaced name.
func (e *jsonEncoder) name(space, local string) string {
	if space == "" {
		return local
	}
	if p, ok := e.prefixOf[space]; ok && p != "" {
		return p + ":" + local
	}
	return space + local
}

// vocabularies writes the master data vocabularyList.
func (e *jsonEncoder) vocabularies(vs []Vocabulary) {
	e.b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			e.b.WriteByte(',')
		}
		e.b.WriteString(`{"type":`)
		e.str(v.Type)
		e.b.WriteString(`,"vocabularyElementList":[`)
		for j, el := range v.Elements {
			if j > 0 {
				e.b.WriteByte(',')
			}
			e.b.WriteString(`{"id":`)
			e.str(el.ID)
			if len(el.Attributes) > 0 {
				e.b.WriteString(`,"attributes":[`)
				for k, a := range el.Attributes {
					if k > 0 {
						e.b.WriteByte(',')
					}
					e.b.WriteString(`{"id":`)
					e.str(a.ID)
					e.b.WriteString(`,"attribute":`)
					if len(a.Elements) > 0 {
						e.b.WriteByte('{')
						e.elementMembers(a.Elements, true)
						e.b.WriteByte('}')
					} else {
						e.str(a.Value)
					}
					e.b.WriteByte('}')
				}
				e.b.WriteByte(']')
			}
			e.list("children", el.Children)
			e.b.WriteByte('}')
		}
		e.b.WriteString("]}")
	}
	e.b.WriteByte(']')
}

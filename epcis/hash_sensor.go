package epcis

import (
	"sort"
	"strings"
)

// sensorElements writes sensorElementList: each sensor element as one
// string (metadata, sorted reports, extensions), the elements sorted.
func (h *hasher) sensorElements(ses []SensorElement) {
	if len(ses) == 0 {
		return
	}
	parts := make([]string, 0, len(ses))
	for i := range ses {
		if s := h.sensorElement(&ses[i]); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return
	}
	sort.Strings(parts)
	h.b.WriteString("sensorElementList")
	writeAll(&h.b, parts)
	h.sensorLeftovers(ses)
}

// sensorLeftovers handles fields of a sensor report outside the reference
// order: bizRules (which the JSON schema allows on a report) and
// extension elements without a namespace. The reference implementation
// hashes them among the event's remaining fields, as
// sensorElementList/sensorElement/sensorReport/<field>=...
func (h *hasher) sensorLeftovers(ses []SensorElement) {
	var elems []string
	for i := range ses {
		var reports []string
		for _, r := range ses[i].Reports {
			var s strings.Builder
			valueField(&s, "bizRules", r.BizRules)
			var unqualified []Element
			for _, el := range r.Extensions {
				if el.Space == "" {
					unqualified = append(unqualified, el)
				}
			}
			s.WriteString(h.elements(unqualified))
			if s.Len() > 0 {
				reports = append(reports, "sensorReport"+s.String())
			}
		}
		if len(reports) > 0 {
			sort.Strings(reports)
			elems = append(elems, "sensorElement"+strings.Join(reports, ""))
		}
	}
	if len(elems) > 0 {
		sort.Strings(elems)
		h.leftovers = append(h.leftovers, "sensorElementList"+strings.Join(elems, ""))
	}
}

// sensorElement returns one sensor element's pre-hash string.
func (h *hasher) sensorElement(se *SensorElement) string {
	var s strings.Builder
	if m := se.Metadata; m != nil {
		var ms strings.Builder
		timeField(&ms, "time", m.Time)
		timeField(&ms, "startTime", m.StartTime)
		timeField(&ms, "endTime", m.EndTime)
		valueField(&ms, "deviceID", m.DeviceID)
		valueField(&ms, "deviceMetadata", m.DeviceMetadata)
		valueField(&ms, "rawData", m.RawData)
		valueField(&ms, "dataProcessingMethod", m.DataProcessingMethod)
		valueField(&ms, "bizRules", m.BizRules)
		ms.WriteString(h.elements(m.Extensions))
		if ms.Len() > 0 {
			s.WriteString("sensorMetadata")
			s.WriteString(ms.String())
		}
	}
	reports := make([]string, 0, len(se.Reports))
	for i := range se.Reports {
		if r := h.sensorReport(&se.Reports[i]); r != "" {
			reports = append(reports, r)
		}
	}
	sort.Strings(reports)
	writeAll(&s, reports)
	s.WriteString(h.elements(se.Extensions))
	if s.Len() == 0 {
		return ""
	}
	return "sensorElement" + s.String()
}

// sensorReport returns one report's fields in the reference order.
func (h *hasher) sensorReport(r *SensorReport) string {
	var s strings.Builder
	valueField(&s, "type", vocabURI(SensorMeasurementType, r.Type))
	valueField(&s, "exception", vocabURI(SensorException, r.Exception))
	valueField(&s, "deviceID", r.DeviceID)
	valueField(&s, "deviceMetadata", r.DeviceMetadata)
	valueField(&s, "rawData", r.RawData)
	valueField(&s, "dataProcessingMethod", r.DataProcessingMethod)
	timeField(&s, "time", r.Time)
	valueField(&s, "microorganism", r.Microorganism)
	valueField(&s, "chemicalSubstance", r.ChemicalSubstance)
	numberField(&s, "value", r.Value)
	valueField(&s, "component", vocabURI(SensorComponent, r.Component))
	valueField(&s, "stringValue", r.StringValue)
	if r.BooleanValue != nil {
		if *r.BooleanValue {
			s.WriteString("booleanValue=true")
		} else {
			s.WriteString("booleanValue=false")
		}
	}
	valueField(&s, "hexBinaryValue", r.HexBinaryValue)
	valueField(&s, "uriValue", r.URIValue)
	numberField(&s, "minValue", r.MinValue)
	numberField(&s, "maxValue", r.MaxValue)
	numberField(&s, "meanValue", r.MeanValue)
	numberField(&s, "sDev", r.SDev)
	numberField(&s, "percRank", r.PercRank)
	numberField(&s, "percValue", r.PercValue)
	valueField(&s, "uom", r.UOM)
	valueField(&s, "coordinateReferenceSystem", r.CoordinateReferenceSystem)
	s.WriteString(h.elements(qualifiedOnly(r.Extensions)))
	if s.Len() == 0 {
		return ""
	}
	return "sensorReport" + s.String()
}

// qualifiedOnly returns the namespaced elements of els.
func qualifiedOnly(els []Element) []Element {
	for _, el := range els {
		if el.Space == "" {
			out := make([]Element, 0, len(els))
			for _, el := range els {
				if el.Space != "" {
					out = append(out, el)
				}
			}
			return out
		}
	}
	return els
}

package epcis

import (
	"math"
)

// sensors checks sensor elements: reports present, metadata times in
// order, URIs, CBV-typed report fields, numbers and extensions.
func (v *validator) sensors(ses []SensorElement) {
	for i := range ses {
		se := &ses[i]
		path := index("sensorElementList", i)
		if len(se.Reports) == 0 {
			v.add(path+".sensorReport", ErrMissing)
		}
		if m := se.Metadata; m != nil {
			mp := path + ".sensorMetadata"
			if m.StartTime != nil && m.EndTime != nil && m.EndTime.Before(*m.StartTime) {
				v.addf(mp+".endTime", ErrInvalidValue, "endTime is before startTime")
			}
			v.optionalURIs(mp, map[string]string{"deviceID": m.DeviceID, "deviceMetadata": m.DeviceMetadata,
				"rawData": m.RawData, "dataProcessingMethod": m.DataProcessingMethod, "bizRules": m.BizRules})
			v.extensions(mp, m.Extensions, true)
		}
		for j := range se.Reports {
			v.sensorReport(index(path+".sensorReport", j), &se.Reports[j])
		}
		v.extensions(path, se.Extensions, true)
	}
}

// sensorReport checks one sensor report.
func (v *validator) sensorReport(path string, r *SensorReport) {
	if r.Type == "" && r.Exception == "" {
		v.add(path+".type", ErrMissing)
	}
	if r.Type != "" {
		v.cbv(path, -1, ".type", SensorMeasurementType, r.Type)
	}
	if r.Exception != "" {
		v.cbv(path, -1, ".exception", SensorException, r.Exception)
	}
	if r.Component != "" {
		v.cbv(path, -1, ".component", SensorComponent, r.Component)
	}
	v.optionalURIs(path, map[string]string{"deviceID": r.DeviceID, "deviceMetadata": r.DeviceMetadata,
		"rawData": r.RawData, "dataProcessingMethod": r.DataProcessingMethod, "bizRules": r.BizRules,
		"microorganism": r.Microorganism, "chemicalSubstance": r.ChemicalSubstance, "uriValue": r.URIValue,
		"coordinateReferenceSystem": r.CoordinateReferenceSystem})
	for name, f := range map[string]*float64{"value": r.Value, "minValue": r.MinValue, "maxValue": r.MaxValue,
		"meanValue": r.MeanValue, "sDev": r.SDev, "percRank": r.PercRank, "percValue": r.PercValue} {
		if f != nil && (math.IsNaN(*f) || math.IsInf(*f, 0)) {
			v.addf(path+"."+name, ErrInvalidValue, "not a finite number")
		}
	}
	if r.MinValue != nil && r.MaxValue != nil && *r.MaxValue < *r.MinValue {
		v.addf(path+".maxValue", ErrInvalidValue, "maxValue %v is below minValue %v", *r.MaxValue, *r.MinValue)
	}
	if r.HexBinaryValue != "" && !isHex(r.HexBinaryValue) {
		v.addf(path+".hexBinaryValue", ErrInvalidValue, "%q is not hexBinary", r.HexBinaryValue)
	}
	if r.UOM != "" && !validUOM(r.UOM) {
		v.addf(path+".uom", ErrInvalidValue, "%q is not a UN/ECE Recommendation 20 code", r.UOM)
	}
	v.extensions(path, qualifiedOnly(r.Extensions), true)
}

// optionalURIs checks that the non-empty fields are URIs.
func (v *validator) optionalURIs(path string, fields map[string]string) {
	for name, val := range fields {
		if val != "" && !isURI(val) {
			v.addf(path+"."+name, ErrNotURI, "%q", val)
		}
	}
}

// isHex reports whether s is xsd:hexBinary (an even number of hex digits).
func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// extensions checks user extension elements: at the top level each must be
// namespaced, and the namespace must be a URI.
func (v *validator) extensions(path string, els []Element, topLevel bool) {
	for i := range els {
		el := &els[i]
		p := joinPath(path, el.Local)
		if el.Space == "" {
			if topLevel {
				v.addf(p, ErrInvalidValue, "extension field %q has no namespace", el.Local)
			}
		} else if !isURI(el.Space) {
			v.addf(p, ErrNotURI, "namespace %q", el.Space)
		}
		if el.Local == "" {
			v.addf(path, ErrInvalidValue, "extension field without a name")
		}
		v.extensions(p, el.Children, false)
	}
}

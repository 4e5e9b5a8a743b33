package epcis

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// sensorElements reads a sensorElementList: per element, metadata, reports
// and user extensions.
func (d *xmlDocDecoder) sensorElements(n *xmlNode) ([]SensorElement, error) {
	if len(n.Children) == 0 {
		return nil, nil
	}
	out := make([]SensorElement, 0, len(n.Children))
	for _, c := range n.Children {
		if c.Local != "sensorElement" {
			return nil, fmt.Errorf("unexpected element <%s>", c.Local)
		}
		var se SensorElement
		for _, f := range flattenExtension(c.Children) {
			switch {
			case f.Space != "":
				se.Extensions = append(se.Extensions, elementOf(f))
			case f.Local == "sensorMetadata":
				m, err := d.sensorMetadata(f)
				if err != nil {
					return nil, fmt.Errorf("sensorMetadata: %w", err)
				}
				se.Metadata = m
			case f.Local == "sensorReport":
				r, err := d.sensorReport(f)
				if err != nil {
					return nil, fmt.Errorf("sensorReport: %w", err)
				}
				se.Reports = append(se.Reports, r)
			default:
				return nil, fmt.Errorf("unexpected element <%s> in sensorElement", f.Local)
			}
		}
		out = append(out, se)
	}
	return out, nil
}

// sensorMetadata reads the attributes of a sensorMetadata element; namespaced
// attributes and child elements are user extensions.
func (d *xmlDocDecoder) sensorMetadata(n *xmlNode) (*SensorMetadata, error) {
	m := &SensorMetadata{}
	for _, a := range n.Attrs {
		if a.Name.Space != "" {
			m.Extensions = append(m.Extensions, Element{Space: a.Name.Space, Local: a.Name.Local, Text: a.Value})
			continue
		}
		var err error
		switch a.Name.Local {
		case "time":
			m.Time, err = timeAttr(a.Value)
		case "startTime":
			m.StartTime, err = timeAttr(a.Value)
		case "endTime":
			m.EndTime, err = timeAttr(a.Value)
		case "deviceID":
			m.DeviceID = a.Value
		case "deviceMetadata":
			m.DeviceMetadata = a.Value
		case "rawData":
			m.RawData = a.Value
		case "dataProcessingMethod":
			m.DataProcessingMethod = a.Value
		case "bizRules":
			m.BizRules = a.Value
		default:
			// Not in the XSD, but seen in the wild; kept so it round-trips.
			m.Extensions = append(m.Extensions, Element{Local: a.Name.Local, Text: a.Value})
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name.Local, err)
		}
	}
	for _, c := range flattenExtension(n.Children) {
		if c.Space == "" {
			return nil, fmt.Errorf("unexpected element <%s>", c.Local)
		}
		m.Extensions = append(m.Extensions, elementOf(c))
	}
	return m, nil
}

// sensorReport reads the attributes of a sensorReport element.
func (d *xmlDocDecoder) sensorReport(n *xmlNode) (SensorReport, error) {
	var r SensorReport
	for _, a := range n.Attrs {
		if a.Name.Space != "" {
			r.Extensions = append(r.Extensions, Element{Space: a.Name.Space, Local: a.Name.Local, Text: a.Value})
			continue
		}
		var err error
		v := a.Value
		switch a.Name.Local {
		case "type":
			r.Type = d.cbv(SensorMeasurementType, v)
		case "exception":
			r.Exception = d.cbv(SensorException, v)
		case "deviceID":
			r.DeviceID = v
		case "deviceMetadata":
			r.DeviceMetadata = v
		case "rawData":
			r.RawData = v
		case "dataProcessingMethod":
			r.DataProcessingMethod = v
		case "time":
			r.Time, err = timeAttr(v)
		case "microorganism":
			r.Microorganism = v
		case "chemicalSubstance":
			r.ChemicalSubstance = v
		case "value":
			r.Value, err = floatAttr(v)
		case "component":
			r.Component = d.cbv(SensorComponent, v)
		case "stringValue":
			r.StringValue = v
		case "booleanValue":
			var b bool
			b, err = strconv.ParseBool(strings.TrimSpace(v))
			r.BooleanValue = &b
		case "hexBinaryValue":
			r.HexBinaryValue = v
		case "uriValue":
			r.URIValue = v
		case "minValue":
			r.MinValue, err = floatAttr(v)
		case "maxValue":
			r.MaxValue, err = floatAttr(v)
		case "meanValue":
			r.MeanValue, err = floatAttr(v)
		case "sDev":
			r.SDev, err = floatAttr(v)
		case "percRank":
			r.PercRank, err = floatAttr(v)
		case "percValue":
			r.PercValue, err = floatAttr(v)
		case "uom":
			r.UOM = v
		case "coordinateReferenceSystem":
			r.CoordinateReferenceSystem = v
		case "bizRules":
			// Not in the XSD, but the EPCIS 2.0 JSON schema allows it.
			r.BizRules = v
		default:
			// Not in the XSD; kept so it round-trips.
			r.Extensions = append(r.Extensions, Element{Local: a.Name.Local, Text: a.Value})
		}
		if err != nil {
			return SensorReport{}, fmt.Errorf("%s: %w", a.Name.Local, err)
		}
	}
	for _, c := range flattenExtension(n.Children) {
		if c.Space == "" {
			return SensorReport{}, fmt.Errorf("unexpected element <%s>", c.Local)
		}
		r.Extensions = append(r.Extensions, elementOf(c))
	}
	return r, nil
}

// timeAttr parses a date-time attribute.
func timeAttr(v string) (*time.Time, error) {
	t, err := parseXMLTime(strings.TrimSpace(v))
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// floatAttr parses a numeric attribute.
func floatAttr(v string) (*float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return nil, fmt.Errorf("%q is not a number", v)
	}
	return &f, nil
}

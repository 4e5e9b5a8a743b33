package ingest

import (
	"slices"
	"strings"
	"time"

	"rxledger/epcis"
)

// sensorQuery is what a query asks of an event's sensor reports (EPCIS 2.0
// section 8.2.7.1, the sensor parameters). Every condition must hold on one
// sensorReport: "a temperature above 8 CEL" is one reading, not a
// temperature reading and another reading above 8. deviceID,
// dataProcessingMethod, bizRules and time are the report's own or, where
// the report has none, its sensorElement's sensorMetadata's (the standard
// lets either carry them); startTime and endTime are the metadata's.
type sensorQuery struct {
	types                          []string // EQ_type, short names for gs1 measurement types
	deviceIDs, methods, bizRules   []string // EQ_deviceID, EQ_dataProcessingMethod, EQ_bizRules
	microorganisms, chemicals      []string // EQ_microorganism, EQ_chemicalSubstance
	stringValues, hexValues, uris  []string // EQ_stringValue, EQ_hexBinaryValue (upper case), EQ_uriValue
	boolean                        *bool    // EQ_booleanValue
	timeBounds, startTime, endTime timeCond // GE_/LT_ time, startTime, endTime
	values                         []sensorValueCond
}

// sensorValueCond compares one numeric field of a report (value, minValue,
// maxValue, meanValue, sDev, percValue, in uom; percRank, without one).
type sensorValueCond struct {
	field string
	uom   string // "" for percRank
	numCond
}

// sensorValueFields are the numeric report fields a query compares; true
// for those given in a unit of measure (named with an _<uom> suffix).
var sensorValueFields = map[string]bool{
	"value": true, "minValue": true, "maxValue": true, "meanValue": true, "sDev": true, "percValue": true,
	"percRank": false,
}

// active reports whether the query asks anything of sensor reports.
func (q *sensorQuery) active() bool {
	return len(q.types)+len(q.deviceIDs)+len(q.methods)+len(q.bizRules)+len(q.microorganisms)+len(q.chemicals)+
		len(q.stringValues)+len(q.hexValues)+len(q.uris)+len(q.values) > 0 ||
		q.boolean != nil || q.timeBounds.set() || q.startTime.set() || q.endTime.set()
}

// sensorLists and sensorTimes find, by parameter name, the field of a
// sensorQuery that a list or a time parameter fills.
var (
	sensorLists = map[string]func(*sensorQuery) *[]string{
		"EQ_deviceID":             func(q *sensorQuery) *[]string { return &q.deviceIDs },
		"EQ_dataProcessingMethod": func(q *sensorQuery) *[]string { return &q.methods },
		"EQ_bizRules":             func(q *sensorQuery) *[]string { return &q.bizRules },
		"EQ_microorganism":        func(q *sensorQuery) *[]string { return &q.microorganisms },
		"EQ_chemicalSubstance":    func(q *sensorQuery) *[]string { return &q.chemicals },
		"EQ_stringValue":          func(q *sensorQuery) *[]string { return &q.stringValues },
		"EQ_uriValue":             func(q *sensorQuery) *[]string { return &q.uris },
	}
	sensorTimes = map[string]func(*sensorQuery) **time.Time{
		"GE_time":      func(q *sensorQuery) **time.Time { return &q.timeBounds.ge },
		"LT_time":      func(q *sensorQuery) **time.Time { return &q.timeBounds.lt },
		"GE_startTime": func(q *sensorQuery) **time.Time { return &q.startTime.ge },
		"LT_startTime": func(q *sensorQuery) **time.Time { return &q.startTime.lt },
		"GE_endTime":   func(q *sensorQuery) **time.Time { return &q.endTime.ge },
		"LT_endTime":   func(q *sensorQuery) **time.Time { return &q.endTime.lt },
	}
)

// parse reads a sensor parameter; handled is false for a name that is none.
func (q *sensorQuery) parse(name string, values []string) (handled bool, err error) {
	if field, ok := sensorLists[name]; ok {
		dst := field(q)
		*dst = append(*dst, values...)
		return true, nil
	}
	if field, ok := sensorTimes[name]; ok {
		t, err := singleQueryTime(name, values)
		*field(q) = t
		return true, err
	}
	switch name {
	case "EQ_type":
		for _, v := range values {
			q.types = append(q.types, epcis.ShortCBV(epcis.SensorMeasurementType, v))
		}
		return true, nil
	case "EQ_hexBinaryValue":
		for _, v := range values {
			if len(v)%2 != 0 || strings.Trim(v, "0123456789abcdefABCDEF") != "" {
				return true, badParam(name, "%q is not hexadecimal binary (pairs of 0-9 and A-F)", v)
			}
			q.hexValues = append(q.hexValues, strings.ToUpper(v))
		}
		return true, nil
	case "EQ_booleanValue":
		if len(values) != 1 || values[0] != "true" && values[0] != "false" {
			return true, badParam(name, "takes true or false")
		}
		b := values[0] == "true"
		q.boolean = &b
		return true, nil
	}
	op, rest, ok := cutComparison(name)
	if !ok {
		return false, nil
	}
	field, uom, _ := strings.Cut(rest, "_")
	withUnit, ok := sensorValueFields[field]
	if !ok {
		return false, nil
	}
	switch {
	case withUnit && uom == "":
		return true, badParam(name, "name the unit of measure after %s_%s_ (UN/ECE Rec 20, e.g. %s_%s_CEL)", op, field, op, field)
	case withUnit && !uomPattern.MatchString(uom):
		return true, badParam(name, "%q is not a UN/ECE Rec 20 unit code (2 to 4 capitals or digits, e.g. CEL)", uom)
	case !withUnit && strings.Contains(rest, "_"):
		return true, badParam(name, "%s takes no unit of measure (%s_%s)", field, op, field)
	}
	c, err := parseNumCond(name, op, values)
	if err != nil {
		return true, err
	}
	q.values = append(q.values, sensorValueCond{field: field, uom: uom, numCond: c})
	return true, nil
}

// singleQueryTime reads a parameter's one time value.
func singleQueryTime(name string, values []string) (*time.Time, error) {
	if len(values) != 1 {
		return nil, badParam(name, "takes one value, got %d", len(values))
	}
	t, err := parseQueryTime(values[0])
	if err != nil {
		return nil, badParam(name, "%q is not a date and time with a time zone (RFC 3339, e.g. 2026-11-01T12:00:00Z)", values[0])
	}
	return &t, nil
}

// matches reports whether one of e's sensor reports satisfies every
// condition.
func (q *sensorQuery) matches(e *epcis.Event) bool {
	for i := range e.SensorElementList {
		se := &e.SensorElementList[i]
		meta := se.Metadata
		if meta == nil {
			meta = &epcis.SensorMetadata{}
		}
		if !q.startTime.holds(meta.StartTime) || !q.endTime.holds(meta.EndTime) {
			continue
		}
		for j := range se.Reports {
			if q.matchesReport(&se.Reports[j], meta) {
				return true
			}
		}
	}
	return false
}

func (q *sensorQuery) matchesReport(r *epcis.SensorReport, meta *epcis.SensorMetadata) bool {
	own := func(report, metadata string) string {
		if report != "" {
			return report
		}
		return metadata
	}
	in := func(want []string, have string) bool { return len(want) == 0 || slices.Contains(want, have) }
	at := r.Time
	if at == nil {
		at = meta.Time
	}
	switch {
	case !in(q.types, epcis.ShortCBV(epcis.SensorMeasurementType, r.Type)),
		!in(q.deviceIDs, own(r.DeviceID, meta.DeviceID)),
		!in(q.methods, own(r.DataProcessingMethod, meta.DataProcessingMethod)),
		!in(q.bizRules, own(r.BizRules, meta.BizRules)),
		!in(q.microorganisms, r.Microorganism),
		!in(q.chemicals, r.ChemicalSubstance),
		!in(q.stringValues, r.StringValue),
		!in(q.hexValues, strings.ToUpper(r.HexBinaryValue)),
		!in(q.uris, r.URIValue),
		q.boolean != nil && (r.BooleanValue == nil || *r.BooleanValue != *q.boolean),
		!q.timeBounds.holds(at):
		return false
	}
	for _, c := range q.values {
		var v *float64
		switch c.field {
		case "value":
			v = r.Value
		case "minValue":
			v = r.MinValue
		case "maxValue":
			v = r.MaxValue
		case "meanValue":
			v = r.MeanValue
		case "sDev":
			v = r.SDev
		case "percValue":
			v = r.PercValue
		case "percRank":
			v = r.PercRank
		}
		if v == nil {
			return false
		}
		x := *v
		if c.uom != "" {
			var ok bool
			if x, ok = convert(x, r.UOM, c.uom, c.field == "sDev"); !ok {
				return false
			}
		}
		if !c.holds(x) {
			return false
		}
	}
	return true
}

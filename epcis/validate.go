package epcis

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Validate checks every event of the document against EPCIS 2.0 and CBV 2.0
// (see Event.Validate) and the header fields it has. It returns nil or an
// ErrorList naming each problem with its event index and a field path such
// as "epcisBody.eventList[3].epcList[0]".
func (d *Document) Validate() error {
	var errs ErrorList
	switch d.SchemaVersion {
	case "", "1.0", "1.1", "1.2", "2.0":
	default:
		errs = append(errs, &Error{Event: -1, Path: "schemaVersion", Err: fmt.Errorf("unsupported schema version %q", d.SchemaVersion)})
	}
	prefix := "epcisBody.eventList"
	if d.Query != nil {
		prefix = "epcisBody.queryResults.resultsBody.eventList"
	}
	for i := range d.Events {
		var v validator
		v.event(&d.Events[i])
		base := prefix + "[" + strconv.Itoa(i) + "]"
		for _, e := range v.errs {
			e.Event = i
			e.Path = joinPath(base, e.Path)
			errs = append(errs, e)
		}
	}
	return errs.err()
}

// Validate checks one event: required fields for its type, fields that do
// not belong to it, the action, eventTime and its offset, CBV values (a
// non-standard value must be a URI), identifier syntax (EPC URNs are checked
// by gs1, Digital Links on id.gs1.org too, other identifiers must be
// absolute URIs), quantities, sensor data and extensions. It returns nil or
// an ErrorList with paths relative to the event.
func (e *Event) Validate() error {
	var v validator
	v.event(e)
	return v.errs.err()
}

// Classes of the problems decoders and Validate report; every *Error of an
// ErrorList matches one of them under errors.Is (limits match ErrTooLarge).
var (
	ErrMissing      = errors.New("missing")
	ErrNotAllowed   = errors.New("not allowed for this event type")
	ErrNotCBV       = errors.New("neither a CBV 2.0 value nor a URI")
	ErrNotURI       = errors.New("not an absolute URI")
	ErrInvalidValue = errors.New("invalid value")
	ErrUnknownField = errors.New("unknown field")
)

// validator collects the problems of one event.
type validator struct {
	errs ErrorList
}

func (v *validator) add(path string, err error) {
	v.errs = append(v.errs, &Error{Event: -1, Path: path, Err: err})
}

func (v *validator) addf(path string, base error, format string, args ...any) {
	v.add(path, fmt.Errorf("%w: %s", base, fmt.Sprintf(format, args...)))
}

// eventFields says which optional "what" fields an event type may carry.
type eventFields struct {
	epcList, quantityList, parentID, childEPCs, childQuantityList bool
	inputOutput, transformationID, ilmd, action                   bool
}

var fieldsByType = map[EventType]eventFields{
	ObjectEventType:         {epcList: true, quantityList: true, ilmd: true, action: true},
	AggregationEventType:    {parentID: true, childEPCs: true, childQuantityList: true, action: true},
	TransactionEventType:    {epcList: true, quantityList: true, parentID: true, action: true},
	TransformationEventType: {inputOutput: true, transformationID: true, ilmd: true},
	AssociationEventType:    {parentID: true, childEPCs: true, childQuantityList: true, action: true},
}

func (v *validator) event(e *Event) {
	allowed, known := fieldsByType[e.Type]
	if !known {
		if e.Type == "" {
			v.add("type", ErrMissing)
		} else {
			v.addf("type", ErrInvalidValue, "unknown event type %q", e.Type)
		}
	}
	v.when(e)
	if known {
		v.what(e, allowed)
		v.action(e, allowed)
	}
	v.why(e)
	v.sensors(e.SensorElementList)
	v.extensions("ilmd", e.ILMD, true)
	v.extensions("readPoint", e.ReadPointExtensions, true)
	v.extensions("bizLocation", e.BizLocationExtensions, true)
	v.extensions("", e.Extensions, true)
	if e.EventID != "" && !isURI(e.EventID) {
		v.addf("eventID", ErrNotURI, "%q", e.EventID)
	}
	for i, c := range e.CertificationInfo {
		if !isURI(c) {
			v.addf(index("certificationInfo", i), ErrNotURI, "%q", c)
		}
	}
	if len(e.CertificationInfo) > 1 {
		v.addf("certificationInfo", ErrInvalidValue, "%d values; EPCIS 2.0 allows one certificationInfo per event", len(e.CertificationInfo))
	}
	if ed := e.ErrorDeclaration; ed != nil {
		if ed.DeclarationTime.IsZero() {
			v.add("errorDeclaration.declarationTime", ErrMissing)
		}
		if ed.Reason != "" {
			v.cbv("errorDeclaration.reason", -1, "", ErrorReason, ed.Reason)
		}
		for i, id := range ed.CorrectiveEventIDs {
			if !isURI(id) {
				v.addf(index("errorDeclaration.correctiveEventIDs", i), ErrNotURI, "%q", id)
			}
		}
		v.extensions("errorDeclaration", ed.Extensions, true)
	}
}

// when checks eventTime, its offset and recordTime.
func (v *validator) when(e *Event) {
	if e.EventTime.IsZero() {
		v.add("eventTime", ErrMissing)
	} else {
		v.timeRange("eventTime", e.EventTime)
	}
	if e.RecordTime != nil {
		v.timeRange("recordTime", *e.RecordTime)
	}
	switch {
	case e.EventTimeZoneOffset == "":
		v.add("eventTimeZoneOffset", ErrMissing)
	case !validOffset(e.EventTimeZoneOffset):
		v.addf("eventTimeZoneOffset", ErrInvalidValue, "%q: want ±hh:mm between -14:00 and +14:00", e.EventTimeZoneOffset)
	}
}

var (
	earliestEventTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	latestEventTime   = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

func (v *validator) timeRange(path string, t time.Time) {
	if t.Before(earliestEventTime) || t.After(latestEventTime) {
		v.addf(path, ErrInvalidValue, "%s is out of range", t.Format(time.RFC3339))
	}
}

// validOffset reports whether s is a time zone offset ±hh:mm within ±14:00.
func validOffset(s string) bool {
	if s == "Z" {
		return true
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return false
	}
	hh, err1 := strconv.Atoi(s[1:3])
	mm, err2 := strconv.Atoi(s[4:6])
	if err1 != nil || err2 != nil || mm > 59 {
		return false
	}
	return hh < 14 || (hh == 14 && mm == 0)
}

// what checks the identifiers and quantities and which of them the type allows.
func (v *validator) what(e *Event, allowed eventFields) {
	notAllowed := func(path string, present bool) {
		if present {
			v.addf(path, ErrNotAllowed, "%s has no %s", e.Type, path)
		}
	}
	notAllowed("epcList", !allowed.epcList && len(e.EPCList) > 0)
	notAllowed("quantityList", !allowed.quantityList && len(e.QuantityList) > 0)
	notAllowed("parentID", !allowed.parentID && e.ParentID != "")
	notAllowed("childEPCs", !allowed.childEPCs && len(e.ChildEPCs) > 0)
	notAllowed("childQuantityList", !allowed.childQuantityList && len(e.ChildQuantityList) > 0)
	notAllowed("inputEPCList", !allowed.inputOutput && len(e.InputEPCList) > 0)
	notAllowed("inputQuantityList", !allowed.inputOutput && len(e.InputQuantityList) > 0)
	notAllowed("outputEPCList", !allowed.inputOutput && len(e.OutputEPCList) > 0)
	notAllowed("outputQuantityList", !allowed.inputOutput && len(e.OutputQuantityList) > 0)
	notAllowed("transformationID", !allowed.transformationID && e.TransformationID != "")
	notAllowed("ilmd", !allowed.ilmd && len(e.ILMD) > 0)

	v.identifiers("epcList", e.EPCList)
	v.identifiers("childEPCs", e.ChildEPCs)
	v.identifiers("inputEPCList", e.InputEPCList)
	v.identifiers("outputEPCList", e.OutputEPCList)
	v.quantities("quantityList", e.QuantityList)
	v.quantities("childQuantityList", e.ChildQuantityList)
	v.quantities("inputQuantityList", e.InputQuantityList)
	v.quantities("outputQuantityList", e.OutputQuantityList)
	if e.ParentID != "" {
		v.identifier("parentID", e.ParentID)
	}
	if e.TransformationID != "" && !isURI(e.TransformationID) {
		v.addf("transformationID", ErrNotURI, "%q", e.TransformationID)
	}

	switch e.Type {
	case AggregationEventType, AssociationEventType:
		if e.ParentID == "" && e.Action != ActionObserve {
			v.addf("parentID", ErrMissing, "required for a%s %s with action %s", article(e.Type), e.Type, e.Action)
		}
		if len(e.ChildEPCs)+len(e.ChildQuantityList) == 0 && e.Action == ActionAdd {
			v.addf("childEPCs", ErrMissing, "an %s with action ADD needs childEPCs or a childQuantityList", e.Type)
		}
	case TransactionEventType:
		if len(e.BizTransactionList) == 0 {
			v.addf("bizTransactionList", ErrMissing, "a TransactionEvent needs at least one business transaction")
		}
	case TransformationEventType:
		if len(e.InputEPCList)+len(e.InputQuantityList)+len(e.OutputEPCList)+len(e.OutputQuantityList) == 0 {
			v.addf("inputEPCList", ErrMissing, "a TransformationEvent needs inputs or outputs")
		}
	}
	if len(e.ILMD) > 0 && allowed.action && e.Action != ActionAdd {
		v.addf("ilmd", ErrNotAllowed, "ILMD only belongs to events with action ADD")
	}
}

func article(t EventType) string {
	if strings.HasPrefix(string(t), "A") {
		return "n"
	}
	return ""
}

func (v *validator) action(e *Event, allowed eventFields) {
	if !allowed.action {
		if e.Action != "" {
			v.addf("action", ErrNotAllowed, "a TransformationEvent has no action")
		}
		return
	}
	switch e.Action {
	case ActionAdd, ActionObserve, ActionDelete:
	case "":
		v.add("action", ErrMissing)
	default:
		v.addf("action", ErrInvalidValue, "%q: want ADD, OBSERVE or DELETE", e.Action)
	}
}

// why checks the business context: CBV values, locations, transactions,
// sources and destinations.
func (v *validator) why(e *Event) {
	if e.BizStep != "" {
		v.cbv("bizStep", -1, "", BizStep, e.BizStep)
	}
	if e.Disposition != "" {
		v.cbv("disposition", -1, "", Disposition, e.Disposition)
	}
	if p := e.PersistentDisposition; p != nil {
		for i, d := range p.Set {
			v.cbv("persistentDisposition.set", i, "", Disposition, d)
		}
		for i, d := range p.Unset {
			v.cbv("persistentDisposition.unset", i, "", Disposition, d)
		}
	}
	if e.ReadPoint != "" {
		v.identifier("readPoint.id", e.ReadPoint)
	} else if len(e.ReadPointExtensions) > 0 {
		v.add("readPoint.id", ErrMissing)
	}
	if e.BizLocation != "" {
		v.identifier("bizLocation.id", e.BizLocation)
	} else if len(e.BizLocationExtensions) > 0 {
		v.add("bizLocation.id", ErrMissing)
	}
	for i, bt := range e.BizTransactionList {
		if bt.Type != "" {
			v.cbv("bizTransactionList", i, ".type", BizTransactionType, bt.Type)
		}
		if bt.Value == "" {
			v.add(index("bizTransactionList", i)+".bizTransaction", ErrMissing)
		} else if !isURI(bt.Value) {
			v.addf(index("bizTransactionList", i)+".bizTransaction", ErrNotURI, "%q", bt.Value)
		}
	}
	v.sourceDest("sourceList", "source", e.SourceList)
	v.sourceDest("destinationList", "destination", e.DestinationList)
}

func (v *validator) sourceDest(list, item string, sds []SourceDest) {
	for i, sd := range sds {
		if sd.Type == "" {
			v.add(index(list, i)+".type", ErrMissing)
		} else {
			v.cbv(list, i, ".type", SourceDestType, sd.Type)
		}
		if sd.Value == "" {
			v.add(index(list, i)+"."+item, ErrMissing)
		} else if err := checkIdentifier(sd.Value); err != nil {
			v.add(index(list, i)+"."+item, err)
		}
	}
}

// cbv checks a CBV-valued field: a standard value (in any form ShortCBV
// understands) or a URI; a bare word outside the CBV is an error.
func (v *validator) cbv(list string, i int, suffix string, kind CBVKind, value string) {
	path := func() string {
		if i < 0 {
			return list + suffix
		}
		return index(list, i) + suffix
	}
	if value == "" {
		v.add(path(), ErrMissing)
		return
	}
	if IsStandardCBV(kind, ShortCBV(kind, value)) {
		return
	}
	if kind == SensorMeasurementType && isTerm(value) {
		// Sensor measurement types outside the CBV list are common as bare
		// terms of the GS1 web vocabulary (EffectiveDoseRate); accept them.
		return
	}
	if !isURI(value) {
		v.addf(path(), ErrNotCBV, "%q is not a standard %v and not a URI", value, kind)
	}
}

func (v *validator) quantities(list string, qs []QuantityElement) {
	for i, q := range qs {
		path := index(list, i)
		if q.EPCClass == "" {
			v.add(path+".epcClass", ErrMissing)
		} else {
			v.identifier(path+".epcClass", q.EPCClass)
		}
		if q.Quantity != nil {
			if f := *q.Quantity; math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				v.addf(path+".quantity", ErrInvalidValue, "%v: want a finite number not below zero", f)
			}
		}
		if q.UOM != "" {
			if q.Quantity == nil {
				v.addf(path+".uom", ErrNotAllowed, "a unit of measure needs a quantity")
			}
			if !validUOM(q.UOM) {
				v.addf(path+".uom", ErrInvalidValue, "%q is not a UN/ECE Recommendation 20 code", q.UOM)
			}
		}
	}
}

// validUOM reports whether s looks like a UN/ECE Rec 20 unit code: two or
// three upper-case letters or digits.
func validUOM(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isTerm reports whether s is a bare vocabulary term: a letter, then
// letters, digits and underscores.
func isTerm(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '_')) {
			return false
		}
	}
	return s != ""
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

package epcis

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// validObjectEvent returns a complete, valid DSCSA shipping ObjectEvent.
func validObjectEvent() Event {
	q := 10.0
	return Event{
		Type:                ObjectEventType,
		EventTime:           time.Date(2024, 3, 1, 14, 30, 0, 0, time.UTC),
		EventTimeZoneOffset: "-05:00",
		EPCList:             []string{"urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2018"},
		QuantityList:        []QuantityElement{{EPCClass: "urn:epc:class:lgtin:4012345.012345.998877", Quantity: &q, UOM: "KGM", HasQuantity: true}},
		Action:              ActionObserve,
		BizStep:             "shipping",
		Disposition:         "in_transit",
		ReadPoint:           "urn:epc:id:sgln:0614141.00777.0",
		BizTransactionList:  []BizTransaction{{Type: "po", Value: "urn:epcglobal:cbv:bt:0614141000005:PO-1"}},
		SourceList:          []SourceDest{{Type: "owning_party", Value: "urn:epc:id:pgln:0614141.00000"}},
		DestinationList:     []SourceDest{{Type: "location", Value: "urn:epc:id:sgln:0012345.00001.0"}},
		Extensions:          []Element{{Space: "http://epcis.gs1us.org/hc/ns", Local: "dscsaTransactionStatement", Text: "true"}},
	}
}

func TestEventValidateAcceptsValidEvents(t *testing.T) {
	tests := []struct {
		name  string
		event func() Event
	}{
		{"object event", validObjectEvent},
		{"custom URI bizStep", func() Event { e := validObjectEvent(); e.BizStep = "https://example.com/steps/relabel"; return e }},
		{"URN bizStep", func() Event { e := validObjectEvent(); e.BizStep = "urn:epcglobal:cbv:bizstep:shipping"; return e }},
		{"aggregation", func() Event {
			return Event{Type: AggregationEventType, EventTime: time.Now(), EventTimeZoneOffset: "+00:00", Action: ActionAdd,
				ParentID: "urn:epc:id:sscc:0614141.1234567890", ChildEPCs: []string{"urn:epc:id:sgtin:0614141.107346.2017"}}
		}},
		{"transformation", func() Event {
			return Event{Type: TransformationEventType, EventTime: time.Now(), EventTimeZoneOffset: "+01:00",
				InputEPCList: []string{"urn:epc:id:sgtin:0614141.107346.2017"}, TransformationID: "urn:example:t:1",
				ILMD: []Element{{Space: "urn:epcglobal:cbv:mda:", Local: "lotNumber", Text: "L1"}}}
		}},
		{"commissioning with ILMD", func() Event {
			e := validObjectEvent()
			e.Action, e.BizStep, e.Disposition = ActionAdd, "commissioning", "active"
			e.ILMD = []Element{{Space: "urn:epcglobal:cbv:mda:", Local: "itemExpirationDate", Text: "2026-01-31"}}
			return e
		}},
		{"sensor report with a bare measurement term", func() Event {
			e := validObjectEvent()
			e.SensorElementList = []SensorElement{{Reports: []SensorReport{{Type: "EffectiveDoseRate"}}}}
			return e
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.event()
			if err := e.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestEventValidateRejects(t *testing.T) {
	nan := 0.0
	nan = nan / nan
	neg := -1.0
	tests := []struct {
		name   string
		mutate func(*Event)
		path   string
		is     error
	}{
		{"missing type", func(e *Event) { e.Type = "" }, "type", ErrMissing},
		{"unknown type", func(e *Event) { e.Type = "PackEvent" }, "type", ErrInvalidValue},
		{"missing eventTime", func(e *Event) { e.EventTime = time.Time{} }, "eventTime", ErrMissing},
		{"eventTime out of range", func(e *Event) { e.EventTime = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC) }, "eventTime", ErrInvalidValue},
		{"missing offset", func(e *Event) { e.EventTimeZoneOffset = "" }, "eventTimeZoneOffset", ErrMissing},
		{"offset without colon", func(e *Event) { e.EventTimeZoneOffset = "+0100" }, "eventTimeZoneOffset", ErrInvalidValue},
		{"offset beyond 14h", func(e *Event) { e.EventTimeZoneOffset = "+14:30" }, "eventTimeZoneOffset", ErrInvalidValue},
		{"missing action", func(e *Event) { e.Action = "" }, "action", ErrMissing},
		{"bad action", func(e *Event) { e.Action = "CREATE" }, "action", ErrInvalidValue},
		{"bare non-CBV bizStep", func(e *Event) { e.BizStep = "transforming" }, "bizStep", ErrNotCBV},
		{"bare non-CBV disposition", func(e *Event) { e.Disposition = "in_transport" }, "disposition", ErrNotCBV},
		{"bare non-CBV source type", func(e *Event) { e.SourceList[0].Type = "place" }, "sourceList[0].type", ErrNotCBV},
		{"bare non-CBV btt", func(e *Event) { e.BizTransactionList[0].Type = "order" }, "bizTransactionList[0].type", ErrNotCBV},
		{"bad persistent disposition", func(e *Event) {
			e.PersistentDisposition = &PersistentDisposition{Set: []string{"active", "toto"}}
		}, "persistentDisposition.set[1]", ErrNotCBV},
		{"malformed SGTIN", func(e *Event) { e.EPCList[0] = "urn:epc:id:sgtin:0614141.10734.2017" }, "epcList[0]", ErrInvalidValue},
		{"canonical DL with a bad check digit", func(e *Event) { e.EPCList[1] = "https://id.gs1.org/01/10614141073465/21/2018" }, "epcList[1]", ErrInvalidValue},
		{"identifier not a URI", func(e *Event) { e.EPCList[1] = "just a serial" }, "epcList[1]", ErrNotURI},
		{"readPoint not a URI", func(e *Event) { e.ReadPoint = "dock 7" }, "readPoint.id", ErrNotURI},
		{"destination missing value", func(e *Event) { e.DestinationList[0].Value = "" }, "destinationList[0].destination", ErrMissing},
		{"negative quantity", func(e *Event) { e.QuantityList[0].Quantity = &neg }, "quantityList[0].quantity", ErrInvalidValue},
		{"NaN quantity", func(e *Event) { e.QuantityList[0].Quantity = &nan }, "quantityList[0].quantity", ErrInvalidValue},
		{"uom without quantity", func(e *Event) { e.QuantityList[0].Quantity = nil }, "quantityList[0].uom", ErrNotAllowed},
		{"bad uom", func(e *Event) { e.QuantityList[0].UOM = "kilograms" }, "quantityList[0].uom", ErrInvalidValue},
		{"childEPCs on an ObjectEvent", func(e *Event) { e.ChildEPCs = []string{"urn:epc:id:sgtin:0614141.107346.1"} }, "childEPCs", ErrNotAllowed},
		{"ILMD on OBSERVE", func(e *Event) {
			e.ILMD = []Element{{Space: "urn:epcglobal:cbv:mda:", Local: "lotNumber", Text: "L1"}}
		}, "ilmd", ErrNotAllowed},
		{"extension without namespace", func(e *Event) { e.Extensions = append(e.Extensions, Element{Local: "note", Text: "x"}) }, "note", ErrInvalidValue},
		{"two certificationInfo", func(e *Event) { e.CertificationInfo = []string{"urn:a:1", "urn:a:2"} }, "certificationInfo", ErrInvalidValue},
		{"eventID not a URI", func(e *Event) { e.EventID = "123" }, "eventID", ErrNotURI},
		{"error declaration without time", func(e *Event) { e.ErrorDeclaration = &ErrorDeclaration{Reason: "incorrect_data"} }, "errorDeclaration.declarationTime", ErrMissing},
		{"sensor report without type", func(e *Event) {
			e.SensorElementList = []SensorElement{{Reports: []SensorReport{{UOM: "CEL"}}}}
		}, "sensorElementList[0].sensorReport[0].type", ErrMissing},
		{"sensor hexBinary", func(e *Event) {
			e.SensorElementList = []SensorElement{{Reports: []SensorReport{{Type: "Temperature", HexBinaryValue: "abc"}}}}
		}, "sensorElementList[0].sensorReport[0].hexBinaryValue", ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validObjectEvent()
			tt.mutate(&e)
			err := e.Validate()
			if err == nil {
				t.Fatalf("Validate accepted the event")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not an ErrorList", err)
			}
			for _, got := range list {
				if got.Path == tt.path {
					if !errors.Is(got, tt.is) {
						t.Fatalf("%s: error %v does not match %v", tt.path, got, tt.is)
					}
					return
				}
			}
			t.Fatalf("no error at %s; got %v", tt.path, err)
		})
	}
}

func TestEventValidateTypeRules(t *testing.T) {
	base := func(typ EventType, action Action) Event {
		return Event{Type: typ, Action: action, EventTime: time.Now(), EventTimeZoneOffset: "+00:00"}
	}
	tests := []struct {
		name  string
		event Event
		path  string
	}{
		{"aggregation ADD without parent", func() Event {
			e := base(AggregationEventType, ActionAdd)
			e.ChildEPCs = []string{"urn:epc:id:sgtin:0614141.107346.2017"}
			return e
		}(), "parentID"},
		{"aggregation ADD without children", func() Event {
			e := base(AggregationEventType, ActionAdd)
			e.ParentID = "urn:epc:id:sscc:0614141.1234567890"
			return e
		}(), "childEPCs"},
		{"transaction without business transaction", func() Event {
			e := base(TransactionEventType, ActionAdd)
			e.EPCList = []string{"urn:epc:id:sgtin:0614141.107346.2017"}
			return e
		}(), "bizTransactionList"},
		{"transformation with an action", func() Event {
			e := base(TransformationEventType, ActionAdd)
			e.InputEPCList = []string{"urn:epc:id:sgtin:0614141.107346.2017"}
			return e
		}(), "action"},
		{"transformation without inputs or outputs", base(TransformationEventType, ""), "inputEPCList"},
		{"association with epcList", func() Event {
			e := base(AssociationEventType, ActionAdd)
			e.ParentID = "urn:epc:id:grai:0614141.12345.400"
			e.ChildEPCs = []string{"urn:epc:id:sgtin:0614141.107346.2017"}
			e.EPCList = []string{"urn:epc:id:sgtin:0614141.107346.2018"}
			return e
		}(), "epcList"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.event.Validate()
			if err == nil {
				t.Fatalf("Validate accepted the event")
			}
			found := false
			for _, e := range err.(ErrorList) {
				if e.Path == tt.path {
					found = true
				}
			}
			if !found {
				t.Fatalf("no error at %s; got %v", tt.path, err)
			}
		})
	}
}

func TestDocumentValidateLocatesEvents(t *testing.T) {
	good, bad := validObjectEvent(), validObjectEvent()
	bad.EPCList = []string{"urn:epc:id:sgtin:0614141.107346.2017", "not a uri"}
	tests := []struct {
		name string
		doc  Document
		want string
	}{
		{"capture", Document{Events: []Event{good, bad}}, "event 1: epcisBody.eventList[1].epcList[1]: "},
		{"query", Document{Query: &QueryResults{QueryName: "SimpleEventQuery"}, Events: []Event{bad}},
			"event 0: epcisBody.queryResults.resultsBody.eventList[0].epcList[1]: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.doc.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v does not contain %q", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Event < 0 {
				t.Fatalf("errors.As(*Error) = %v with event %d", e, e.Event)
			}
		})
	}
}

func TestIsURI(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"urn:epc:id:sgtin:0614141.107346.2017", true},
		{"https://id.gs1.org/01/10614141073464/21/2017", true},
		{"ni:///sha-256;abc?ver=CBV2.0", true},
		{"cbv:my_own_party", true},
		{"shipping", false},
		{":nothing", false},
		{"1abc:def", false},
		{"http://a b", false},
		{"urn:", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := isURI(tt.in); got != tt.want {
				t.Errorf("isURI(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

package epcis

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"rxledger/internal/testenv"
)

func xmlEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func mustDecodeXMLFile(t *testing.T, sub string) *Document {
	t.Helper()
	d, err := decodeXMLFile(t, testenv.Testdata(t, sub))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func findElement(els []Element, space, local string) *Element {
	for i := range els {
		if els[i].Space == space && els[i].Local == local {
			return &els[i]
		}
	}
	return nil
}

func TestDecodeXML20AllFields(t *testing.T) {
	d := mustDecodeXMLFile(t, "epcis2-examples/openepcis/XML/Capture/Documents/ObjectEvent_all_possible_fields.xml")
	xmlEqual(t, "schemaVersion", d.SchemaVersion, "2.0")
	xmlEqual(t, "creationDate", d.CreationDate.UTC(), time.Date(2013, 6, 4, 12, 59, 2, 99e6, time.UTC))
	if len(d.Events) != 1 {
		t.Fatalf("%d events, want 1", len(d.Events))
	}
	ev := d.Events[0]
	xmlEqual(t, "type", ev.Type, ObjectEventType)
	xmlEqual(t, "eventTime", ev.EventTime.UTC(), time.Date(2005, 4, 5, 2, 33, 31, 116e6, time.UTC))
	xmlEqual(t, "eventTimeZoneOffset", ev.EventTimeZoneOffset, "-06:00")
	xmlEqual(t, "eventID", ev.EventID, "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8")
	xmlEqual(t, "error reason", ev.ErrorDeclaration.Reason, "incorrect_data")
	xmlEqual(t, "corrective IDs", ev.ErrorDeclaration.CorrectiveEventIDs, []string{"ni:///sha-256;fec9667280c4710a3fa9558b7bc8ddc2ced0dc442d87f82becae24bb6ca6a46f?ver=CBV2.0"})
	xmlEqual(t, "certificationInfo", ev.CertificationInfo, []string{"https://accreditation-council.example.org/certificate/ABC12345"})
	xmlEqual(t, "epcList", ev.EPCList, []string{"urn:epc:id:sgtin:0614141.107346.2018"})
	xmlEqual(t, "action", ev.Action, ActionAdd)
	xmlEqual(t, "bizStep", ev.BizStep, "receiving")
	xmlEqual(t, "disposition", ev.Disposition, "in_progress")
	xmlEqual(t, "readPoint", ev.ReadPoint, "urn:epc:id:sgln:0012345.11111.400")
	xmlEqual(t, "bizLocation", ev.BizLocation, "urn:epc:id:sgln:0012345.11111.0")
	xmlEqual(t, "bizTransactions", ev.BizTransactionList, []BizTransaction{
		{Type: "po", Value: "urn:epc:id:gdti:0614141.00001.1618034"},
		{Type: "pedigree", Value: "urn:epc:id:gsrn:0614141.0000010253"},
	})
	q := 200.0
	xmlEqual(t, "quantityList", ev.QuantityList, []QuantityElement{{EPCClass: "urn:epc:class:lgtin:4012345.012345.998877", Quantity: &q, UOM: "KGM", HasQuantity: true}})
	xmlEqual(t, "sourceList", ev.SourceList, []SourceDest{
		{Type: "location", Value: "urn:epc:id:sgln:4012345.00225.0"},
		{Type: "possessing_party", Value: "urn:epc:id:pgln:4012345.00225"},
		{Type: "owning_party", Value: "urn:epc:id:pgln:4012345.00225"},
	})
	xmlEqual(t, "persistentDisposition", *ev.PersistentDisposition, PersistentDisposition{Set: []string{"completeness_verified"}, Unset: []string{"completeness_inferred"}})

	if len(ev.SensorElementList) != 1 {
		t.Fatalf("%d sensor elements, want 1", len(ev.SensorElementList))
	}
	se := ev.SensorElementList[0]
	xmlEqual(t, "sensor deviceID", se.Metadata.DeviceID, "urn:epc:id:giai:4000001.111")
	xmlEqual(t, "sensor startTime", se.Metadata.StartTime.UTC(), time.Date(2019, 4, 2, 12, 55, 1, 0, time.UTC))
	xmlEqual(t, "sensor metadata extension attribute", se.Metadata.Extensions, []Element{{Space: "http://example.com/ext1/", Local: "someFurtherMetadata", Text: "someText"}})
	r := se.Reports[0]
	xmlEqual(t, "report type", r.Type, "Temperature")
	xmlEqual(t, "report value", *r.Value, 26.0)
	xmlEqual(t, "report booleanValue", *r.BooleanValue, true)
	xmlEqual(t, "report sDev", *r.SDev, 0.1)
	xmlEqual(t, "report component", r.Component, "example:x")
	xmlEqual(t, "report uom", r.UOM, "CEL")
	xmlEqual(t, "sensor element extensions", len(se.Extensions), 13)

	lot := findElement(ev.ILMD, "urn:epcglobal:cbv:mda", "lotNumber")
	if lot == nil || lot.Text != "ABC123" {
		t.Errorf("ILMD lotNumber = %+v, want ABC123", lot)
	}
	obj := findElement(ev.Extensions, "http://example.com/ext1/", "object")
	if obj == nil || len(obj.Children) != 5 || obj.Children[4].Text != "stringInObject" {
		t.Errorf("ext1:object = %+v, want 5 children ending with ext2:string", obj)
	}
	xmlEqual(t, "event extensions", len(ev.Extensions), 13)
	xmlEqual(t, "namespace ext1", d.Namespaces["ext1"], "http://example.com/ext1/")
}

func TestDecodeXML12Extensions(t *testing.T) {
	d := mustDecodeXMLFile(t, "epcis12-xml/openepcis/Capture/Documents/ObjectEvent_all_possible_fields.xml")
	ev := d.Events[0]
	xmlEqual(t, "schemaVersion", d.SchemaVersion, "1.2")
	xmlEqual(t, "eventID from baseExtension", ev.EventID, "ni:///sha-256;0d2fdf97b264e9092990c5a107046c1f595a1f34b27ab41f095e48feb5146ea8?ver=CBV2.0")
	xmlEqual(t, "errorDeclaration extension", ev.ErrorDeclaration.Extensions, []Element{{Space: "http://ns.example.com/epcis", Local: "vendorExtension", Text: "Test1"}})
	xmlEqual(t, "quantity from extension", *ev.QuantityList[0].Quantity, 200.0)
	xmlEqual(t, "owning party from extension", ev.SourceList[2], SourceDest{Type: "owning_party", Value: "urn:epc:id:pgln:4012345.00225"})
	xmlEqual(t, "sensor reports from extension/extension", len(ev.SensorElementList[0].Reports), 1)
	xmlEqual(t, "persistentDisposition from extension/extension", ev.PersistentDisposition.Set, []string{"completeness_verified"})
	xmlEqual(t, "certificationInfo", ev.CertificationInfo, []string{"test certification"})
	weight := findElement(ev.ILMD, "urn:epcglobal:cbv:mda", "grossWeight")
	if weight == nil || weight.Text != "3.5" || !reflect.DeepEqual(weight.Attrs, []Attr{{Local: "measurementUnitCode", Value: "KGM"}}) {
		t.Errorf("ILMD grossWeight = %+v", weight)
	}
	tm := findElement(ev.Extensions, "http://example.com/ext1/", "time")
	if tm == nil || tm.Text != "2013-06-08T14:58:56.591Z" || tm.Attrs[0] != (Attr{Space: NSXSI, Local: "type", Value: "xsd:dateTime"}) {
		t.Errorf("ext1:time = %+v", tm)
	}
}

func TestDecodeXML12EventWrappers(t *testing.T) {
	d := mustDecodeXMLFile(t, "epcis12-xml/openepcis/Capture/Documents/All_eventTypes_in_single_document.xml")
	var types []EventType
	for _, ev := range d.Events {
		types = append(types, ev.Type)
	}
	xmlEqual(t, "event types", types, []EventType{ObjectEventType, AggregationEventType, TransactionEventType, TransformationEventType, AssociationEventType, AssociationEventType})
	xmlEqual(t, "association parent", d.Events[4].ParentID, "urn:epc:id:grai:4012345.55555.987")

	bare := mustDecodeXMLFile(t, "epcis12-xml/fastnt/Events/TransformationEvent_Full.xml")
	xmlEqual(t, "bare 1.2 transformation event in <extension>", bare.Events[0].Type, TransformationEventType)

	full := mustDecodeXMLFile(t, "epcis12-xml/fastnt/Events/ObjectEvent_Full.xml")
	if findElement(full.Events[0].Extensions, "", "testExt") == nil {
		t.Errorf("unqualified element in a 1.2 extension wrapper was not kept: %+v", full.Events[0].Extensions)
	}
}

func TestDecodeXMLHeader(t *testing.T) {
	d := mustDecodeXMLFile(t, "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
	xmlEqual(t, "SBDH sender", d.SBDH.Sender, []SBDHParty{{Identifier: "urn:epc:id:sgln:030001.111111.0", Authority: "GS1"}})
	xmlEqual(t, "SBDH instance", d.SBDH.InstanceID, "1100220001")
	xmlEqual(t, "SBDH creation", d.SBDH.CreationDate.UTC(), time.Date(2023, 4, 1, 8, 45, 16, 0, time.UTC))
	xmlEqual(t, "vocabularies", len(d.MasterData), 2)
	xmlEqual(t, "EPCClass attribute", d.MasterData[0].Elements[0].Attributes[2], VocabularyAttribute{ID: "urn:epcglobal:cbv:mda#regulatedProductName", Value: "Epcistra"})
	xmlEqual(t, "locations", len(d.MasterData[1].Elements), 4)
	ts := findElement(d.HeaderExtensions, "http://epcis.gs1us.org/hc/ns", "dscsaTransactionStatement")
	if ts == nil || len(ts.Children) != 2 || ts.Children[0].Text != "true" {
		t.Fatalf("transaction statement = %+v", ts)
	}
	xmlEqual(t, "events", len(d.Events), 8)
	ship := d.Events[7]
	xmlEqual(t, "shipping destinations from 1.2 extension", ship.DestinationList[0], SourceDest{Type: "owning_party", Value: "urn:epc:id:sgln:039999.999999.0"})
	xmlEqual(t, "event-level extension", ship.Extensions, []Element{{Space: "http://epcis.gs1us.org/hc/ns", Local: "dropShipment", Text: "false"}})

	md := mustDecodeXMLFile(t, "epcis12-xml/fastnt-v1/Capture/Masterdata.xml")
	loc := md.MasterData[0].Elements[0]
	xmlEqual(t, "location children", loc.Children, []string{"urn:epc:id:sgln:0037000.00729.8201", "urn:epc:id:sgln:0037000.00729.8202"})
	addr := loc.Attributes[2]
	if len(addr.Elements) != 1 || addr.Elements[0].Local != "Address" || len(addr.Elements[0].Children) != 4 || addr.Elements[0].Children[1].Text != "Fancy" {
		t.Errorf("structured attribute = %+v", addr)
	}
}

func TestDecodeXMLQueryDocuments(t *testing.T) {
	dir := "epcis2-examples/openepcis/XML/Query"
	q := mustDecodeXMLFile(t, filepath.Join(dir, "queryDocument.xml"))
	xmlEqual(t, "query results", *q.Query, QueryResults{QueryName: "SimpleEventQuery", SubscriptionID: "32d2aec1-a6d2-46d9-900a-24124288cce1"})
	xmlEqual(t, "query events", len(q.Events), 1)
	r := mustDecodeXMLFile(t, filepath.Join(dir, "Documents/QueryResultsDocument.xml"))
	xmlEqual(t, "sensor type from CURIE", r.Events[0].SensorElementList[0].Reports[0].Type, "Length")
	xmlEqual(t, "events in results", len(r.Events), 6)

	p := mustDecodeXMLFile(t, filepath.Join(dir, "Queries/SimpleEventQuery.xml"))
	if p.Query != nil || p.Poll == nil {
		t.Fatalf("want a Poll, got query %+v poll %+v", p.Query, p.Poll)
	}
	xmlEqual(t, "poll name", p.Poll.QueryName, "SimpleEventQuery")
	xmlEqual(t, "poll params", p.Poll.Params[0], QueryParam{Name: "eventType", Values: []string{"ObjectEvent", "AggregationEvent"}})
	xmlEqual(t, "poll scalar param", p.Poll.Params[1], QueryParam{Name: "GE_eventTime", Values: []string{"2026-01-01T00:00:00+01:00"}})
}

func TestDecodeXMLQualifiedEventFields(t *testing.T) {
	d := mustDecodeXMLFile(t, "epcis2-examples/openepcis/XML/Capture/Documents/Namespace_document.xml")
	ev := d.Events[0]
	xmlEqual(t, "bizStep", ev.BizStep, "commissioning")
	xmlEqual(t, "quantity class", ev.QuantityList[0].EPCClass, "urn:epc:class:lgtin:479602638.0024.018o1")
	xmlEqual(t, "bizTransaction value trimmed", ev.BizTransactionList[0].Value, "http://transaction.acme.com/po/12345679")
}

func TestDecodeXMLWithPositions(t *testing.T) {
	path := testenv.Testdata(t, "epcis12-xml/openepcis/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
	d, pos, err := (&XMLDecoder{}).DecodeWithPositions(openXMLTestFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if len(pos) != len(d.Events) {
		t.Fatalf("%d positions for %d events", len(pos), len(d.Events))
	}
	xmlEqual(t, "first three events", pos[:3], []XMLPosition{{108, 13}, {142, 13}, {167, 13}})
}

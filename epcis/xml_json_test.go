package epcis

import (
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"rxledger/epcis/gs1"
	"rxledger/internal/testenv"
)

// xmlJSONPairs finds the epcis2-examples XML files that have a JSON-LD twin of
// the same name (openepcis/XML/... <-> openepcis/JSON/..., fastnt x.xml <->
// x.json). Upstream says each pair is the same content in two syntaxes.
func xmlJSONPairs(t *testing.T) map[string]string {
	t.Helper()
	root := testenv.Testdata(t, "epcis2-examples")
	pairs := map[string]string{}
	for _, x := range xmlFiles(t, root) {
		j := strings.TrimSuffix(strings.Replace(x, "/openepcis/XML/", "/openepcis/JSON/", 1), ".xml") + ".json"
		if _, err := os.Stat(j); err == nil {
			pairs[x] = j
		}
	}
	return pairs
}

// xmlJSONUpstreamDifferences are twins whose upstream content differs in
// meaning, so their models cannot be equal (and their hash IDs differ).
var xmlJSONUpstreamDifferences = map[string]string{
	"epcis2-examples/fastnt/Events/ObjectEvent_StringCertificationInfo.xml":               "different event (EPC, time, bizStep) in the two files",
	"epcis2-examples/fastnt/Requests/Request_ObjectEvent_WithMasterdata.xml":              "ObjectEvent in XML, TransformationEvent in JSON",
	"epcis2-examples/openepcis/XML/Capture/Events/TransformationEvent.xml":                "declarationTime 2020-01-15T00:00:00+01:00 in XML, ...Z in JSON",
	"epcis2-examples/openepcis/XML/Capture/Documents/Combination_of_different_event.xml":  "event 4 declarationTime differs by one hour",
	"epcis2-examples/openepcis/XML/Query/Combination_of_different_event.xml":              "event 4 declarationTime differs by one hour",
	"epcis2-examples/openepcis/XML/Capture/Events/TransactionEvent.xml":                   "XML has an empty <rail:vehicleMasterGIAI/> the JSON leaves out",
	"epcis2-examples/openepcis/XML/Capture/Documents/SensorData_with_combined_events.xml": "JSON-LD context binds example: to https://ns.example.com/epcis (no slash): different IRIs (…/epcisAbc)",
	"epcis2-examples/openepcis/XML/Query/SensorData_with_combined_events.xml":             "JSON-LD context binds example: to https://ns.example.com/epcis (no slash): different IRIs (…/epcisAbc)",
	"epcis2-examples/openepcis/XML/Query/queryDocument.xml":                               "EPC on host id.gs1.org in XML, id.example.com in JSON (and not a valid GRAI, so not canonicalised)",
}

// xmlJSONHashDifferences are twins with equal models (after normalisation)
// whose hash IDs nevertheless differ, each for a reason outside our code:
// the GS1 reference vectors (TestHashIDVectors), or what upstream wrote. The
// model comparison still runs for them.
var xmlJSONHashDifferences = map[string]string{
	"epcis2-examples/openepcis/XML/Capture/Documents/ObjectEvent_all_possible_fields.xml":         cbvmdaNamespaces,
	"epcis2-examples/openepcis/XML/Query/ObjectEventWithAllPossibleFields.xml":                    cbvmdaNamespaces,
	"epcis2-examples/openepcis/XML/Capture/Documents/TransformationEvent_with_userExtensions.xml": cbvmdaNamespaces,
	"epcis2-examples/openepcis/XML/Capture/Documents/TransactionEvent_with_userExtensions.xml":    undefinedSensorTerm,
	"epcis2-examples/openepcis/XML/Query/TransactionEvent_with_userExtensions.xml":                undefinedSensorTerm,
}

// cbvmdaNamespaces: the ILMD elements are in namespace urn:epcglobal:cbv:mda
// in the XML twin and urn:epcglobal:cbv:mda: (the EPCIS 2.0 JSON-LD context's
// cbvmda) in the JSON twin. The GS1 reference vectors hash the namespace as
// each document declares it: SensorDataExamples.xml (xmlns
// urn:epcglobal:cbv:mda) expects {urn:epcglobal:cbv:mda}lotNumber and
// epcisDocWithVariousEventTypes.jsonld expects
// {urn:epcglobal:cbv:mda:}bestBeforeDate. Mapping either spelling to the other
// makes these twins agree but breaks one of those vectors (tried: the first
// direction fails epcisDocWithVariousEventTypes .xml and .jsonld, the other
// SensorDataExamples.xml), so the hash keeps the namespaces as declared.
const cbvmdaNamespaces = "cbvmda namespace urn:epcglobal:cbv:mda (XML) vs urn:epcglobal:cbv:mda: (JSON-LD context); the GS1 hash vectors require each as declared (SensorDataExamples.xml vs epcisDocWithVariousEventTypes.jsonld), so no mapping can make these twins agree"

// undefinedSensorTerm: the XML twin's sensor type is gs1:EffectiveDoseRate
// (https://gs1.org/voc/EffectiveDoseRate); the JSON twin writes the bare word
// EffectiveDoseRate, which is not a term of the EPCIS 2.0 JSON-LD context (its
// sensorReport type list, the JSON schema and the OpenAPI enumeration have 72
// measurement types, and EffectiveDoseRate is not one of them), so in JSON-LD
// it does not denote gs1:EffectiveDoseRate and is hashed as written.
const undefinedSensorTerm = "sensor type gs1:EffectiveDoseRate (XML) vs bare EffectiveDoseRate (JSON), which is not a measurement type of the EPCIS 2.0 context/schema, so it is not the GS1 term"

// TestXMLAndJSONTwinsAgree decodes each XML/JSON-LD pair and expects the same
// model (after normalising what the two syntaxes cannot both say: namespace
// prefixes, XML attributes on extension elements, the SBDH and document header
// fields), and the same event hash IDs.
func TestXMLAndJSONTwinsAgree(t *testing.T) {
	root := testenv.Testdata(t, "")
	pairs := xmlJSONPairs(t)
	if len(pairs) < 40 {
		t.Fatalf("found only %d XML/JSON pairs", len(pairs))
	}
	for x, j := range pairs {
		if strings.Contains(x, "/Invalid/") || strings.Contains(x, "/Queries/") {
			// Invalid twins are covered by TestDecodeXMLExamples (the JSON
			// codec leaves e.g. a bad action to Validate); Queries are query
			// requests, not EPCIS event documents.
			continue
		}
		name := xmlRelPath(root, x)
		t.Run(name, func(t *testing.T) {
			if reason, ok := xmlJSONUpstreamDifferences[name]; ok {
				t.Skipf("upstream twins differ: %s", reason)
			}
			xd, xerr := decodeXMLFile(t, x)
			jd, jerr := DecodeJSON(openXMLTestFile(t, j))
			if xerr != nil || jerr != nil {
				t.Fatalf("XML error %v, JSON error %v", xerr, jerr)
			}
			if len(xd.Events) != len(jd.Events) {
				t.Fatalf("XML has %d events, JSON %d", len(xd.Events), len(jd.Events))
			}
			// The hash IDs are compared on the models as decoded: the hash
			// canonicalises identifiers, CBV values and times itself.
			// A pair listed in xmlJSONHashDifferences must still differ
			// (in at least one event), so that a fix shows up as a stale
			// listing rather than going unnoticed.
			hashReason, hashKnown := xmlJSONHashDifferences[name]
			differing := 0
			for i := range xd.Events {
				xh, err := HashID(&xd.Events[i])
				if err != nil {
					t.Fatalf("event %d: hash XML: %v", i, err)
				}
				jh, err := HashID(&jd.Events[i])
				if err != nil {
					t.Fatalf("event %d: hash JSON: %v", i, err)
				}
				if xh == jh {
					continue
				}
				differing++
				if !hashKnown {
					t.Errorf("event %d: hash ID from XML %s, from JSON %s", i, xh, jh)
				}
			}
			switch {
			case hashKnown && differing == 0:
				t.Errorf("listed in xmlJSONHashDifferences (%s) but every hash ID agrees; remove the listing", hashReason)
			case hashKnown:
				t.Logf("%d of %d hash IDs differ, as listed: %s", differing, len(xd.Events), hashReason)
			}
			normaliseForTwins(xd)
			normaliseForTwins(jd)
			assertSameXMLModel(t, jd, xd)
		})
	}
}

// normaliseForTwins removes what only one syntax can carry, and the
// differences in how upstream wrote the twins that do not change meaning.
func normaliseForTwins(d *Document) {
	d.Namespaces = nil
	d.SBDH = nil
	d.SchemaVersion = ""
	d.CreationDate = time.Time{} // upstream gives the twins different creation dates
	d.Sender, d.Receiver, d.InstanceIdentifier = "", "", ""
	if d.Query != nil {
		// Upstream gives queryName and subscriptionID in some JSON twins only.
		d.Query = &QueryResults{}
	}
	for i := range d.Events {
		ev := &d.Events[i]
		// Identifiers: upstream writes EPC URNs in one twin and Digital Links
		// (on various hosts) in the other; compare canonical Digital Links.
		for _, list := range [][]string{ev.EPCList, ev.ChildEPCs, ev.InputEPCList, ev.OutputEPCList} {
			for j := range list {
				list[j] = twinID(list[j])
			}
		}
		for _, p := range []*string{&ev.ParentID, &ev.ReadPoint, &ev.BizLocation} {
			*p = twinID(*p)
		}
		for _, qs := range [][]QuantityElement{ev.QuantityList, ev.ChildQuantityList, ev.InputQuantityList, ev.OutputQuantityList} {
			for j := range qs {
				qs[j].EPCClass = twinID(qs[j].EPCClass)
			}
		}
		for _, sds := range [][]SourceDest{ev.SourceList, ev.DestinationList} {
			for j := range sds {
				sds[j].Value = twinID(sds[j].Value)
			}
		}
		// rdfs:comment is an XML comment in the XML twin, not data.
		ev.Extensions = slices.DeleteFunc(ev.Extensions, func(e Element) bool {
			return e.Space == "http://www.w3.org/2000/01/rdf-schema#" && e.Local == "comment"
		})
		if len(ev.Extensions) == 0 {
			ev.Extensions = nil
		}
		for _, els := range []*[]Element{&ev.Extensions, &ev.ILMD, &ev.ReadPointExtensions, &ev.BizLocationExtensions} {
			dropAttrs(*els)
		}
		if ev.ErrorDeclaration != nil {
			dropAttrs(ev.ErrorDeclaration.Extensions)
		}
		for j := range ev.SensorElementList {
			se := &ev.SensorElementList[j]
			dropAttrs(se.Extensions)
			if se.Metadata != nil {
				dropAttrs(se.Metadata.Extensions)
				se.Metadata.DeviceID = twinID(se.Metadata.DeviceID)
				se.Metadata.DeviceMetadata = twinID(se.Metadata.DeviceMetadata)
				se.Metadata.RawData = twinID(se.Metadata.RawData)
			}
			for k := range se.Reports {
				r := &se.Reports[k]
				dropAttrs(r.Extensions)
				r.DeviceID, r.DeviceMetadata, r.RawData = twinID(r.DeviceID), twinID(r.DeviceMetadata), twinID(r.RawData)
				// The XML twins write GS1 terms outside the standard list as
				// "gs1:EffectiveDoseRate", the JSON twins as the bare word (see
				// undefinedSensorTerm); compare the words.
				r.Type = strings.TrimPrefix(r.Type, "gs1:")
			}
		}
	}
}

// twinID returns the canonical Digital Link of an EPC URN or Digital Link,
// anything else unchanged.
func twinID(id string) string {
	if dl, err := gs1.EPCToDigitalLink(id); err == nil {
		return dl
	}
	return id
}

// dropAttrs removes XML attributes from extension elements and puts sibling
// elements in (namespace, name) order: JSON-LD object members have no order,
// and the twins list them differently. Repeated names keep their order.
func dropAttrs(els []Element) {
	for i := range els {
		els[i].Attrs = nil
		// cbvmda is urn:epcglobal:cbv:mda in XML, urn:epcglobal:cbv:mda: in
		// the EPCIS 2.0 JSON-LD context.
		if els[i].Space == "urn:epcglobal:cbv:mda:" {
			els[i].Space = "urn:epcglobal:cbv:mda"
		}
		dropAttrs(els[i].Children)
	}
	sort.SliceStable(els, func(i, j int) bool {
		if els[i].Space != els[j].Space {
			return els[i].Space < els[j].Space
		}
		return els[i].Local < els[j].Local
	})
}

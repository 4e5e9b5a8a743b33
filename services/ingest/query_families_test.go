package ingest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"rxledger/epcis"
	"rxledger/services/ingest"
	"rxledger/services/platform/problem"
)

// nsExample is the namespace of the test's own extension fields.
const nsExample = "http://ns.example.com/epcis/"

// coldChain is the story and, captured by the manufacturer, packages
// commissioned with sensor readings (a warm one in CEL, a cold summary, one
// in FAH), a commissioning with quantities of two lots (one in KGM), and
// nested extension fields of the test's own namespace.
type coldChain struct {
	*story
}

func tellColdChain(t *testing.T, e *env) *coldChain {
	t.Helper()
	s := tellStory(t, e)
	f := func(v float64) *float64 { return &v }
	yes := true
	warm := commission(10, "S1", sgtin("S1"))
	warm.SensorElementList = []epcis.SensorElement{{
		Metadata: &epcis.SensorMetadata{Time: new(at(10)), StartTime: new(at(9)), EndTime: new(at(10)),
			DeviceID: "urn:epc:id:giai:0312345.D1", DataProcessingMethod: "https://example.com/method/avg", BizRules: "https://example.com/rules/2-8"},
		Reports: []epcis.SensorReport{
			{Type: "Temperature", Value: f(9.5), UOM: "CEL"},
			{Type: "RelativeHumidity", Value: f(40), UOM: "P1"},
		},
	}}
	warm.Extensions = []epcis.Element{{Space: nsExample, Local: "shipment", Children: []epcis.Element{
		{Space: nsExample, Local: "zone", Text: "2-8"},
		{Space: nsExample, Local: "packaging", Children: []epcis.Element{{Space: nsExample, Local: "count", Text: "12"}}},
	}}}
	cold := commission(11, "S2", sgtin("S2"))
	cold.SensorElementList = []epcis.SensorElement{{
		Reports: []epcis.SensorReport{
			{Type: "gs1:Temperature", MinValue: f(2), MaxValue: f(7.5), MeanValue: f(4.5), SDev: f(0.5), UOM: "CEL",
				DeviceID: "urn:epc:id:giai:0312345.D2", Time: new(at(11))},
			{Type: "Temperature", PercRank: f(95), PercValue: f(7), UOM: "CEL"},
			{Type: "Count", StringValue: "sealed", BooleanValue: &yes, HexBinaryValue: "0a1b", URIValue: "https://example.com/seal/1",
				Microorganism: "https://www.ncbi.nlm.nih.gov/taxonomy/1496", ChemicalSubstance: "https://identifiers.org/inchikey:XLYOFNOQVPJJNP-UHFFFAOYSA-N"},
		},
	}}
	cold.ILMD = append(cold.ILMD, epcis.Element{Space: nsExample, Local: "storage", Children: []epcis.Element{{Space: nsExample, Local: "zone", Text: "cold"}}})
	fahrenheit := commission(12, "S3", sgtin("S3"))
	fahrenheit.SensorElementList = []epcis.SensorElement{{Reports: []epcis.SensorReport{{Type: "Temperature", Value: f(46.4), UOM: "FAH"}}}}
	lots := commission(13, "S4", sgtin("S4"))
	lots.QuantityList = []epcis.QuantityElement{
		{EPCClass: "urn:epc:class:lgtin:0312345.067890.S1", Quantity: f(10), HasQuantity: true},
		{EPCClass: "urn:epc:class:lgtin:0312345.067890.S2", Quantity: f(2.5), UOM: "KGM", HasQuantity: true},
	}
	e.mustCapture(mfr, ctJSON, encode(t, document(warm, cold, fahrenheit, lots), "json"))
	ids := hashIDs(t, warm, cold, fahrenheit, lots)
	for i, n := range []string{"warm", "cold", "fahrenheit", "lots"} {
		s.id[n] = ids[i]
	}
	return &coldChain{s}
}

// TestQuerySensorParameters: every sensor parameter, on one report at a
// time, with values compared across units of temperature.
func TestQuerySensorParameters(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellColdChain(t, e)
	ts := func(m int) string { return url.QueryEscape(at(m).Format("2006-01-02T15:04:05Z07:00")) }
	checkOnePage(t, e, s.story, []onePage{
		{"EQ_type", "EQ_type=Temperature", []string{"warm", "cold", "fahrenheit"}},
		{"EQ_type as a URI", "EQ_type=" + url.QueryEscape("https://gs1.org/voc/RelativeHumidity"), []string{"warm"}},
		{"EXISTS_sensorElementList", "EXISTS_sensorElementList", []string{"warm", "cold", "fahrenheit"}},
		// Cold chain: a temperature reading above 8 CEL, whatever its unit.
		{"GT_value_CEL", "EQ_type=Temperature&GT_value_CEL=8", []string{"warm"}},
		{"GE_value_CEL takes 46.4 FAH as 8 CEL", "GE_value_CEL=8", []string{"warm", "fahrenheit"}},
		{"EQ_value_CEL of a FAH reading", "EQ_value_CEL=8", []string{"fahrenheit"}},
		{"GE_value_KEL", "GE_value_KEL=282", []string{"warm"}},
		{"LT_value_FAH", "LT_value_FAH=47", []string{"fahrenheit"}},
		{"EQ_value_CEL list", "EQ_value_CEL=1|9.5", []string{"warm"}},
		{"value in a unit of another dimension", "GE_value_KGM=0", []string{}},
		{"one report: the humidity of 40 is no temperature", "EQ_type=Temperature&GE_value_P1=30", []string{}},
		{"LE_maxValue_CEL", "LE_maxValue_CEL=8", []string{"cold"}},
		{"GE_minValue_CEL", "GE_minValue_CEL=2", []string{"cold"}},
		{"GT_minValue_CEL", "GT_minValue_CEL=2", []string{}},
		{"EQ_meanValue_CEL", "EQ_meanValue_CEL=4.5", []string{"cold"}},
		{"sDev converts by scale alone", "EQ_sDev_FAH=0.9", []string{"cold"}},
		{"GE_percRank", "GE_percRank=90", []string{"cold"}},
		{"LT_percRank", "LT_percRank=90", []string{}},
		{"LE_percValue_CEL", "LE_percValue_CEL=7", []string{"cold"}},
		{"EQ_deviceID from the metadata", "EQ_deviceID=" + url.QueryEscape("urn:epc:id:giai:0312345.D1"), []string{"warm"}},
		{"EQ_deviceID of the report", "EQ_deviceID=" + url.QueryEscape("urn:epc:id:giai:0312345.D2"), []string{"cold"}},
		{"EQ_deviceID and a reading of its device", "EQ_deviceID=" + url.QueryEscape("urn:epc:id:giai:0312345.D2") + "&GE_percRank=0", []string{}},
		{"EQ_dataProcessingMethod", "EQ_dataProcessingMethod=" + url.QueryEscape("https://example.com/method/avg"), []string{"warm"}},
		{"EQ_bizRules", "EQ_bizRules=" + url.QueryEscape("https://example.com/rules/2-8"), []string{"warm"}},
		{"EQ_microorganism", "EQ_microorganism=" + url.QueryEscape("https://www.ncbi.nlm.nih.gov/taxonomy/1496"), []string{"cold"}},
		{"EQ_chemicalSubstance", "EQ_chemicalSubstance=" + url.QueryEscape("https://identifiers.org/inchikey:XLYOFNOQVPJJNP-UHFFFAOYSA-N"), []string{"cold"}},
		{"EQ_stringValue", "EQ_stringValue=sealed", []string{"cold"}},
		{"EQ_stringValue other", "EQ_stringValue=broken", []string{}},
		{"EQ_booleanValue", "EQ_booleanValue=true", []string{"cold"}},
		{"EQ_booleanValue false", "EQ_booleanValue=false", []string{}},
		{"EQ_hexBinaryValue in either case", "EQ_hexBinaryValue=0A1B", []string{"cold"}},
		{"EQ_uriValue", "EQ_uriValue=" + url.QueryEscape("https://example.com/seal/1"), []string{"cold"}},
		{"GE_time and LT_time, the report's or the metadata's", "GE_time=" + ts(10) + "&LT_time=" + ts(12), []string{"warm", "cold"}},
		{"LT_time", "LT_time=" + ts(11), []string{"warm"}},
		{"GE_startTime", "GE_startTime=" + ts(9), []string{"warm"}},
		{"LT_endTime", "LT_endTime=" + ts(10), []string{}},
		{"GE_endTime", "GE_endTime=" + ts(10), []string{"warm"}},
		{"with the index's parameters", "EQ_bizStep=commissioning&MATCH_epc=" + sgtin("S3") + "&GE_value_CEL=7", []string{"fahrenheit"}},
	})
}

// TestQueryQuantityParameters: the quantity parameters compare the
// quantity of one element, of the class MATCH_epcClass names when it is
// given, in a unit when the parameter names one.
func TestQueryQuantityParameters(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellColdChain(t, e) // the story's inspect: 5 of lot Q; lots: 10 of S1, 2.5 KGM of S2
	s1 := url.QueryEscape("urn:epc:class:lgtin:0312345.067890.S1")
	s2 := url.QueryEscape("https://id.gs1.org/01/00312345678906/10/S2")
	checkOnePage(t, e, s.story, []onePage{
		{"EQ_quantity", "EQ_quantity=5", []string{"inspect"}},
		{"EQ_quantity list", "EQ_quantity=5|10", []string{"inspect", "lots"}},
		{"GT_quantity", "GT_quantity=5", []string{"lots"}},
		{"GE_quantity", "GE_quantity=5", []string{"inspect", "lots"}},
		{"LT_quantity", "LT_quantity=5", []string{"lots"}},
		{"LE_quantity", "LE_quantity=2.5", []string{"lots"}},
		{"with MATCH_epcClass, that class's quantity", "MATCH_epcClass=" + s1 + "&LT_quantity=5", []string{}},
		{"with MATCH_epcClass, the other class's", "MATCH_epcClass=" + s2 + "&LT_quantity=5", []string{"lots"}},
		{"with MATCH_anyEPCClass", "MATCH_anyEPCClass=" + s1 + "&GE_quantity=10", []string{"lots"}},
		{"MATCH_inputEPCClass covers no quantityList", "MATCH_inputEPCClass=" + s1 + "&GE_quantity=0", []string{}},
		{"a unit", "EQ_quantity_KGM=2.5", []string{"lots"}},
		{"a unit converted", "EQ_quantity_GRM=2500", []string{"lots"}},
		{"a unit no element is in", "GE_quantity_LTR=0", []string{}},
	})
}

// TestQueryExtensionParameters: EQ_INNER_ and EXISTS_INNER_ find fields
// nested in top-level extension fields (not those top-level fields), by
// namespace URI#name or by prefix; EQATTR_ and HASATTR_ match nothing, as no
// master data is held.
func TestQueryExtensionParameters(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellColdChain(t, e)
	field := func(local string) string { return url.QueryEscape(nsExample + "#" + local) }
	checkOnePage(t, e, s.story, []onePage{
		{"EQ_INNER_ by namespace URI", "EQ_INNER_" + field("zone") + "=2-8", []string{"warm"}},
		{"EQ_INNER_ other value", "EQ_INNER_" + field("zone") + "=cold", []string{}},
		{"EQ_INNER_ deeper, compared as numbers", "EQ_INNER_" + field("count") + "=12.0", []string{"warm"}},
		{"EQ_INNER_ not the top-level field", "EXISTS_INNER_" + field("shipment"), []string{}},
		{"EXISTS_INNER_", "EXISTS_INNER_" + field("packaging"), []string{"warm"}},
		{"EXISTS_INNER_=false asks nothing", "EXISTS_INNER_" + field("packaging") + "=false&EQ_type=Temperature", []string{"warm", "cold", "fahrenheit"}},
		{"EQ_INNER_ILMD_", "EQ_INNER_ILMD_" + field("zone") + "=cold", []string{"cold"}},
		{"the GS1 US prefix is known", "EQ_INNER_gs1ushc:affirmTransactionStatement=true", []string{"ship"}},
		{"EQATTR_ matches nothing", "EQATTR_bizLocation_" + url.QueryEscape("urn:epcglobal:cbv:mda#sst") + "=201", []string{}},
		{"HASATTR_ matches nothing", "HASATTR_bizLocation=" + url.QueryEscape("urn:epcglobal:cbv:mda#sst"), []string{}},
	})
	t.Run("a prefix declared in GS1-Extensions", func(t *testing.T) {
		params := "EQ_INNER_ex:zone=2-8"
		resp, b := e.do("GET", reg, "/epcis/events?"+params, "", nil, map[string]string{ingest.HeaderExtensions: "ex=" + nsExample + ", other=urn:x"})
		var doc struct {
			EPCISBody struct {
				QueryResults struct {
					ResultsBody struct {
						EventList []struct {
							EventID string `json:"eventID"`
						} `json:"eventList"`
					} `json:"resultsBody"`
				} `json:"queryResults"`
			} `json:"epcisBody"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &doc) != nil {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		got := doc.EPCISBody.QueryResults.ResultsBody.EventList
		if len(got) != 1 || got[0].EventID != s.id["warm"] {
			t.Fatalf("got %s", b)
		}
	})
}

// TestQueryFamiliesVisibility: the new parameters narrow what the caller
// may see and never widen it: the wholesaler, party to none of the
// manufacturer's commissionings, finds none of their readings.
func TestQueryFamiliesVisibility(t *testing.T) {
	e := newEnv(t, true, nil)
	s := tellColdChain(t, e)
	for _, params := range []string{"EQ_type=Temperature", "GE_quantity=0", "EQ_INNER_" + url.QueryEscape(nsExample+"#zone") + "=2-8"} {
		if got, _ := e.query(whs, params); len(got) != 0 {
			t.Errorf("%s: the wholesaler sees %v", params, idsOf(got))
		}
		if got, _ := e.query(mfr, params); len(got) == 0 {
			t.Errorf("%s: the manufacturer does not see its own events", params)
		}
	}
	// The wholesaler's own event with a nested field: it sees that one.
	got, _ := e.query(whs, "EQ_INNER_gs1ushc:affirmTransactionStatement=true")
	if !slices.Equal(idsOf(got), s.ids("ship")) {
		t.Errorf("the wholesaler, party to the shipment, sees %v", idsOf(got))
	}
}

// TestQueryFamilyErrors: a malformed parameter of the new families is a
// 400 problem naming it.
func TestQueryFamilyErrors(t *testing.T) {
	e := newEnv(t, true, nil)
	tests := []paramRefusal{
		{"a quantity that is no number", "GE_quantity=five", "GE_quantity"},
		{"a quantity that is not finite", "GE_quantity=NaN", "GE_quantity"},
		{"two bounds", "GT_quantity=1&GT_quantity=2", "GT_quantity"},
		{"a quantity unit that is no code", "EQ_quantity_kg=1", "EQ_quantity_kg"},
		{"a sensor value without its unit", "GE_value=8", "GE_value"},
		{"a sensor value with a unit that is no code", "GE_value_celsius=8", "GE_value_celsius"},
		{"a sensor value that is no number", "GE_value_CEL=warm", "GE_value_CEL"},
		{"percRank with a unit", "GE_percRank_P1=90", "GE_percRank_P1"},
		{"a boolean that is none", "EQ_booleanValue=yes", "EQ_booleanValue"},
		{"two booleans", "EQ_booleanValue=true|false", "EQ_booleanValue"},
		{"hex that is none", "EQ_hexBinaryValue=0G", "EQ_hexBinaryValue"},
		{"hex of an odd length", "EQ_hexBinaryValue=ABC", "EQ_hexBinaryValue"},
		{"a time that is none", "GE_time=noon", "GE_time"},
		{"an end time that is none", "LT_endTime=2026-11-01", "LT_endTime"},
		{"EQ_type without a value", "EQ_type=", "EQ_type"},
		{"an inner field without a namespace", "EQ_INNER_zone=cold", "EQ_INNER_zone"},
		{"an undeclared prefix", "EQ_INNER_ex:zone=cold", "EQ_INNER_ex:zone"},
		{"EXISTS_INNER_ with a value", "EXISTS_INNER_gs1ushc:x=maybe", "EXISTS_INNER_gs1ushc:x"},
		{"EQ_INNER_ without a value", "EQ_INNER_gs1ushc:x=", "EQ_INNER_gs1ushc:x"},
		{"EQATTR_ without an attribute", "EQATTR_bizLocation=1", "EQATTR_bizLocation"},
		{"EQATTR_ of a field that is none", "EQATTR_colour_size=1", "EQATTR_colour_size"},
		{"HASATTR_ without a field", "HASATTR_=x", "HASATTR_"},
		{"HASATTR_ without attribute names", "HASATTR_bizLocation", "HASATTR_bizLocation"},
	}
	wantParamRefusals(t, e, tests)
	t.Run("a GS1-Extensions entry that is no prefix=URI", func(t *testing.T) {
		resp, b := e.do("GET", reg, "/epcis/events", "", nil, map[string]string{ingest.HeaderExtensions: "ex"})
		var p problem.Body
		if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &p) != nil || !hasLocation(p.Errors, problem.Location{Field: ingest.HeaderExtensions}) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
}

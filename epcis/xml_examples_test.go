package epcis

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/internal/testenv"
)

// xmlInvalidExamples says, for each intentionally invalid XML example, why it
// must be rejected: a fragment of the error message and the line it is on.
var xmlInvalidExamples = map[string]struct {
	strict bool // only rejected by a decoder with StrictOrder
	reason string
	line   int
}{
	"epcis2-examples/openepcis/XML/Capture/Invalid/ObjectEvent_bare_event_without_action.xml":     {reason: "missing action", line: 1},
	"epcis2-examples/openepcis/XML/Capture/Invalid/ObjectEvent_with_invalid_action.xml":           {reason: `invalid action "CREATE"`, line: 12},
	"epcis2-examples/openepcis/XML/Capture/Invalid/ObjectEvent_with_invalid_eventTime_format.xml": {reason: `eventTime: invalid date-time "22-07-2026"`, line: 7},
	"epcis2-examples/openepcis/XML/Capture/Invalid/ObjectEvent_with_near_miss_action.xml":         {reason: `invalid action "OBSERV"`, line: 13},
	"epcis2-examples/openepcis/XML/Capture/Invalid/ObjectEvent_with_unknown_element.xml":          {reason: "unknown element <madeUpField>", line: 13},
	"epcis2-examples/openepcis/XML/Capture/Invalid/ObjectEvent_with_wrong_element_order.xml":      {strict: true, reason: "<eventTime> is out of order", line: 8},
	"epcis2-examples/openepcis/XML/Capture/Invalid/ObjectEvent_without_eventTime.xml":             {reason: "missing eventTime", line: 6},
	"epcis2-examples/openepcis/XML/Query/Invalid/QueryDocument_with_invalid_action.xml":           {reason: `invalid action "INVALIDACTION"`, line: 14},
	"epcis2-examples/openepcis/XML/Query/Invalid/QueryDocument_with_invalid_eventType.xml":        {reason: "unknown event type <ObjectEventInvalid>", line: 8},
	"epcis2-examples/openepcis/XML/Query/Invalid/QueryDocument_with_missing_value.xml":            {reason: "query parameter EQ_readPoint: missing value", line: 15},
	"epcis2-examples/openepcis/XML/Query/Queries/Invalid/Query_without_queryName.xml":             {reason: "Poll without queryName", line: 6},
	"epcis12-xml/fastnt/Requests/InvalidRequest.xml":                                              {reason: "unexpected element <test> in EPCISBody", line: 4},
}

// xmlNotEPCIS are the files in the EPCIS 1.2 set that are SOAP query requests
// or query-interface messages rather than EPCIS documents; DecodeXML rejects
// them with ErrNotEPCISDocument (the query interface is not part of the
// codecs). The two callback exceptions are EPCISQueryDocuments whose body is a
// query exception: rejected with ErrQueryException.
var xmlNotEPCIS = map[string]error{
	"epcis12-xml/fastnt/Queries/GetQueryNames.xml":                           ErrNotEPCISDocument,
	"epcis12-xml/fastnt/Queries/GetStandardVersion.xml":                      ErrNotEPCISDocument,
	"epcis12-xml/fastnt/Queries/GetSubscriptionIDs.xml":                      ErrNotEPCISDocument,
	"epcis12-xml/fastnt/Queries/GetVendorVersion.xml":                        ErrNotEPCISDocument,
	"epcis12-xml/fastnt/Queries/InvalidQuery.xml":                            ErrNotEPCISDocument,
	"epcis12-xml/fastnt/Queries/Unsubscribe.xml":                             ErrNotEPCISDocument,
	"epcis12-xml/fastnt-v1/Queries/GetQueryNames.xml":                        ErrNotEPCISDocument,
	"epcis12-xml/fastnt-v1/Queries/GetStandardVersion.xml":                   ErrNotEPCISDocument,
	"epcis12-xml/fastnt-v1/Queries/GetVendorVersion.xml":                     ErrNotEPCISDocument,
	"epcis12-xml/fastnt-v1/Queries/ListSubscriptionIDs.xml":                  ErrNotEPCISDocument,
	"epcis12-xml/fastnt-v1/Queries/Poll.xml":                                 ErrNotEPCISDocument,
	"epcis12-xml/fastnt-v1/Queries/Poll_Unknown.xml":                         ErrNotEPCISDocument,
	"epcis12-xml/fastnt-v1/Queries/Subscribe.xml":                            ErrNotEPCISDocument,
	"epcis12-xml/fastnt/CallbackRequests/ImplementationExceptionRequest.xml": ErrQueryException,
	"epcis12-xml/fastnt/CallbackRequests/QueryTooLargeRequest.xml":           ErrQueryException,
}

// xmlExampleSets are the folders whose XML files are all covered by the
// example tests: each file is valid, listed in xmlInvalidExamples or listed in
// xmlNotEPCIS.
var xmlExampleSets = []string{
	"epcis2-examples/openepcis/XML",
	"epcis2-examples/fastnt",
	"epcis12-xml",
}

// xmlRelPath returns path relative to the testdata root, with slashes.
func xmlRelPath(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

func TestDecodeXMLExamples(t *testing.T) {
	root := testenv.Testdata(t, "")
	var valid, invalid, other int
	for _, set := range xmlExampleSets {
		for _, path := range xmlFiles(t, testenv.Testdata(t, set)) {
			name := xmlRelPath(root, path)
			t.Run(name, func(t *testing.T) {
				doc, err := decodeXMLFile(t, path)
				if want, ok := xmlInvalidExamples[name]; ok {
					invalid++
					if want.strict {
						if err != nil {
							t.Fatalf("lenient decoder rejected it: %v", err)
						}
						err = decodeXMLStrict(t, path)
					}
					assertXMLErrorAt(t, err, want.reason, want.line)
					return
				}
				if want, ok := xmlNotEPCIS[name]; ok {
					other++
					if !errors.Is(err, want) {
						t.Fatalf("want an error matching %v, got %v", want, err)
					}
					return
				}
				valid++
				if err != nil {
					t.Fatalf("valid example rejected: %v", err)
				}
				if doc == nil {
					t.Fatal("no document")
				}
			})
		}
	}
	if valid < 85 || invalid != len(xmlInvalidExamples) || other != len(xmlNotEPCIS) {
		t.Errorf("coverage: %d valid, %d of %d invalid, %d of %d non-EPCIS files seen", valid, invalid, len(xmlInvalidExamples), other, len(xmlNotEPCIS))
	}
}

func decodeXMLStrict(t *testing.T, path string) error {
	t.Helper()
	f := openXMLTestFile(t, path)
	_, err := (&XMLDecoder{StrictOrder: true}).Decode(f)
	return err
}

// assertXMLErrorAt checks that err is an *XMLError on the given line whose
// message contains reason.
func assertXMLErrorAt(t *testing.T, err error, reason string, line int) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want rejection for %q", reason)
	}
	var xe *XMLError
	if !errors.As(err, &xe) {
		t.Fatalf("error %v (%T) is not an *XMLError", err, err)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Errorf("error %q does not say %q", err, reason)
	}
	if xe.Line != line {
		t.Errorf("error on line %d, want %d (%v)", xe.Line, line, err)
	}
	if xe.Column < 1 {
		t.Errorf("column %d, want >= 1", xe.Column)
	}
}

func TestDecodeXMLStrictOrderAcceptsSchemaOrder(t *testing.T) {
	dir := testenv.Testdata(t, "epcis2-examples/openepcis/XML/Capture/Documents")
	for _, name := range []string{"ObjectEvent_all_possible_fields.xml", "AggregationEvent_all_possible_fields.xml", "TransformationEvent_all_possible_fields.xml"} {
		t.Run(name, func(t *testing.T) {
			if err := decodeXMLStrict(t, filepath.Join(dir, name)); err != nil {
				t.Fatalf("schema-ordered document rejected: %v", err)
			}
		})
	}
	t.Run("JumbledFieldsOrder.xml", func(t *testing.T) {
		err := decodeXMLStrict(t, filepath.Join(dir, "JumbledFieldsOrder.xml"))
		if err == nil || !strings.Contains(err.Error(), "out of order") {
			t.Fatalf("want an order error, got %v", err)
		}
	})
}

// xmlValidateFindings are the examples that decode but that Validate rejects,
// with the reason: the one whose name says so, and upstream examples that
// break an EPCIS 2.0 rule.
var xmlValidateFindings = map[string]string{
	"epcis12-xml/fastnt-v1/Capture/CaptureInvalidUri.xml":                         `identifier "5900000818": not an absolute URI`,
	"epcis2-examples/openepcis/XML/Query/queryDocument.xml":                       "incorrect check digit",
	"epcis12-xml/fastnt/CallbackRequests/SuccessfulRequest.xml":                   `unsupported schema version "1"`,
	"epcis12-xml/fastnt/Events/ObjectEvent_Full.xml":                              "ILMD only belongs to events with action ADD",
	"epcis12-xml/openepcis/Capture/Documents/ObjectEvent_all_possible_fields.xml": "ILMD only belongs to events with action ADD",
}

// TestValidateXMLExamples runs decode + Validate, the capture path, on every
// example that decodes.
func TestValidateXMLExamples(t *testing.T) {
	root := testenv.Testdata(t, "")
	seen := 0
	for _, set := range xmlExampleSets {
		for _, path := range xmlFiles(t, testenv.Testdata(t, set)) {
			name := xmlRelPath(root, path)
			if _, bad := xmlInvalidExamples[name]; bad {
				continue
			}
			if _, other := xmlNotEPCIS[name]; other {
				continue
			}
			t.Run(name, func(t *testing.T) {
				d, err := decodeXMLFile(t, path)
				if err != nil {
					t.Fatal(err)
				}
				err = d.Validate()
				want, finding := xmlValidateFindings[name]
				switch {
				case finding:
					seen++
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("Validate = %v, want an error saying %q", err, want)
					}
				case err != nil:
					t.Fatalf("Validate: %v", err)
				}
			})
		}
	}
	if seen != len(xmlValidateFindings) {
		t.Errorf("%d of %d expected findings seen", seen, len(xmlValidateFindings))
	}
}

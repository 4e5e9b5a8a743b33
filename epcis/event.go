// Package epcis is rxledger's GS1 EPCIS library: the event model shared by every
// codec (EPCIS 2.0 JSON-LD, EPCIS 2.0 XML, EPCIS 1.2 XML), validation against the
// standard and the Core Business Vocabulary (CBV), the GS1 event hash ID, and the
// extraction of DSCSA transaction information. It imports only the standard
// library; identifiers and barcodes live in the sub-package epcis/gs1.
//
// The model keeps what the documents say, in a form that does not depend on the
// syntax they arrived in:
//   - identifiers (EPCs, class-level IDs, locations, parties) are kept as written,
//     either EPC URNs or GS1 Digital Link URIs; gs1 converts between the two;
//   - CBV values (bizStep, disposition, source/destination and bizTransaction
//     types, error reasons, sensor types) are kept in their short form ("shipping",
//     "in_transit", "owning_party") when they are standard CBV values, and as the
//     full URI otherwise (see CBV.go);
//   - namespaced user extensions are kept as a tree of Elements, so that they
//     survive a round trip through any codec.
package epcis

import "time"

// EventType names one of the five EPCIS event types.
type EventType string

// The five EPCIS 2.0 event types.
const (
	ObjectEventType         EventType = "ObjectEvent"
	AggregationEventType    EventType = "AggregationEvent"
	TransactionEventType    EventType = "TransactionEvent"
	TransformationEventType EventType = "TransformationEvent"
	AssociationEventType    EventType = "AssociationEvent"
)

// Action is an event's action: ADD, OBSERVE or DELETE.
type Action string

// The three EPCIS actions.
const (
	ActionAdd     Action = "ADD"
	ActionObserve Action = "OBSERVE"
	ActionDelete  Action = "DELETE"
)

// Event is one EPCIS event of any of the five types. Which fields apply depends
// on Type; Validate reports fields that do not belong or are missing.
type Event struct {
	Type EventType

	// EventID is the event's identifier as written (a urn:uuid or an ni:///
	// hash ID); empty when the document gave none.
	EventID string
	// EventTime is the instant the event happened; EventTimeZoneOffset is the
	// local offset the capturing system recorded ("+02:00", "-06:00", "Z" is
	// written as "+00:00").
	EventTime           time.Time
	EventTimeZoneOffset string
	// RecordTime is set in query results, never trusted on capture.
	RecordTime *time.Time

	CertificationInfo []string
	ErrorDeclaration  *ErrorDeclaration

	// What.
	EPCList            []string          // ObjectEvent, TransactionEvent
	ParentID           string            // AggregationEvent, TransactionEvent, AssociationEvent
	ChildEPCs          []string          // AggregationEvent, AssociationEvent
	InputEPCList       []string          // TransformationEvent
	OutputEPCList      []string          // TransformationEvent
	QuantityList       []QuantityElement // ObjectEvent, TransactionEvent
	ChildQuantityList  []QuantityElement // AggregationEvent, AssociationEvent
	InputQuantityList  []QuantityElement // TransformationEvent
	OutputQuantityList []QuantityElement // TransformationEvent
	TransformationID   string            // TransformationEvent

	Action Action // all types but TransformationEvent

	// Why.
	BizStep               string
	Disposition           string
	PersistentDisposition *PersistentDisposition
	ReadPoint             string
	BizLocation           string
	BizTransactionList    []BizTransaction
	SourceList            []SourceDest
	DestinationList       []SourceDest
	SensorElementList     []SensorElement

	// ILMD is the instance/lot master data of commissioning events (ObjectEvent
	// with action ADD, TransformationEvent): namespaced elements such as
	// cbvmda:lotNumber and cbvmda:itemExpirationDate.
	ILMD []Element

	// ReadPointExtensions and BizLocationExtensions hold user extension fields
	// written inside readPoint and bizLocation.
	ReadPointExtensions   []Element
	BizLocationExtensions []Element

	// Extensions are the event's top-level namespaced user extension fields.
	Extensions []Element
}

// QuantityElement is a class-level identifier with an optional quantity and
// unit of measure (UN/ECE Rec 20 code).
type QuantityElement struct {
	EPCClass    string
	Quantity    *float64
	UOM         string
	HasQuantity bool
}

// BizTransaction is a business transaction reference (purchase order,
// invoice, despatch advice, ...). Type is a CBV BizTransactionType or a URI.
type BizTransaction struct {
	Type  string
	Value string
}

// SourceDest is one entry of a sourceList or destinationList. Type is a CBV
// SourceDestType (owning_party, possessing_party, location) or a URI.
type SourceDest struct {
	Type  string
	Value string
}

// PersistentDisposition lists dispositions set and unset by the event.
type PersistentDisposition struct {
	Set   []string
	Unset []string
}

// ErrorDeclaration marks an event as erroneous (EPCIS 2.0 section 7.4.1.3).
type ErrorDeclaration struct {
	DeclarationTime    time.Time
	Reason             string
	CorrectiveEventIDs []string
	Extensions         []Element
}

// SensorElement is one sensorElement: optional metadata and one or more reports.
type SensorElement struct {
	Metadata   *SensorMetadata
	Reports    []SensorReport
	Extensions []Element
}

// SensorMetadata describes the device and the time window of a sensor element.
type SensorMetadata struct {
	Time                 *time.Time
	StartTime            *time.Time
	EndTime              *time.Time
	DeviceID             string
	DeviceMetadata       string
	RawData              string
	DataProcessingMethod string
	BizRules             string
	Extensions           []Element
}

// SensorReport is one sensor reading or summary. Numeric fields are pointers so
// that an absent value differs from zero.
type SensorReport struct {
	Type                      string
	Exception                 string
	DeviceID                  string
	DeviceMetadata            string
	RawData                   string
	DataProcessingMethod      string
	BizRules                  string // EPCIS 2.0 JSON schema allows it on a report too
	Time                      *time.Time
	Microorganism             string
	ChemicalSubstance         string
	Value                     *float64
	Component                 string
	StringValue               string
	BooleanValue              *bool
	HexBinaryValue            string
	URIValue                  string
	MinValue                  *float64
	MaxValue                  *float64
	MeanValue                 *float64
	SDev                      *float64
	PercRank                  *float64
	PercValue                 *float64
	UOM                       string
	CoordinateReferenceSystem string
	Extensions                []Element
}

// Element is a namespaced user extension field: a leaf with Text, or a
// structure with Children. A JSON-LD array of values becomes several Elements
// with the same name. Attributes (XML only) are kept for round trips.
type Element struct {
	Space    string // namespace URI, e.g. "http://epcis.gs1us.org/hc/ns"
	Local    string // local name, e.g. "dscsaTransactionStatement"
	Attrs    []Attr
	Text     string
	Children []Element
}

// Attr is an XML attribute kept on an extension Element.
type Attr struct {
	Space, Local, Value string
}

// Document is an EPCIS document (capture or query): its header and events.
type Document struct {
	SchemaVersion      string
	CreationDate       time.Time
	InstanceIdentifier string
	Sender             string // JSON-LD sender (2.0), or from the SBDH
	Receiver           string
	SBDH               *SBDH
	MasterData         []Vocabulary
	Events             []Event
	// Namespaces maps prefixes to namespace URIs as declared in the source
	// document, so encoders can keep the author's prefixes.
	Namespaces map[string]string
	// Query is set for EPCISQueryDocuments.
	Query *QueryResults
	// HeaderExtensions are the namespaced user elements of the document header,
	// e.g. the GS1 US gs1ushc:dscsaTransactionStatement (added for the XML codecs).
	HeaderExtensions []Element
	// Poll is set for an EPCISQueryDocument that carries a query request (a
	// Poll) instead of results (added for the XML codecs).
	Poll *Poll
}

// Poll is an EPCIS query request: the name of the query and its parameters.
type Poll struct {
	QueryName string
	Params    []QueryParam
}

// QueryParam is one query parameter; a list-valued parameter (ArrayOfString)
// has several Values.
type QueryParam struct {
	Name   string
	Values []string
}

// QueryResults is the body of an EPCISQueryDocument.
type QueryResults struct {
	QueryName      string
	SubscriptionID string
}

// SBDH is the Standard Business Document Header (GS1 SBDH 1.3) as EPCIS uses it.
type SBDH struct {
	HeaderVersion string
	Sender        []SBDHParty
	Receiver      []SBDHParty
	Standard      string
	TypeVersion   string
	InstanceID    string
	Type          string
	CreationDate  time.Time
}

// SBDHParty is a sender or receiver of an SBDH: its identifier (a GLN, with its
// authority) and optional contact.
type SBDHParty struct {
	Identifier string
	Authority  string
	Contact    string
}

// Vocabulary is one master data vocabulary of a document header, e.g.
// urn:epcglobal:epcis:vtype:EPCClass or ...:vtype:Location.
type Vocabulary struct {
	Type     string
	Elements []VocabularyElement
}

// VocabularyElement is one entry of a vocabulary: an identifier, its attributes
// and children.
type VocabularyElement struct {
	ID         string
	Attributes []VocabularyAttribute
	Children   []string
}

// VocabularyAttribute is one attribute of a master data element; Value holds
// simple text, Elements a structured value.
type VocabularyAttribute struct {
	ID       string
	Value    string
	Elements []Element
}

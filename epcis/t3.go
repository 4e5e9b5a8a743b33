package epcis

import "errors"

// NSGS1USHealthcare is the namespace of the GS1 US healthcare extensions
// (gs1ushc:dscsaTransactionStatement, gs1ushc:dropShipment, ...).
const NSGS1USHealthcare = "http://epcis.gs1us.org/hc/ns"

// ErrNoShipment is returned by ExtractT3 when a document has no shipping
// event, so there is no transaction to describe.
var ErrNoShipment = errors.New("no shipping event")

// T3 is what a DSCSA seller passes to the buyer with a shipment, as one
// EPCIS document written per the GS1 US DSCSA implementation guideline
// carries it: the transaction information (TI) and the transaction statement
// (TS). Transaction history is no longer passed (since November 2023).
type T3 struct {
	Information TransactionInformation `json:"transactionInformation"`
	// Statement is nil when the document carries none.
	Statement *TransactionStatement `json:"transactionStatement,omitempty"`
}

// TransactionInformation is the TI of one shipment: the ten DSCSA elements
// (product name, strength, dosage form, NDC, container size and number of
// containers, and lot, per product line; transaction date, shipment date,
// seller, buyer) plus the package-level product identifiers, the packing
// hierarchy they were shipped in, and the business transactions referenced.
type TransactionInformation struct {
	// TransactionDate and ShipmentDate are calendar dates (YYYY-MM-DD) in the
	// time zone the shipping event was recorded in. The EPCIS document has
	// one date for both: the shipping event's time.
	TransactionDate string `json:"transactionDate"`
	ShipmentDate    string `json:"shipmentDate"`
	// Seller and Buyer are the source and destination owning parties, with
	// name and address from the document's Location master data.
	Seller Party `json:"seller"`
	Buyer  Party `json:"buyer"`
	// ShipFrom and ShipTo are the source and destination locations, when given.
	ShipFrom *Party `json:"shipFrom,omitempty"`
	ShipTo   *Party `json:"shipTo,omitempty"`

	Products []ProductLine `json:"products"`
	// Packages are the shipped containers (as the shipping events name them)
	// with what was packed into them, down to the saleable units.
	Packages []Package `json:"packages"`

	// PurchaseOrder, Invoice and DespatchAdvice are the first business
	// transaction of each type; BizTransactions lists all of them.
	PurchaseOrder   string              `json:"purchaseOrder,omitempty"`
	Invoice         string              `json:"invoice,omitempty"`
	DespatchAdvice  string              `json:"despatchAdvice,omitempty"`
	BizTransactions []BizTransactionRef `json:"bizTransactions,omitempty"`
}

// BizTransactionRef is a business transaction of transaction information,
// with the JSON names of an EPCIS document (the event model's
// BizTransaction has none of its own).
type BizTransactionRef struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Party is a trading partner or location: its identifier as written (an SGLN
// or PGLN URN, or a Digital Link) and what the master data says about it.
type Party struct {
	ID      string  `json:"id"`
	Name    string  `json:"name,omitempty"`
	Address Address `json:"address"`
}

// Address is a postal address from CBV master data attributes.
type Address struct {
	Street1     string `json:"streetAddressOne,omitempty"`
	Street2     string `json:"streetAddressTwo,omitempty"`
	Street3     string `json:"streetAddressThree,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	PostalCode  string `json:"postalCode,omitempty"`
	CountryCode string `json:"countryCode,omitempty"`
}

// ProductLine is one product and lot in the shipment: the product's TI
// elements from the EPCClass master data, the lot and expiry from the
// commissioning events' ILMD, and the saleable units shipped.
type ProductLine struct {
	// ClassID is the EPCClass vocabulary element the product data came from
	// (urn:epc:idpat:sgtin:..., or a Digital Link or LGTIN class).
	ClassID       string `json:"classId"`
	ProductName   string `json:"productName,omitempty"`
	Strength      string `json:"strength,omitempty"`
	DosageForm    string `json:"dosageForm,omitempty"`
	NDC           string `json:"ndc,omitempty"`
	ContainerSize string `json:"containerSize,omitempty"`
	Manufacturer  string `json:"manufacturer,omitempty"`
	Lot           string `json:"lot,omitempty"`
	Expiry        string `json:"expiry,omitempty"`
	// Containers is the number of containers: the innermost packages of this
	// product and lot in the shipment (the saleable units).
	Containers int `json:"containers"`
	// Identifiers are those packages' product identifiers, in document order.
	Identifiers []string `json:"identifiers"`
}

// Package is one shipped container and what was aggregated into it.
type Package struct {
	ID       string    `json:"id"`
	Lot      string    `json:"lot,omitempty"`
	Expiry   string    `json:"expiry,omitempty"`
	Children []Package `json:"children,omitempty"`
}

// TransactionStatement is the seller's DSCSA transaction statement as the GS1
// US guideline carries it (gs1ushc:dscsaTransactionStatement).
type TransactionStatement struct {
	Affirmed         bool   `json:"affirmed"`
	LegalNotice      string `json:"legalNotice,omitempty"`
	GuidelineVersion string `json:"guidelineVersion,omitempty"`
}

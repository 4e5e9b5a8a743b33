package chaincode

import (
	"slices"
	"time"
)

// Status is where an item (serial or container) stands in the supply chain.
type Status string

// Item statuses. Dispensed, destroyed and decommissioned are terminal.
const (
	StatusActive         Status = "active"
	StatusInTransit      Status = "in_transit"
	StatusDispensed      Status = "dispensed"
	StatusDestroyed      Status = "destroyed"
	StatusDecommissioned Status = "decommissioned"
	// StatusTransformed is a package consumed as the input of a
	// TransformationEvent (repackaging); its Transformation names the event.
	StatusTransformed Status = "transformed"
)

// Terminal reports whether nothing may happen to an item any more.
func (s Status) Terminal() bool {
	return s == StatusDispensed || s == StatusDestroyed || s == StatusDecommissioned || s == StatusTransformed
}

// Investigation is the state of a suspect-product investigation of an item.
type Investigation string

// Investigation states: "" (none) or cleared, then suspect, quarantined,
// and finally illegitimate or cleared (see SetInvestigation).
const (
	InvestigationNone         Investigation = ""
	InvestigationSuspect      Investigation = "suspect"
	InvestigationQuarantined  Investigation = "quarantined"
	InvestigationIllegitimate Investigation = "illegitimate"
	InvestigationCleared      Investigation = "cleared"
)

// Blocking reports whether the state forbids trading and dispensing.
func (i Investigation) Blocking() bool {
	return i == InvestigationSuspect || i == InvestigationQuarantined || i == InvestigationIllegitimate
}

// Custody is the part of a serial's or a container's record that changes
// as it moves: who owns it, where it is going, what it is packed in.
type Custody struct {
	// Owner is the MSP ID of the organisation that owns the item (the seller
	// until the addressee receives it).
	Owner  string `json:"owner"`
	Status Status `json:"status"`
	// ShipTo is the addressee's MSP ID while the item is in transit.
	ShipTo string `json:"shipTo,omitempty"`
	// Seller is the organisation the Owner bought the item from: a return
	// goes back to it.
	Seller string `json:"seller,omitempty"`
	// Parent is the Digital Link of the container the item is packed in.
	Parent        string        `json:"parent,omitempty"`
	Investigation Investigation `json:"investigation,omitempty"`
	// InvestigationBy is the MSP ID answerable for the current
	// investigation: the organisation that opened it (from none or
	// cleared), replaced by a regulator when a regulator moves it. While it
	// is a regulator, only a regulator may clear the item. Empty when there
	// is no investigation or it ended as cleared.
	InvestigationBy string `json:"investigationBy,omitempty"`
	// Updated is the timestamp of the transaction that last changed the item.
	Updated time.Time `json:"updated"`
}

// SerialRecord is the shared state of one serialised package (SGTIN).
type SerialRecord struct {
	GTIN   string `json:"gtin"`
	Serial string `json:"serial"`
	Lot    string `json:"lot"`
	// Expiry is the expiry date, YYYY-MM-DD.
	Expiry string `json:"expiry"`
	Custody
	// Children are the Digital Links of the items packed directly in a
	// serialised case (GS1 US guidelines aggregate items into cases
	// identified by an SGTIN with indicator digit 1 as well as into SSCCs).
	Children []string `json:"children,omitempty"`
	// Transformation is the hash ID of the TransformationEvent (repackaging)
	// that consumed the package (status transformed) or commissioned it as
	// an output; ReadTransformation lists both sides.
	Transformation string `json:"transformation,omitempty"`
}

// ContainerRecord is the shared state of one logistic unit (SSCC) and its
// direct contents.
type ContainerRecord struct {
	SSCC string `json:"sscc"`
	Custody
	// Children are the Digital Links of the items packed directly in it, in
	// the order they were packed.
	Children []string `json:"children"`
}

// LotRecord is the shared state of a lot of a GTIN.
type LotRecord struct {
	GTIN   string `json:"gtin"`
	Lot    string `json:"lot"`
	Expiry string `json:"expiry"`
	// Owner is the MSP ID of the GTIN's owner that commissioned the lot.
	Owner        string     `json:"owner"`
	Recalled     bool       `json:"recalled"`
	RecallTime   *time.Time `json:"recallTime,omitempty"`
	RecallReason string     `json:"recallReason,omitempty"`
	Updated      time.Time  `json:"updated"`
}

// A lot record changes only when the lot is created and when it is
// recalled, never as its serials move: a counter in it would make every two
// concurrent transactions on the same lot conflict (MVCC). Counts and
// holders are computed by the ReadLot query from the lot's serial index.

// LotStatus is what ReadLot answers: the lot record and, computed from its
// serials, how many were commissioned and who holds them.
type LotStatus struct {
	LotRecord
	Commissioned int `json:"commissioned"`
	// Retired counts the dispensed, destroyed and decommissioned serials.
	Retired int `json:"retired"`
	// Holders are the owners of the other serials, sorted by Org (serials in
	// transit count for their owner, the seller, until received).
	Holders []LotHolding `json:"holders"`
	// Restricted is set when the caller is neither the lot's owner nor a
	// regulator: another organisation's stock and the lot's size are not
	// its business, so Commissioned and Retired are 0 and Holders holds at
	// most the caller's own holding.
	Restricted bool `json:"restricted,omitempty"`
}

// LotHolding counts the serials of a lot an organisation owns that are not
// dispensed, destroyed or decommissioned.
type LotHolding struct {
	Org   string `json:"org"`
	Count int    `json:"count"`
}

// Partner is an organisation's record of itself (written by it) and what a
// regulator attests about it (written by the regulator).
type Partner struct {
	// ID is the organisation's MSP ID; only that organisation writes its
	// name, roles and claims.
	ID    string `json:"id"`
	Name  string `json:"name"`
	Roles []Role `json:"roles"`
	// GLNs are the location and party GLNs (13 digits) the organisation
	// claims. A claim grants nothing: shipments go to attested GLNs only.
	GLNs []string `json:"glns"`
	// CompanyPrefixes are the GS1 company prefixes the organisation claims.
	// A claim grants nothing: only attested prefixes' GTINs are its own.
	CompanyPrefixes []string `json:"companyPrefixes"`
	// Licenses are the licences the organisation claims. A claim grants
	// nothing: ATP status comes from attested licences only.
	Licenses []License `json:"licenses"`
	// Attested is the regulator's attestation; nil until one is recorded.
	Attested *Attestation `json:"attested,omitempty"`
	Updated  time.Time    `json:"updated"`
}

// Attestation is what a regulator vouches for about an organisation
// (AttestPartner): it replaces the previous attestation as a whole.
type Attestation struct {
	// Roles are the DSCSA roles the regulator has checked (the kinds of
	// licence held): what the organisation may do that depends on its role
	// follows these, never the roles it claims. Required in every new
	// attestation; nil only in one written before roles were attested.
	Roles []Role `json:"roles,omitempty"`
	// Licenses are the current licences: the organisation is an authorized
	// trading partner while one has not expired. Empty means revoked.
	Licenses []License `json:"licenses"`
	// CompanyPrefixes are the GS1 company prefixes it owns: only it may
	// commission GTINs under them.
	CompanyPrefixes []string `json:"companyPrefixes"`
	// GLNs are its location and party GLNs: shipments addressed to them go
	// to it.
	GLNs []string `json:"glns"`
	// By is the regulator's MSP ID, set by the chaincode.
	By string `json:"by,omitempty"`
	// Updated is the attesting transaction's timestamp.
	Updated time.Time `json:"updated"`
}

// Role is a DSCSA trading partner role.
type Role string

// The roles.
const (
	RoleManufacturer Role = "manufacturer"
	RoleRepackager   Role = "repackager"
	RoleWholesaler   Role = "wholesaler"
	Role3PL          Role = "3PL"
	RoleDispenser    Role = "dispenser"
	RoleRegulator    Role = "regulator"
)

func (r Role) valid() bool {
	switch r {
	case RoleManufacturer, RoleRepackager, RoleWholesaler, Role3PL, RoleDispenser, RoleRegulator:
		return true
	}
	return false
}

// License is a licence or registration (state licence, FDA registration).
type License struct {
	Authority string    `json:"authority"`
	Number    string    `json:"number"`
	Expiry    time.Time `json:"expiry"`
}

// ATP reports whether the partner is an authorized trading partner at t: a
// regulator attests a licence of it that has not expired. Licences the
// organisation only claims do not count.
func (p *Partner) ATP(t time.Time) bool {
	if p.Attested == nil {
		return false
	}
	for _, l := range p.Attested.Licenses {
		if l.Expiry.After(t) {
			return true
		}
	}
	return false
}

// NotATPReason says why p (nil: no record) is not an authorized trading
// partner at t, as the end of a sentence that names the organisation; ""
// when it is one.
func (p *Partner) NotATPReason(t time.Time) string {
	switch {
	case p == nil:
		return "has no partner record on the ledger"
	case p.ATP(t):
		return ""
	case p.Attested == nil:
		return "has a partner record that no regulator has attested yet"
	case len(p.Attested.Licenses) == 0:
		return "has no licence that a regulator attested"
	}
	latest := p.Attested.Licenses[0].Expiry
	for _, l := range p.Attested.Licenses[1:] {
		if l.Expiry.After(latest) {
			latest = l.Expiry
		}
	}
	return "has no current licence: the last one a regulator attested expired on " + latest.UTC().Format(time.DateOnly)
}

// FirstAttestedGLN is the first GLN a regulator attests as the partner's,
// "" when none: the party that answers for its products (LMS responderGLN).
func (p *Partner) FirstAttestedGLN() string {
	if p.Attested == nil || len(p.Attested.GLNs) == 0 {
		return ""
	}
	return p.Attested.GLNs[0]
}

// HasGLN reports whether a regulator attests gln as the partner's.
func (p *Partner) HasGLN(gln string) bool {
	return slices.Contains(p.AttestedGLNs(), gln)
}

// AttestedGLNs are the GLNs a regulator attests as the partner's (none
// without an attestation). A GLN a partner only claims in its own record
// proves nothing: anyone may claim any.
func (p *Partner) AttestedGLNs() []string {
	if p.Attested == nil {
		return nil
	}
	return p.Attested.GLNs
}

// Claims is the attestation of everything p claims: its roles, licences,
// company prefixes and GLNs, which a regulator attests once it has checked
// them all.
func (p Partner) Claims() Attestation {
	return Attestation{Roles: p.Roles, Licenses: p.Licenses, CompanyPrefixes: p.CompanyPrefixes, GLNs: p.GLNs}
}

// EffectiveRoles are the roles that decide what the partner may do: the
// attested ones. An attestation written before roles were attested (none
// listed) leaves the partner's own claim in force until a regulator attests
// it again; a partner never attested has none.
func (p *Partner) EffectiveRoles() []Role {
	switch {
	case p.Attested == nil:
		return nil
	case p.Attested.Roles == nil:
		return p.Roles
	}
	return p.Attested.Roles
}

// EventAnchor is the shared-state trace of one captured EPCIS event: what
// rules and projections need, never its commercial content. The body is
// private data of the parties under the same key.
type EventAnchor struct {
	HashID      string    `json:"hashId"`
	Type        string    `json:"type"`
	Action      string    `json:"action,omitempty"`
	BizStep     string    `json:"bizStep,omitempty"`
	Disposition string    `json:"disposition,omitempty"`
	EventTime   time.Time `json:"eventTime"`
	TxID        string    `json:"txId"`
	Creator     string    `json:"creator"`
	// Parties are the organisations the event concerns (the creator, the
	// source and destination owners, the previous owners of what it moved),
	// sorted; each holds the body in its implicit collection, as does every
	// regulator.
	Parties []string `json:"parties"`
	// BodyHash is the hex SHA-256 of the private body.
	BodyHash string `json:"bodyHash"`
}

// T3 is DSCSA transaction information and statement for one sale: private
// to the seller, the buyer and regulators.
type T3 struct {
	// ID is set by the chaincode: "t3-" and 32 hex digits of the SHA-256 of
	// the record (without ID and TxID), so a retried capture finds it again.
	ID            string `json:"id"`
	Seller        string `json:"seller"` // MSP ID; must be the submitter
	Buyer         string `json:"buyer"`  // MSP ID
	SellerName    string `json:"sellerName,omitempty"`
	SellerAddress string `json:"sellerAddress,omitempty"`
	BuyerName     string `json:"buyerName,omitempty"`
	BuyerAddress  string `json:"buyerAddress,omitempty"`
	// TransactionDate and ShipmentDate are YYYY-MM-DD.
	TransactionDate string      `json:"transactionDate"`
	ShipmentDate    string      `json:"shipmentDate,omitempty"`
	PONumber        string      `json:"poNumber,omitempty"`
	InvoiceNumber   string      `json:"invoiceNumber,omitempty"`
	Products        []T3Product `json:"products"`
	Statement       string      `json:"statement,omitempty"`
	// EventHashIDs are set by the chaincode: the shipping events of the same
	// transaction addressed to the buyer.
	EventHashIDs []string `json:"eventHashIds"`
	TxID         string   `json:"txId"`
}

// T3Product is one line of transaction information.
type T3Product struct {
	GTIN          string   `json:"gtin,omitempty"`
	NDC           string   `json:"ndc,omitempty"`
	Name          string   `json:"name,omitempty"`
	Strength      string   `json:"strength,omitempty"`
	DosageForm    string   `json:"dosageForm,omitempty"`
	ContainerSize string   `json:"containerSize,omitempty"`
	Quantity      int      `json:"quantity"`
	Lot           string   `json:"lot,omitempty"`
	Expiry        string   `json:"expiry,omitempty"`
	Serials       []string `json:"serials,omitempty"`
}

// T3Anchor is the shared-state trace of a T3 record: its hash only.
type T3Anchor struct {
	ID   string `json:"id"`
	TxID string `json:"txId"`
	Hash string `json:"hash"` // hex SHA-256 of the private record
}

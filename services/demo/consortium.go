package demo

import (
	"time"

	"rxledger/chaincode"
	"rxledger/services/platform/auth"
)

// The demo organisations' MSP IDs (the embedded ledger's serve consortium).
const (
	Manufacturer = "ManufacturerMSP"
	Wholesaler   = "WholesalerMSP"
	Pharmacy     = "PharmacyMSP"
	Regulator    = "RegulatorMSP"
)

// CompanyPrefix is the manufacturer's GS1 company prefix: "03" (the US
// NDC prefix) and the FDA labeler code 12345.
const CompanyPrefix = "0312345"

// Org is one demo organisation.
type Org struct {
	MSP  string
	Name string
	// Role is its DSCSA role on the ledger; KeyRole the role of its API key.
	Role    chaincode.Role
	KeyRole auth.Role
	// GLN is its party and location GLN (13 digits, valid check digit).
	GLN string
	// CompanyPrefixes are the GS1 company prefixes it owns.
	CompanyPrefixes []string
	// Licensed says whether it holds a state or federal licence (trading
	// partners do, the regulator does not).
	Licensed bool
	// Address is its postal address, written in the T3 it is party to.
	Address string
}

// Orgs returns the demo organisations in a fixed order: manufacturer,
// wholesaler, pharmacy, regulator.
func Orgs() []Org {
	return []Org{
		{MSP: Manufacturer, Name: "Acme Pharmaceuticals", Role: chaincode.RoleManufacturer, KeyRole: auth.Manufacturer,
			GLN: "0312345000011", CompanyPrefixes: []string{CompanyPrefix}, Licensed: true,
			Address: "100 Formula Way, Princeton, NJ 08540, US"},
		{MSP: Wholesaler, Name: "Northwind Drug Distribution", Role: chaincode.RoleWholesaler, KeyRole: auth.Wholesaler,
			GLN: "0614141000012", CompanyPrefixes: []string{"0614141"}, Licensed: true,
			Address: "2 Depot Road, Columbus, OH 43215, US"},
		{MSP: Pharmacy, Name: "Corner Street Pharmacy", Role: chaincode.RoleDispenser, KeyRole: auth.Dispenser,
			GLN: "0861234000019", Licensed: true,
			Address: "31 Corner Street, Springfield, IL 62701, US"},
		{MSP: Regulator, Name: "Drug Supply Chain Regulator", Role: chaincode.RoleRegulator, KeyRole: auth.Regulator,
			GLN: "0869999000015"},
	}
}

// OrgByMSP returns the demo organisation with the given MSP ID.
func OrgByMSP(msp string) (Org, bool) {
	for _, o := range Orgs() {
		if o.MSP == msp {
			return o, true
		}
	}
	return Org{}, false
}

// LicenceValidity is how long the licences of a newly written partner record
// are valid; a record whose licences end within LicenceRenewal is renewed.
const (
	LicenceValidity = 365 * 24 * time.Hour
	LicenceRenewal  = 30 * 24 * time.Hour
)

// partner returns org's partner record with licences valid until end.
func (o Org) partner(end time.Time) chaincode.Partner {
	p := chaincode.Partner{ID: o.MSP, Name: o.Name, Roles: []chaincode.Role{o.Role}, GLNs: []string{o.GLN},
		CompanyPrefixes: o.CompanyPrefixes}
	if o.Licensed {
		p.Licenses = []chaincode.License{{Authority: "FDA", Number: "DEMO-" + o.MSP, Expiry: end.UTC().Truncate(time.Second)}}
	}
	return p
}

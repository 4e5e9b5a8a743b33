package partners

import (
	"fmt"
	"time"

	"rxledger/chaincode"
	"rxledger/services/platform/problem"
)

// recordBody is the body of PUT /partners/{mspId}: what the organisation
// says of itself. The MSP ID is the path's; the attested set is the
// regulator's (an id, attested or updated field is refused as unknown).
type recordBody struct {
	Name            string           `json:"name"`
	Roles           []chaincode.Role `json:"roles"`
	GLNs            []string         `json:"glns"`
	CompanyPrefixes []string         `json:"companyPrefixes"`
	Licenses        []licenceBody    `json:"licenses"`
}

// attestationBody is the body of PUT /partners/{mspId}/attestation: what
// the regulator vouches for, replacing its previous attestation whole.
type attestationBody struct {
	Roles           []chaincode.Role `json:"roles"`
	Licenses        []licenceBody    `json:"licenses"`
	CompanyPrefixes []string         `json:"companyPrefixes"`
	GLNs            []string         `json:"glns"`
}

// licenceBody is a licence as sent: its expiry is decoded here, so that a
// bad one is refused at its place (encoding/json says nothing of where a
// time fails to parse).
type licenceBody struct {
	Authority string `json:"authority"`
	Number    string `json:"number"`
	// Expiry is an RFC 3339 time. Left out, the chaincode refuses the
	// licence (partner-license-invalid).
	Expiry string `json:"expiry"`
}

func (b *recordBody) partner(msp string) (chaincode.Partner, error) {
	lic, err := licences(b.Licenses)
	if err != nil {
		return chaincode.Partner{}, err
	}
	return chaincode.Partner{ID: msp, Name: b.Name, Roles: b.Roles, GLNs: b.GLNs, CompanyPrefixes: b.CompanyPrefixes, Licenses: lic}, nil
}

func (b *attestationBody) attestation() (chaincode.Attestation, error) {
	lic, err := licences(b.Licenses)
	if err != nil {
		return chaincode.Attestation{}, err
	}
	return chaincode.Attestation{Roles: b.Roles, Licenses: lic, CompanyPrefixes: b.CompanyPrefixes, GLNs: b.GLNs}, nil
}

func (b *recordBody) lists() lists {
	return lists{roles: b.Roles, glns: b.GLNs, prefixes: b.CompanyPrefixes}
}

func (b *attestationBody) lists() lists {
	return lists{roles: b.Roles, glns: b.GLNs, prefixes: b.CompanyPrefixes}
}

// licences decodes the licences of a body.
func licences(in []licenceBody) ([]chaincode.License, error) {
	out := make([]chaincode.License, len(in))
	for i, l := range in {
		out[i] = chaincode.License{Authority: l.Authority, Number: l.Number}
		if l.Expiry == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, l.Expiry)
		if err != nil {
			return nil, problem.New(problem.Invalid, "licence expiry %q is not an RFC 3339 time such as 2027-06-30T00:00:00Z", l.Expiry).
				At(problem.Location{Field: fmt.Sprintf("licenses[%d].expiry", i)})
		}
		out[i].Expiry = t
	}
	return out, nil
}

package partners

import (
	"fmt"
	"net/url"
	"slices"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// ruleFields are the body fields the chaincode's refusals of a partner
// record or an attestation concern, by rule. The ledger has already given
// each refusal its problem code and detail (the embedded and Fabric
// adapters map the RuleError's code); this says where it is.
var ruleFields = problem.RuleFields{
	"partner-name-required":   "name",
	"partner-name-invalid":    "name",
	"partner-role-required":   "roles",
	"partner-role-unknown":    "roles",
	"regulator-role-reserved": "roles",
	"partner-gln-invalid":     "glns",
	"partner-prefix-invalid":  "companyPrefixes",
	"partner-license-invalid": "licenses",
	"gln-attested":            "glns",
	"company-prefix-attested": "companyPrefixes",
}

// lists are the lists of a body, to place a refusal in them.
type lists struct {
	roles          []chaincode.Role
	glns, prefixes []string
}

// located returns err, a failed submission about partner msp, with where in
// the body the chaincode's refusal is: the field of its rule, with the
// index of the value it names (a GLN or prefix attested to another
// organisation) or, for a value listed twice, every list that repeats one.
// Errors that are not a chaincode refusal about the body are returned as
// they are.
func located(err error, in lists, msp string) error {
	pe, ok := problem.Refusal(err)
	if !ok {
		return err
	}
	switch pe.Rule {
	case "unknown-partner":
		// The chaincode's detail names its own function.
		return &problem.Error{Code: pe.Code, Err: pe.Err, Rule: pe.Rule,
			Detail: fmt.Sprintf("no partner record for %s: the organisation writes it first with PUT /partners/%s", msp, url.PathEscape(msp))}
	case "partner-duplicate":
		var where []problem.Location
		for _, l := range []struct {
			field string
			dup   bool
		}{{"roles", repeats(in.roles)}, {"glns", repeats(in.glns)}, {"companyPrefixes", repeats(in.prefixes)}} {
			if l.dup {
				where = append(where, problem.Location{Field: l.field})
			}
		}
		return pe.At(where...)
	}
	_, field, ok := ruleFields.Field(err)
	if !ok {
		return err
	}
	list := map[string][]string{"glns": in.glns, "companyPrefixes": in.prefixes}[field]
	if re, ok := ledger.RefusalOf(err); ok && re.EPC != "" {
		if i := slices.Index(list, re.EPC); i >= 0 {
			field = fmt.Sprintf("%s[%d]", field, i)
		}
	}
	return pe.At(problem.Location{Field: field})
}

// repeats reports whether a value is listed twice.
func repeats[T comparable](v []T) bool {
	seen := make(map[T]bool, len(v))
	for _, x := range v {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

package chaincode

import (
	"encoding/json"
	"fmt"
	"slices"
)

// attestPartner records what a regulator vouches for about an organisation:
// its current licences, GS1 company prefixes and GLNs. The attestation
// replaces the previous one (an empty licence list revokes the organisation's
// ATP status); only attested prefixes and GLNs are indexed, and one attested
// to another organisation is refused.
func attestPartner(tx *txn, args []string) ([]byte, error) {
	if !tx.isRegulator(tx.caller) {
		return nil, refuse(CodeForbidden, "regulator-only", "", tx.caller+" is not a configured regulator and may not attest partners")
	}
	msp := args[0]
	var a Attestation
	if err := json.Unmarshal([]byte(args[1]), &a); err != nil {
		return nil, refuse(CodeInvalid, "attestation-decode", "", "attestation is not valid JSON: "+err.Error())
	}
	if err := validateCredentials(a.GLNs, a.CompanyPrefixes, a.Licenses); err != nil {
		return nil, err
	}
	if err := tx.validateRoles(msp, a.Roles, "an attestation"); err != nil {
		return nil, err
	}
	old, err := tx.partner(msp)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, refuse(CodeNotFound, "unknown-partner", "", "no partner record for "+msp+" (it writes one with PutPartner first)")
	}
	prev := old.Attested
	if prev == nil {
		// Before its first attestation a record's claims may still have
		// index entries written by an earlier version of this chaincode,
		// which indexed claims: they are replaced like an attestation.
		prev = &Attestation{GLNs: old.GLNs, CompanyPrefixes: old.CompanyPrefixes}
	}
	if err := tx.index(glnKey, "gln", msp, prev.GLNs, a.GLNs); err != nil {
		return nil, err
	}
	for _, c := range a.CompanyPrefixes {
		if err := tx.prefixFree(c, msp); err != nil {
			return nil, err
		}
	}
	if err := tx.index(prefixKey, "company-prefix", msp, prev.CompanyPrefixes, a.CompanyPrefixes); err != nil {
		return nil, err
	}
	if a.GLNs == nil {
		a.GLNs = []string{}
	}
	if a.CompanyPrefixes == nil {
		a.CompanyPrefixes = []string{}
	}
	if a.Licenses == nil {
		a.Licenses = []License{}
	}
	a.By = tx.caller
	a.Updated = tx.now
	p := *old
	p.Attested = &a
	return tx.writePartner(FnAttestPartner, &p)
}

// index writes owner's index entries for the values newly attested and
// deletes owner's entries of those no longer attested, refusing values
// attested to another organisation.
func (tx *txn) index(key func(string) string, what, owner string, old, now []string) error {
	for _, v := range now {
		raw, err := tx.st.GetState(key(v))
		if err != nil {
			return fmt.Errorf("read %s index: %w", what, err)
		}
		if raw != nil && string(raw) != owner {
			return refuse(CodeConflict, what+"-attested", v, fmt.Sprintf("%s %s is attested to %s", what, v, raw))
		}
		if raw == nil {
			tx.puts = append(tx.puts, put{key(v), []byte(owner)})
		}
	}
	for _, v := range old {
		if slices.Contains(now, v) {
			continue
		}
		raw, err := tx.st.GetState(key(v))
		if err != nil {
			return fmt.Errorf("read %s index: %w", what, err)
		}
		if string(raw) == owner {
			tx.puts = append(tx.puts, put{key: key(v)})
		}
	}
	return nil
}

// prefixFree refuses a company prefix that overlaps one attested to another
// organisation: one a prefix of the other would let it commission the
// other's GTINs. GS1 allocates non-overlapping prefixes, so a real owner is
// never refused.
func (tx *txn) prefixFree(c, owner string) error {
	taken := func(o []byte, other string) error {
		if o != nil && string(o) != owner {
			return refuse(CodeConflict, "company-prefix-attested", c, fmt.Sprintf("company prefix %s overlaps %s of %s", c, other, o))
		}
		return nil
	}
	for n := 6; n < len(c); n++ {
		o, err := tx.st.GetState(prefixKey(c[:n]))
		if err != nil {
			return fmt.Errorf("read company prefix index: %w", err)
		}
		if err := taken(o, c[:n]); err != nil {
			return err
		}
	}
	start := prefixKey(c)
	return tx.st.Range(start, start+keyEnd, func(key string, o []byte) (bool, error) {
		return true, taken(o, key[len("gcp~"):])
	})
}

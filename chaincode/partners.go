package chaincode

import (
	"encoding/json"
	"fmt"
	"slices"
)

// putPartner writes the caller's own record and the GLN and company prefix
// indexes. A GLN or prefix another organisation already claims is refused;
// the first claim wins (records are self-asserted; ATP status comes from the
// licence expiry only).
func putPartner(tx *txn, args []string) ([]byte, error) {
	var p Partner
	if err := json.Unmarshal([]byte(args[0]), &p); err != nil {
		return nil, refuse(CodeInvalid, "partner-decode", "", "partner record is not valid JSON: "+err.Error())
	}
	if p.ID == "" {
		p.ID = tx.caller
	}
	if p.ID != tx.caller {
		return nil, refuse(CodeForbidden, "own-record-only", "", fmt.Sprintf("%s may not write the record of %s", tx.caller, p.ID))
	}
	if err := tx.validatePartner(&p); err != nil {
		return nil, err
	}
	old, err := tx.partner(p.ID)
	if err != nil {
		return nil, err
	}
	if err := tx.claim(glnKey, "gln", old.glns(), p.GLNs); err != nil {
		return nil, err
	}
	for _, c := range p.CompanyPrefixes {
		if err := tx.prefixFree(c); err != nil {
			return nil, err
		}
	}
	if err := tx.claim(prefixKey, "company-prefix", old.prefixes(), p.CompanyPrefixes); err != nil {
		return nil, err
	}
	p.Updated = tx.now
	raw, err := json.Marshal(&p)
	if err != nil {
		return nil, fmt.Errorf("encode partner: %w", err)
	}
	tx.puts = append(tx.puts, put{partnerKey(p.ID), raw})
	tx.ev.Partners = append(tx.ev.Partners, raw)
	if err := tx.commit(FnPutPartner); err != nil {
		return nil, err
	}
	return raw, nil
}

func (p *Partner) glns() []string {
	if p == nil {
		return nil
	}
	return p.GLNs
}

func (p *Partner) prefixes() []string {
	if p == nil {
		return nil
	}
	return p.CompanyPrefixes
}

// claim writes index entries for the values newly listed and deletes those
// no longer listed, refusing values owned by another organisation.
func (tx *txn) claim(key func(string) string, what string, old, now []string) error {
	for _, v := range now {
		raw, err := tx.st.GetState(key(v))
		if err != nil {
			return fmt.Errorf("read %s index: %w", what, err)
		}
		if raw != nil && string(raw) != tx.caller {
			return refuse(CodeForbidden, what+"-claimed", v, fmt.Sprintf("%s %s belongs to %s", what, v, raw))
		}
		if raw == nil {
			tx.puts = append(tx.puts, put{key(v), []byte(tx.caller)})
		}
	}
	for _, v := range old {
		if !slices.Contains(now, v) {
			tx.puts = append(tx.puts, put{key: key(v)})
		}
	}
	return nil
}

// prefixFree refuses a company prefix that overlaps another organisation's:
// one a prefix of the other would let it commission the other's GTINs.
// GS1 allocates non-overlapping prefixes, so a real owner is never refused.
func (tx *txn) prefixFree(c string) error {
	taken := func(owner []byte, other string) error {
		if owner != nil && string(owner) != tx.caller {
			return refuse(CodeForbidden, "company-prefix-claimed", c, fmt.Sprintf("company prefix %s overlaps %s of %s", c, other, owner))
		}
		return nil
	}
	for n := 6; n < len(c); n++ {
		owner, err := tx.st.GetState(prefixKey(c[:n]))
		if err != nil {
			return fmt.Errorf("read company prefix index: %w", err)
		}
		if err := taken(owner, c[:n]); err != nil {
			return err
		}
	}
	start := prefixKey(c)
	return tx.st.Range(start, start+keyEnd, func(key string, owner []byte) (bool, error) {
		return true, taken(owner, key[len("gcp~"):])
	})
}

func (tx *txn) validatePartner(p *Partner) error {
	bad := func(rule, detail string) error { return refuse(CodeInvalid, rule, "", detail) }
	if p.Name == "" {
		return bad("partner-name-required", "a partner record needs a name")
	}
	if len(p.Roles) == 0 {
		return bad("partner-role-required", "a partner record needs at least one role")
	}
	for _, r := range p.Roles {
		if !r.valid() {
			return bad("partner-role-unknown", fmt.Sprintf("unknown role %q", r))
		}
		if r == RoleRegulator && !tx.isRegulator(p.ID) {
			return refuse(CodeForbidden, "regulator-role-reserved", "", p.ID+" is not a configured regulator")
		}
	}
	if hasDuplicates(p.GLNs) || hasDuplicates(p.CompanyPrefixes) {
		return bad("partner-duplicate", "GLNs and company prefixes must be listed once")
	}
	for _, g := range p.GLNs {
		if len(g) != 13 || !validCheckDigit(g) {
			return bad("partner-gln-invalid", fmt.Sprintf("%q is not a 13-digit GLN", g))
		}
	}
	for _, c := range p.CompanyPrefixes {
		if len(c) < 6 || len(c) > 12 || !digits(c) {
			return bad("partner-prefix-invalid", fmt.Sprintf("%q is not a GS1 company prefix (6 to 12 digits)", c))
		}
	}
	for _, l := range p.Licenses {
		if l.Authority == "" || l.Number == "" || l.Expiry.IsZero() {
			return bad("partner-license-invalid", "a licence needs authority, number and expiry")
		}
	}
	if p.GLNs == nil {
		p.GLNs = []string{}
	}
	if p.CompanyPrefixes == nil {
		p.CompanyPrefixes = []string{}
	}
	if p.Licenses == nil {
		p.Licenses = []License{}
	}
	return nil
}

func hasDuplicates(v []string) bool {
	s := slices.Clone(v)
	slices.Sort(s)
	return len(slices.Compact(s)) != len(v)
}

// readPartner reads a partner record; nil when absent.
func readPartner(st State, msp string) (*Partner, error) {
	raw, err := st.GetState(partnerKey(msp))
	if err != nil {
		return nil, fmt.Errorf("read partner %s: %w", msp, err)
	}
	if raw == nil {
		return nil, nil
	}
	p, err := partnerCache.decode(raw)
	if err != nil {
		return nil, fmt.Errorf("decode partner %s: %w", msp, err)
	}
	return p, nil
}

func readPartnerQuery(tx *txn, args []string) ([]byte, error) {
	p, err := tx.partner(args[0])
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, refuse(CodeNotFound, "unknown-partner", "", "no partner record for "+args[0])
	}
	return json.Marshal(p)
}

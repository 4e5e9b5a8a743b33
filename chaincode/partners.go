package chaincode

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// putPartner writes the caller's own record: name, roles and the GLNs,
// company prefixes and licences it claims. Claims grant nothing: only a
// regulator's attestation (AttestPartner) indexes GLNs and prefixes and makes
// licences count, and the attestation of the previous record is kept as is.
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
	p.Attested = nil
	if old != nil {
		p.Attested = old.Attested
	}
	p.Updated = tx.now
	return tx.writePartner(FnPutPartner, &p)
}

// writePartner stores p, adds it to the transaction's event and commits.
func (tx *txn) writePartner(function string, p *Partner) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode partner: %w", err)
	}
	tx.puts = append(tx.puts, put{partnerKey(p.ID), raw})
	tx.ev.Partners = append(tx.ev.Partners, raw)
	if err := tx.commit(function); err != nil {
		return nil, err
	}
	return raw, nil
}

func (tx *txn) validatePartner(p *Partner) error {
	bad := func(rule, detail string) error { return refuse(CodeInvalid, rule, "", detail) }
	if p.Name == "" {
		return bad("partner-name-required", "a partner record needs a name")
	}
	if !PlainText(p.Name, maxPartnerText) {
		return bad("partner-name-invalid", fmt.Sprintf("the name must be at most %d characters of text, without control or direction-formatting characters", maxPartnerText))
	}
	if err := tx.validateRoles(p.ID, p.Roles, "a partner record"); err != nil {
		return err
	}
	if err := validateCredentials(p.GLNs, p.CompanyPrefixes, p.Licenses); err != nil {
		return err
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

// validateRoles checks the roles of msp's partner record or attestation
// (what): at least one, each known and listed once, and the regulator role
// only for a configured regulator.
func (tx *txn) validateRoles(msp string, roles []Role, what string) error {
	if len(roles) == 0 {
		return refuse(CodeInvalid, "partner-role-required", "", what+" needs at least one role")
	}
	for i, r := range roles {
		if !r.valid() {
			return refuse(CodeInvalid, "partner-role-unknown", "", fmt.Sprintf("unknown role %q", r))
		}
		if slices.Contains(roles[:i], r) {
			return refuse(CodeInvalid, "partner-duplicate", "", fmt.Sprintf("role %q is listed twice", r))
		}
		if r == RoleRegulator && !tx.isRegulator(msp) {
			return refuse(CodeForbidden, "regulator-role-reserved", "", msp+" is not a configured regulator")
		}
	}
	return nil
}

// validateCredentials checks the form of GLNs, company prefixes and
// licences, claimed or attested.
func validateCredentials(glns, prefixes []string, licences []License) error {
	bad := func(rule, detail string) error { return refuse(CodeInvalid, rule, "", detail) }
	if hasDuplicates(glns) || hasDuplicates(prefixes) {
		return bad("partner-duplicate", "GLNs and company prefixes must be listed once")
	}
	for _, g := range glns {
		if len(g) != 13 || !validCheckDigit(g) {
			return bad("partner-gln-invalid", fmt.Sprintf("%q is not a 13-digit GLN", g))
		}
	}
	for _, c := range prefixes {
		if len(c) < 6 || len(c) > 12 || !digits(c) {
			return bad("partner-prefix-invalid", fmt.Sprintf("%q is not a GS1 company prefix (6 to 12 digits)", c))
		}
	}
	for _, l := range licences {
		if l.Authority == "" || l.Number == "" || l.Expiry.IsZero() {
			return bad("partner-license-invalid", "a licence needs authority, number and expiry")
		}
		if !PlainText(l.Authority, maxPartnerText) || !PlainText(l.Number, maxPartnerText) {
			return bad("partner-license-invalid", fmt.Sprintf("a licence's authority and number must be at most %d characters of text, without control or direction-formatting characters", maxPartnerText))
		}
	}
	return nil
}

// maxPartnerText bounds the free text of a partner record (its name, a
// licence's authority and number).
const maxPartnerText = 200

// PlainText reports whether s is valid UTF-8 of at most max characters
// without control characters or the invisible characters that reorder or
// hide text (bidirectional overrides, zero-width marks): a partner's name is
// shown to every other partner, and must read as what it is. Exported for
// services that check such text before they submit it.
func PlainText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
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

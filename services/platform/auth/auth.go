// Package auth authenticates callers of rxledger's HTTP services by API key and
// says what they may do.
//
// An API key reads rxl_<id>_<secret>: id (16 hex digits) names the key so it
// is found with one map lookup, secret (52 base32 characters, 256 random bits)
// proves possession. The store keeps only the SHA-256 of the secret and
// compares it in constant time.
//
// Why SHA-256 and not bcrypt or argon2: slow, salted hashes exist to make
// guessing low-entropy human passwords expensive after a leak of the hashes.
// A 256-bit random secret cannot be guessed however fast the hash is, so a
// slow hash would add no protection, only tens of milliseconds of CPU to every
// request, which the verification path (thousands of requests per second)
// cannot afford. A key is bound to one organisation (its Fabric MSP ID) and
// one role.
package auth

import (
	"context"
	"fmt"
	"slices"

	"rxledger/services/platform/problem"
)

// Role is what a key's holder is in the supply chain; it decides which
// actions the services allow.
type Role string

// The roles of DSCSA trading partners, and the regulator.
const (
	Manufacturer Role = "manufacturer"
	Repackager   Role = "repackager"
	Wholesaler   Role = "wholesaler"
	ThirdParty   Role = "3pl" // third-party logistics provider
	Dispenser    Role = "dispenser"
	Regulator    Role = "regulator"
)

// Roles lists every role.
func Roles() []Role {
	return []Role{Manufacturer, Repackager, Wholesaler, ThirdParty, Dispenser, Regulator}
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles(), r) {
		return "", fmt.Errorf("role %q: want one of %v", s, Roles())
	}
	return r, nil
}

// Principal is the authenticated caller.
type Principal struct {
	KeyID string `json:"keyId"`
	Org   string `json:"org"`  // Fabric MSP ID, e.g. ManufacturerMSP
	Role  Role   `json:"role"` // what the organisation is
	GLN   string `json:"gln,omitempty"`
	Label string `json:"label,omitempty"` // who holds the key, for logs
}

// Is reports whether the principal has one of the roles.
func (p Principal) Is(roles ...Role) bool { return slices.Contains(roles, p.Role) }

// RegulatorOf reports whether p has a regulator's view: a regulator-role
// key of one of the configured regulator organisations (nil: any, when the
// chaincode alone decides). A regulator-role key issued by mistake to a
// trading partner does not open what only regulators see.
func (p Principal) RegulatorOf(regulators []string) bool {
	return p.Role == Regulator && (regulators == nil || slices.Contains(regulators, p.Org))
}

// CheckOrgRole refuses a key of a regulator organisation (one of
// regulators) with another role than regulator. A regulator's organisation
// acts only as regulator: the ledger knows organisations, not keys, so its
// key of a trading partner's role would still read and move for the
// regulator (every event and T3, its investigation moves) while the
// services took it for a trading partner (a capture, a return). The key
// store applies it when it issues a key and when it authenticates one
// (Store.SetRegulators).
func CheckOrgRole(org string, role Role, regulators []string) error {
	if role != Regulator && slices.Contains(regulators, org) {
		return problem.New(problem.Forbidden,
			"%s is a regulator: it acts only as regulator, with keys of the regulator role, not the %s role", org, role)
	}
	return nil
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return withPrincipal(ctx, &p)
}

// withPrincipal puts p, which nobody modifies, into ctx without a copy.
func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal ctx carries, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	if !ok {
		return Principal{}, false
	}
	return *p, true
}

package embedded

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Consortium is the set of organisations of an embedded ledger and how they
// identify themselves: the embedded counterpart of a Fabric channel's MSP
// definitions. Its file format is documented in deploy/consortium/README.md.
// Roles and company prefixes are informational: the chaincode's partner
// records are authoritative for what an organisation may do.
type Consortium struct {
	// Name names the consortium (or channel) in logs and in the genesis block.
	Name string `json:"name"`
	// Organizations lists the member organisations.
	Organizations []Organization `json:"organizations"`
}

// Organization is one member.
type Organization struct {
	// MSPID is the organisation's ID, the same in embedded and Fabric mode.
	MSPID string `json:"mspId"`
	// Name is a display name.
	Name string `json:"name"`
	// Roles are the organisation's DSCSA roles (see Roles).
	Roles []string `json:"roles"`
	// GS1CompanyPrefixes are the GS1 company prefixes it owns, if any.
	GS1CompanyPrefixes []string `json:"gs1CompanyPrefixes,omitempty"`
	// Identities are the names of the client identities (users or
	// services) that act for the organisation. The embedded ledger trusts its
	// own process, so they are labels for logs and audit, not credentials.
	Identities []string `json:"identities,omitempty"`
	// PublicKey, when set, is the organisation's ed25519 public key
	// (standard base64 of its 32 bytes). Its transactions must then be
	// signed with the matching private key (Options.Signers), and verify
	// checks every signature.
	PublicKey string `json:"publicKey,omitempty"`
}

// key decodes the organisation's public key; nil when it has none.
func (o Organization) key() (ed25519.PublicKey, error) {
	if o.PublicKey == "" {
		return nil, nil
	}
	raw, err := base64.StdEncoding.DecodeString(o.PublicKey)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("publicKey: want the standard base64 of a %d-byte ed25519 key", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// Roles are the DSCSA roles a consortium file may name.
var Roles = []string{"manufacturer", "repackager", "wholesaler", "dispenser", "3PL", "regulator"}

var (
	mspIDPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	prefixPattern = regexp.MustCompile(`^[0-9]{6,12}$`)
)

// LoadConsortium reads and validates a consortium file.
func LoadConsortium(path string) (*Consortium, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read consortium: %w", err)
	}
	c, err := ParseConsortium(raw)
	if err != nil {
		return nil, fmt.Errorf("consortium %s: %w", path, err)
	}
	return c, nil
}

// ParseConsortium decodes and validates a consortium document. Unknown
// fields are errors, so a misspelt field is not silently ignored.
func ParseConsortium(raw []byte) (*Consortium, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c Consortium
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode consortium: %s: %w", where(raw, err), err)
	}
	if dec.More() {
		return nil, errors.New("decode consortium: trailing data after the document")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks the consortium: a name, at least one organisation, unique
// well-formed MSP IDs, known roles and well-formed company prefixes.
func (c *Consortium) Validate() error {
	if c.Name == "" {
		return errors.New("consortium: name is required")
	}
	if len(c.Organizations) == 0 {
		return errors.New("consortium: at least one organization is required")
	}
	seen := make(map[string]bool, len(c.Organizations))
	for i, o := range c.Organizations {
		if !mspIDPattern.MatchString(o.MSPID) {
			return fmt.Errorf("consortium: organizations[%d].mspId %q: want letters, digits, '.', '_' or '-'", i, o.MSPID)
		}
		if seen[o.MSPID] {
			return fmt.Errorf("consortium: organizations[%d].mspId %q: duplicate", i, o.MSPID)
		}
		seen[o.MSPID] = true
		if o.Name == "" {
			return fmt.Errorf("consortium: organizations[%d] (%s): name is required", i, o.MSPID)
		}
		if len(o.Roles) == 0 {
			return fmt.Errorf("consortium: organizations[%d] (%s): at least one role is required", i, o.MSPID)
		}
		for _, r := range o.Roles {
			if !knownRole(r) {
				return fmt.Errorf("consortium: organizations[%d] (%s): unknown role %q (known: %v)", i, o.MSPID, r, Roles)
			}
		}
		if _, err := o.key(); err != nil {
			return fmt.Errorf("consortium: organizations[%d] (%s): %w", i, o.MSPID, err)
		}
		for _, p := range o.GS1CompanyPrefixes {
			if !prefixPattern.MatchString(p) {
				return fmt.Errorf("consortium: organizations[%d] (%s): gs1CompanyPrefix %q: want 6 to 12 digits", i, o.MSPID, p)
			}
		}
	}
	return nil
}

func knownRole(r string) bool {
	for _, k := range Roles {
		if k == r {
			return true
		}
	}
	return false
}

// Org returns the organisation with the MSP ID, if it is a member.
func (c *Consortium) Org(mspID string) (Organization, bool) {
	for _, o := range c.Organizations {
		if o.MSPID == mspID {
			return o, true
		}
	}
	return Organization{}, false
}

// canonical is the consortium's deterministic encoding, recorded in the
// genesis block.
func (c *Consortium) canonical() []byte {
	b, err := json.Marshal(c)
	if err != nil {
		// A struct of strings and slices of strings always marshals.
		panic(fmt.Sprintf("marshal consortium: %v", err))
	}
	return b
}

// where says where in raw a decoding error is, as "line L, column C"
// (1-based, columns in bytes): at the offending byte of a syntax error, the
// end of a value of the wrong type, the key of an unknown field, the end of
// a document cut short.
func where(raw []byte, err error) string {
	off := -1
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		off = int(syntax.Offset) - 1
	case errors.As(err, &typ):
		off = int(typ.Offset) - 1
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = len(raw)
	default:
		// encoding/json names an unknown field without its place: find
		// the first key of that name.
		if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
			key := regexp.MustCompile(`"` + regexp.QuoteMeta(strings.TrimSuffix(name, `"`)) + `"\s*:`)
			if loc := key.FindIndex(raw); loc != nil {
				off = loc[0]
			}
		}
	}
	if off < 0 || off > len(raw) {
		return "at an unknown place"
	}
	line := 1 + bytes.Count(raw[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(raw[:off], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

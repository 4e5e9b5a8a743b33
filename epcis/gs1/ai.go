package gs1

//go:generate go run ./internal/aigen -dict ../../../shared/testdata/gs1-syntax-dictionary/gs1-syntax-dictionary.txt -iso /usr/share/iso-codes/json -out ai_table_gen.go

// AIDef describes one GS1 Application Identifier as the GS1 Barcode Syntax
// Dictionary defines it. The table of them is generated (ai_table_gen.go).
type AIDef struct {
	// AI is the identifier, 2 to 4 digits ("01", "3103", "8010").
	AI string
	// Title is the dictionary's short data title ("GTIN", "BATCH/LOT").
	Title string
	// Predefined is set for AIs of a predefined length that need no FNC1
	// separator after them in a barcode.
	Predefined bool
	// DLAttribute is set for AIs allowed as Digital Link data attributes
	// (query parameters).
	DLAttribute bool
	// DLPrimaryKey is set for Digital Link primary keys.
	DLPrimaryKey bool
	// Components splits the data field into parts, each with a character
	// set, a length and linters.
	Components []Component
	// Requires lists association rules that must all hold: each rule is a set
	// of alternatives, each alternative a set of AI patterns that must all be
	// present ("n" in a pattern matches any digit).
	Requires [][][]string
	// Excludes lists AI patterns that must not appear alongside this AI.
	Excludes []string
	// DLQualifiers lists, for a primary key, the alternative sequences of key
	// qualifier AIs, each in the order they must appear in a Digital Link.
	DLQualifiers [][]string
}

// Component is one part of an AI's data field.
type Component struct {
	// Type is the character set: 'N' digits, 'X' GS1 character set 82, 'Y'
	// character set 39, 'Z' file-safe base64.
	Type byte
	// Min and Max bound the length of the component.
	Min, Max int
	// Optional components may be left out at the end of the data.
	Optional bool
	// Linters check the component's content beyond its character set.
	Linters []Linter
}

// Linter is a named content check of the GS1 Barcode Syntax Tests.
type Linter struct {
	// Name is the dictionary's linter name ("csum", "yymmd0").
	Name  string
	check lintFunc
}

// MinLength returns the shortest valid data length of the AI.
func (d *AIDef) MinLength() int {
	n := 0
	for _, c := range d.Components {
		if !c.Optional {
			n += c.Min
		}
	}
	return n
}

// MaxLength returns the longest valid data length of the AI.
func (d *AIDef) MaxLength() int {
	n := 0
	for _, c := range d.Components {
		n += c.Max
	}
	return n
}

// aiIndex maps an AI to its position in aiTable.
var aiIndex = func() map[string]int {
	m := make(map[string]int, len(aiTable))
	for i := range aiTable {
		m[aiTable[i].AI] = i
	}
	return m
}()

// LookupAI returns the definition of an AI, or false if the dictionary does
// not define it.
func LookupAI(ai string) (*AIDef, bool) {
	i, ok := aiIndex[ai]
	if !ok {
		return nil, false
	}
	return &aiTable[i], true
}

// AIs returns the definitions of all known AIs in ascending order. The
// returned slice shares the package's table and must not be modified.
func AIs() []AIDef { return aiTable[:] }

// matchAIPrefix finds the AI at the start of s: the longest (2 to 4 digit)
// prefix of s that is a known AI.
func matchAIPrefix(s string) (*AIDef, bool) {
	for n := 2; n <= 4 && n <= len(s); n++ {
		if d, ok := LookupAI(s[:n]); ok {
			return d, true
		}
	}
	return nil, false
}

// ValidateValue checks an AI's data against the dictionary: length,
// character set of each component and its linters. On failure it returns a
// *ValueError whose Pos is the 0-based offset in value.
func (d *AIDef) ValidateValue(value string) error {
	if ve := d.validate(value); ve != nil {
		return ve
	}
	return nil
}

// validate is ValidateValue returning the concrete error type.
func (d *AIDef) validate(value string) *ValueError {
	if len(value) < d.MinLength() {
		return &ValueError{AI: d.AI, Pos: len(value), Code: "too_short", Msg: "data too short"}
	}
	if len(value) > d.MaxLength() {
		return &ValueError{AI: d.AI, Pos: d.MaxLength(), Code: "too_long", Msg: "data too long"}
	}
	pos := 0
	for i, c := range d.Components {
		if pos == len(value) && c.Optional {
			break
		}
		n := c.Max
		if rest := len(value) - pos; n > rest {
			n = rest
		}
		if n < c.Min {
			return &ValueError{AI: d.AI, Pos: len(value), Code: "too_short", Msg: "data too short"}
		}
		if i == len(d.Components)-1 && pos+n < len(value) {
			return &ValueError{AI: d.AI, Pos: pos + n, Code: "too_long", Msg: "data too long"}
		}
		part := value[pos : pos+n]
		if r := lintCharset(c.Type, part); !r.ok() {
			return r.valueError(d.AI, pos)
		}
		for _, l := range c.Linters {
			if r := l.check(part); !r.ok() {
				return r.valueError(d.AI, pos)
			}
		}
		pos += n
	}
	return nil
}

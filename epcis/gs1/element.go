package gs1

import "strings"

// GS is the ASCII group separator that stands for FNC1 between AI fields in
// scanner output.
const GS = '\x1d'

// Element is one AI and its data.
type Element struct {
	AI    string `json:"ai"`
	Value string `json:"value"`
}

// Def returns the dictionary definition of the element's AI, or nil if the
// AI is unknown.
func (e Element) Def() *AIDef {
	d, _ := LookupAI(e.AI)
	return d
}

// Title returns the dictionary's data title for the element's AI ("" if
// unknown).
func (e Element) Title() string {
	if d := e.Def(); d != nil {
		return d.Title
	}
	return ""
}

// needsSeparator reports whether an FNC1 separator must follow the AI's data
// when another element follows it.
func needsSeparator(ai string) bool {
	d, ok := LookupAI(ai)
	return !ok || !d.Predefined
}

// FormatElementString renders elements as an unbracketed GS1 element string
// as a barcode carries it: AI and data run together, with a GS byte after
// each variable-length field that is followed by another element. There is
// no leading FNC1.
func FormatElementString(elems []Element) string {
	var b strings.Builder
	for i, e := range elems {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if i < len(elems)-1 && needsSeparator(e.AI) {
			b.WriteByte(GS)
		}
	}
	return b.String()
}

// FormatBracketed renders elements in the human-readable form
// "(01)09504000059101(21)12345". A "(" inside data is written as "\(".
func FormatBracketed(elems []Element) string {
	var b strings.Builder
	for _, e := range elems {
		b.WriteByte('(')
		b.WriteString(e.AI)
		b.WriteByte(')')
		b.WriteString(strings.ReplaceAll(e.Value, "(", `\(`))
	}
	return b.String()
}

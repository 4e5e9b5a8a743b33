package gs1

// ValidateAssociations checks the rules that span several AIs of one
// barcode (GS1 General Specifications 4.14): an AI repeated with a different
// value, mutually exclusive AIs (the dictionary's "ex="), required companion
// AIs ("req="), and that a digital signature (8030) accompanies a serialised
// GDTI, GCN or GRAI. Errors are *ParseError naming the offending AI, with Pos
// set to its element index (not a byte offset).
func ValidateAssociations(elems []Element) error {
	if err := validateRepeats(elems); err != nil {
		return err
	}
	if err := validateMutex(elems); err != nil {
		return err
	}
	if err := validateRequisites(elems); err != nil {
		return err
	}
	return validateDigSigSerial(elems)
}

func validateRepeats(elems []Element) error {
	for i, e := range elems {
		for j := 0; j < i; j++ {
			if elems[j].AI == e.AI && elems[j].Value != e.Value {
				return &ParseError{AI: e.AI, Pos: i, Code: "repeated_ai_different_value", Msg: "AI repeated with a different value"}
			}
		}
	}
	return nil
}

// aiMatches reports whether ai matches a dictionary pattern, where "n"
// matches any digit ("310n", "31nn").
func aiMatches(pattern, ai string) bool {
	if len(pattern) != len(ai) {
		return false
	}
	for i := 0; i < len(ai); i++ {
		if pattern[i] != 'n' && pattern[i] != ai[i] {
			return false
		}
	}
	return true
}

func validateMutex(elems []Element) error {
	for i, e := range elems {
		d, ok := LookupAI(e.AI)
		if !ok {
			continue
		}
		for _, pat := range d.Excludes {
			for _, o := range elems {
				if o.AI != e.AI && aiMatches(pat, o.AI) {
					return &ParseError{AI: e.AI, Pos: i, Code: "mutually_exclusive_ais", Msg: "(" + e.AI + ") may not appear with (" + o.AI + ")"}
				}
			}
		}
	}
	return nil
}

// present reports whether an element's AI matches pattern.
func present(elems []Element, pattern string) bool {
	for _, e := range elems {
		if aiMatches(pattern, e.AI) {
			return true
		}
	}
	return false
}

func validateRequisites(elems []Element) error {
	for i, e := range elems {
		d, ok := LookupAI(e.AI)
		if !ok {
			continue
		}
	rules:
		for _, alts := range d.Requires {
			for _, group := range alts {
				all := true
				for _, pat := range group {
					if !present(elems, pat) {
						all = false
						break
					}
				}
				if all {
					continue rules
				}
			}
			return &ParseError{AI: e.AI, Pos: i, Code: "missing_required_ai", Msg: "(" + e.AI + ") requires " + describeAlternatives(alts)}
		}
	}
	return nil
}

// describeAlternatives renders req alternatives as "(01) or (02)+(37)".
func describeAlternatives(alts [][]string) string {
	s := ""
	for i, group := range alts {
		if i > 0 {
			s += " or "
		}
		for j, p := range group {
			if j > 0 {
				s += "+"
			}
			s += "(" + p + ")"
		}
	}
	return s
}

// serialisedLen gives, for keys whose serial component is optional, the
// length of the key without it.
var serialisedLen = map[string]int{"253": 13, "255": 13, "8003": 14}

func validateDigSigSerial(elems []Element) error {
	if !present(elems, "8030") {
		return nil
	}
	for i, e := range elems {
		if n, ok := serialisedLen[e.AI]; ok && len(e.Value) <= n {
			return &ParseError{AI: e.AI, Pos: i, Code: "digsig_requires_serialised_key", Msg: "a digital signature (8030) requires the serialised form of (" + e.AI + ")"}
		}
	}
	return nil
}

package gs1

import (
	"errors"
	"fmt"
	"strings"
)

// aiPair is one AI and its value as written (possibly %-escaped).
type aiPair struct {
	ai    string
	value string
}

// keySpec describes the value of a Digital Link key or key qualifier AI: an
// optional run of digits (with a check digit at its end when csum is set,
// starting with "0" when zeroFirst is set), then a tail of min..max
// characters from set.
type keySpec struct {
	digits    int
	csum      bool
	zeroFirst bool
	set       *charSet
	min, max  int
	// qualifiers lists the allowed qualifier sequences of a primary key, each
	// in the order they must appear; nil for a qualifier AI.
	qualifiers [][]string
	primary    bool
}

// keySpecs covers the GS1 Digital Link primary keys and key qualifiers of the
// GS1 Barcode Syntax Dictionary ("dlpkey" attribute).
var keySpecs = map[string]keySpec{
	"00":   {digits: 18, csum: true, primary: true},
	"01":   {digits: 14, csum: true, primary: true, qualifiers: [][]string{{"22", "10", "21"}, {"235"}}},
	"253":  {digits: 13, csum: true, set: cset82, max: 17, primary: true},
	"255":  {digits: 13, csum: true, set: cset10, max: 12, primary: true},
	"401":  {set: cset82, min: 1, max: 30, primary: true},
	"402":  {digits: 17, csum: true, primary: true},
	"414":  {digits: 13, csum: true, primary: true, qualifiers: [][]string{{"254"}, {"7040"}}},
	"415":  {digits: 13, csum: true, primary: true, qualifiers: [][]string{{"8020"}}},
	"417":  {digits: 13, csum: true, primary: true, qualifiers: [][]string{{"7040"}}},
	"8003": {digits: 14, csum: true, zeroFirst: true, set: cset82, max: 16, primary: true},
	"8004": {set: cset82, min: 1, max: 30, primary: true, qualifiers: [][]string{{"7040"}}},
	"8006": {digits: 18, primary: true, qualifiers: [][]string{{"22", "10", "21"}}},
	"8010": {set: cset39, min: 1, max: 30, primary: true, qualifiers: [][]string{{"8011"}}},
	"8013": {set: cset82, min: 1, max: 25, primary: true},
	"8017": {digits: 18, csum: true, primary: true, qualifiers: [][]string{{"8019"}}},
	"8018": {digits: 18, csum: true, primary: true, qualifiers: [][]string{{"8019"}}},
	"10":   {set: cset82, min: 1, max: 20},
	"21":   {set: cset82, min: 1, max: 20},
	"22":   {set: cset82, min: 1, max: 20},
	"235":  {set: cset82, min: 1, max: 28},
	"254":  {set: cset82, min: 1, max: 20},
	"7040": {set: cset82, min: 4, max: 4},
	"8011": {set: cset10, min: 1, max: 12},
	"8019": {set: cset10, min: 1, max: 10},
	"8020": {set: cset82, min: 1, max: 25},
}

// checkKeyValue validates the value of a key or key qualifier AI.
func checkKeyValue(ai, v string) error {
	spec, ok := keySpecs[ai]
	if !ok {
		return fmt.Errorf("(%s) is not a Digital Link key or key qualifier", ai)
	}
	if spec.digits > 0 {
		if len(v) < spec.digits || !isDigits(v[:spec.digits]) {
			return fmt.Errorf("(%s) %q must start with %d digits", ai, v, spec.digits)
		}
		if spec.zeroFirst && v[0] != '0' {
			return fmt.Errorf("(%s) %q must start with 0", ai, v)
		}
		if ai == "8006" {
			if !ValidCheckDigit(v[:14]) {
				return fmt.Errorf("(%s) %q: bad GTIN check digit", ai, v)
			}
		} else if spec.csum && !ValidCheckDigit(v[:spec.digits]) {
			return fmt.Errorf("(%s) %q: bad check digit", ai, v)
		}
		if spec.set == nil {
			if len(v) != spec.digits {
				return fmt.Errorf("(%s) %q must be %d digits", ai, v, spec.digits)
			}
			return nil
		}
		v = v[spec.digits:]
	}
	return checkValue("("+ai+")", v, spec.set, spec.min, spec.max)
}

// hasHTTPScheme reports whether s starts with "http://" or "https://" in any
// letter case.
func hasHTTPScheme(s string) bool {
	return hasPrefixFold(s, "https://") || hasPrefixFold(s, "http://")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// parseKeyPath finds the primary key and key qualifiers in the path of a
// Digital Link URI. The key is the first path segment naming a primary-key
// AI after which the remaining segments form AI/value pairs whose AIs are
// qualifiers of that key in a permitted order; anything before it is a
// path prefix. Query and fragment are ignored.
func parseKeyPath(uri string) ([]aiPair, error) {
	path, err := uriPath(uri)
	if err != nil {
		return nil, err
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var firstErr error
	for i := 0; i+1 < len(segs); i++ {
		spec, ok := keySpecs[segs[i]]
		if !ok || !spec.primary || (len(segs)-i)%2 != 0 {
			continue
		}
		pairs := make([]aiPair, 0, (len(segs)-i)/2)
		for j := i; j < len(segs); j += 2 {
			pairs = append(pairs, aiPair{ai: segs[j], value: segs[j+1]})
		}
		if err := checkQualifierOrder(spec, pairs); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, p := range pairs {
			if p.value == "" {
				return nil, fmt.Errorf("(%s) has an empty value", p.ai)
			}
		}
		return pairs, nil
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, fmt.Errorf("no GS1 primary key in path %q", path)
}

// checkQualifierOrder checks that the AIs after the primary key follow one of
// its permitted qualifier sequences, each at most once and in order.
func checkQualifierOrder(spec keySpec, pairs []aiPair) error {
	if len(pairs) == 1 {
		return nil
	}
	for _, seq := range spec.qualifiers {
		k := 0
		ok := true
		for _, p := range pairs[1:] {
			for k < len(seq) && seq[k] != p.ai {
				k++
			}
			if k == len(seq) {
				ok = false
				break
			}
			k++
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("(%s) does not take key qualifiers %s in that order", pairs[0].ai, qualifierList(pairs[1:]))
}

func qualifierList(pairs []aiPair) string {
	var sb strings.Builder
	for _, p := range pairs {
		sb.WriteString("(" + p.ai + ")")
	}
	return sb.String()
}

// uriPath checks the scheme and host of an http(s) URI and returns its path
// (without query or fragment).
func uriPath(uri string) (string, error) {
	var rest string
	switch {
	case hasPrefixFold(uri, "https://"):
		rest = uri[len("https://"):]
	case hasPrefixFold(uri, "http://"):
		rest = uri[len("http://"):]
	default:
		return "", errors.New("not an http or https URI")
	}
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c <= ' ' || c >= 0x7f {
			return "", fmt.Errorf("URI has a space, control or non-ASCII byte at offset %d", i)
		}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		return "", errors.New("URI has no path")
	}
	if end == 0 {
		return "", errors.New("URI has no host")
	}
	if rest[end] != '/' {
		return "", errors.New("URI has no path")
	}
	rest = rest[end:]
	if q := strings.IndexAny(rest, "?#"); q >= 0 {
		rest = rest[:q]
	}
	return rest, nil
}

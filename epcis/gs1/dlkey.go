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

// checkKeyValue validates the value of a key or key qualifier AI as written
// in an EPC URN or Digital Link path: %HH escapes are decoded (a "%" without
// two hex digits is a literal "%") and the result is checked against the
// dictionary.
func checkKeyValue(ai, v string) error {
	def, ok := LookupAI(ai)
	if !ok {
		return fmt.Errorf("(%s) is not a known AI", ai)
	}
	if ve := def.validate(UnescapeDLPath(v)); ve != nil {
		return fmt.Errorf("(%s) %q: %s", ai, v, ve.Msg)
	}
	return nil
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
		def, ok := LookupAI(segs[i])
		if !ok || !def.DLPrimaryKey || (len(segs)-i)%2 != 0 {
			continue
		}
		pairs := make([]aiPair, 0, (len(segs)-i)/2)
		for j := i; j < len(segs); j += 2 {
			pairs = append(pairs, aiPair{ai: segs[j], value: segs[j+1]})
		}
		if err := checkQualifierOrder(def, pairs); err != nil {
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
func checkQualifierOrder(def *AIDef, pairs []aiPair) error {
	if len(pairs) == 1 {
		return nil
	}
	for _, seq := range def.DLQualifiers {
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

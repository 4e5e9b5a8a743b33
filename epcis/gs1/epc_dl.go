package gs1

import (
	"errors"
	"fmt"
	"strings"
)

// DigitalLinkToEPC converts a GS1 Digital Link URI (any host, any path prefix
// before the primary key; query and fragment ignored) to the EPC URN of its
// identifier. companyPrefixLen (6..12) is the length of the GS1 Company Prefix
// inside the key, which a Digital Link does not carry.
//
// Key and qualifier combinations and their results:
//
//	/01/{gtin}/21/{serial}      urn:epc:id:sgtin (a /10/ lot and /22/ are dropped)
//	/01/{gtin}/235/{tpx}        urn:epc:id:upui
//	/01/{gtin}/10/{lot}         urn:epc:class:lgtin
//	/01/{gtin}                  urn:epc:idpat:sgtin:...*
//	/00/{sscc}                  urn:epc:id:sscc
//	/414/{gln}[/254/{ext}]      urn:epc:id:sgln (extension "0" without /254/)
//	/417/{gln}                  urn:epc:id:pgln
//	/8003/{grai}                urn:epc:id:grai, or idpat:grai without serial
//	/8004/{giai}                urn:epc:id:giai
//	/8017/, /8018/ {gsrn}       urn:epc:id:gsrnp, urn:epc:id:gsrn
//	/253/{gdti}                 urn:epc:id:gdti, or idpat:gdti without serial
//	/255/{gcn}                  urn:epc:id:sgcn, or idpat:sgcn without serial
//	/401/{ginc}                 urn:epc:id:ginc
//	/402/{gsin}                 urn:epc:id:gsin
//	/8006/{itip}[/21/{serial}]  urn:epc:id:itip, or idpat:itip without serial
//	/8010/{cpid}[/8011/{ser}]   urn:epc:id:cpi, or idpat:cpi without serial
//
// Check digits are verified. Values are carried over in the escaped form
// they have in the URI (see EPCToDigitalLink).
func DigitalLinkToEPC(dl string, companyPrefixLen int) (string, error) {
	urn, err := digitalLinkToEPC(dl, companyPrefixLen)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidEPC, err)
	}
	return urn, nil
}

func digitalLinkToEPC(dl string, g int) (string, error) {
	if len(dl) > MaxInputLen {
		return "", fmt.Errorf("input of %d bytes exceeds %d", len(dl), MaxInputLen)
	}
	if g < 6 || g > 12 {
		return "", fmt.Errorf("company prefix length %d outside 6..12", g)
	}
	pairs, err := parseKeyPath(dl)
	if err != nil {
		return "", err
	}
	for _, p := range pairs {
		if err := checkKeyValue(p.ai, p.value); err != nil {
			return "", err
		}
	}
	key := pairs[0]
	q := qualifiers(pairs[1:])
	v := key.value
	if key.ai != "8004" && key.ai != "401" && key.ai != "8010" && g >= len(v) {
		return "", fmt.Errorf("company prefix length %d too long for (%s) %s", g, key.ai, v)
	}
	var sb strings.Builder
	sb.Grow(len(dl) + 16)
	switch key.ai {
	case "01":
		gcp, item := v[1:1+g], v[:1]+v[1+g:13]
		switch {
		case q.has("22") && !q.has("21"):
			return "", errors.New("(22) consumer product variant has no EPC form")
		case q.has("235"):
			urn3(&sb, "id:upui:", gcp, item, q.get("235"))
		case q.has("21"):
			urn3(&sb, "id:sgtin:", gcp, item, q.get("21"))
		case q.has("10"):
			sb.WriteString("urn:epc:class:lgtin:")
			sb.WriteString(gcp + "." + item + "." + q.get("10"))
		default:
			urn3(&sb, "idpat:sgtin:", gcp, item, "*")
		}
	case "00":
		urn2(&sb, "id:sscc:", v[1:1+g], v[:1]+v[1+g:17])
	case "414":
		ext := "0"
		if q.has("7040") {
			return "", errors.New("(7040) has no EPC form")
		}
		if q.has("254") {
			ext = q.get("254")
		}
		urn3(&sb, "id:sgln:", v[:g], v[g:12], ext)
	case "417":
		if len(pairs) > 1 {
			return "", errors.New("(7040) has no EPC form")
		}
		urn2(&sb, "id:pgln:", v[:g], v[g:12])
	case "8003":
		if g >= 13 {
			return "", fmt.Errorf("company prefix length %d too long for (8003)", g)
		}
		if len(v) == 14 {
			urn3(&sb, "idpat:grai:", v[1:1+g], v[1+g:13], "*")
		} else {
			urn3(&sb, "id:grai:", v[1:1+g], v[1+g:13], v[14:])
		}
	case "8004", "401":
		if len(pairs) > 1 {
			return "", errors.New("(7040) has no EPC form")
		}
		if g > len(v) || !isDigits(v[:g]) {
			return "", fmt.Errorf("(%s) %s does not start with a %d-digit company prefix", key.ai, v, g)
		}
		scheme := "id:giai:"
		if key.ai == "401" {
			scheme = "id:ginc:"
		}
		urn2(&sb, scheme, v[:g], v[g:])
	case "8017", "8018":
		if len(pairs) > 1 {
			return "", errors.New("(8019) has no EPC form")
		}
		scheme := "id:gsrn:"
		if key.ai == "8017" {
			scheme = "id:gsrnp:"
		}
		urn2(&sb, scheme, v[:g], v[g:17])
	case "253", "255":
		scheme := "gdti:"
		if key.ai == "255" {
			scheme = "sgcn:"
		}
		if len(v) == 13 {
			urn3(&sb, "idpat:"+scheme, v[:g], v[g:12], "*")
		} else {
			urn3(&sb, "id:"+scheme, v[:g], v[g:12], v[13:])
		}
	case "402":
		urn2(&sb, "id:gsin:", v[:g], v[g:16])
	case "8006":
		gcp, item := v[1:1+g], v[:1]+v[1+g:13]
		rest := "." + v[14:16] + "." + v[16:18]
		switch {
		case q.has("21"):
			urn3(&sb, "id:itip:", gcp, item+rest, q.get("21"))
		case len(pairs) == 1:
			urn3(&sb, "idpat:itip:", gcp, item+rest, "*")
		default:
			return "", errors.New("(8006) with a lot or variant but no serial has no EPC form")
		}
	case "8010":
		// The component/part reference after the prefix may not be empty.
		if g >= len(v) || !isDigits(v[:g]) {
			return "", fmt.Errorf("(8010) %s does not start with a %d-digit company prefix", v, g)
		}
		if q.has("8011") {
			urn3(&sb, "id:cpi:", v[:g], v[g:], q.get("8011"))
		} else {
			urn3(&sb, "idpat:cpi:", v[:g], v[g:], "*")
		}
	default:
		return "", fmt.Errorf("(%s) has no EPC form", key.ai)
	}
	return sb.String(), nil
}

// urn2 writes "urn:epc:" + scheme + a + "." + b.
func urn2(sb *strings.Builder, scheme, a, b string) {
	sb.WriteString("urn:epc:")
	sb.WriteString(scheme)
	sb.WriteString(a)
	sb.WriteByte('.')
	sb.WriteString(b)
}

// urn3 writes "urn:epc:" + scheme + a + "." + b + "." + c.
func urn3(sb *strings.Builder, scheme, a, b, c string) {
	urn2(sb, scheme, a, b)
	sb.WriteByte('.')
	sb.WriteString(c)
}

// canonicalKeyDL rewrites a Digital Link URI to its canonical form on
// id.gs1.org holding only the primary key and key qualifiers.
func canonicalKeyDL(uri string) (string, error) {
	pairs, err := parseKeyPath(uri)
	if err != nil {
		if dl, ok := canonicalCompressedDL(uri); ok {
			return dl, nil
		}
		return "", err
	}
	var b dlBuilder
	for _, p := range pairs {
		if err := checkKeyValue(p.ai, p.value); err != nil {
			return "", err
		}
		b.add(p.ai, p.value)
	}
	return b.String(), nil
}

// canonicalCompressedDL canonicalises a compressed Digital Link: its key and
// key qualifiers, percent-encoded as GenerateDigitalLink does.
func canonicalCompressedDL(uri string) (string, bool) {
	elems, err := ParseDigitalLink(uri, DigitalLinkOptions{})
	if err != nil {
		return "", false
	}
	key, _ := LookupAI(elems[0].AI)
	var b dlBuilder
	b.add(elems[0].AI, EscapeDLPath(elems[0].Value))
	seq := chooseQualifierSeq(key, elems)
	for _, e := range elems[1:] {
		if inSeqs([][]string{seq}, e.AI) {
			b.add(e.AI, EscapeDLPath(e.Value))
		}
	}
	return b.String(), true
}

// qualifiers is the key qualifiers of a Digital Link path, few enough that a
// linear scan beats a map.
type qualifiers []aiPair

// has reports whether the qualifier ai is present.
func (q qualifiers) has(ai string) bool {
	for _, p := range q {
		if p.ai == ai {
			return true
		}
	}
	return false
}

// get returns the value of the qualifier ai, or "".
func (q qualifiers) get(ai string) string {
	for _, p := range q {
		if p.ai == ai {
			return p.value
		}
	}
	return ""
}

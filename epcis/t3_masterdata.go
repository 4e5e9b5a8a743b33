package epcis

import "strings"

// masterDataIndex gives fast access to a document's EPCClass and location
// master data, keyed by element ID, with attribute names shortened to their
// CBV local names ("urn:epcglobal:cbv:mda#city" -> "city").
type masterDataIndex struct {
	classes   map[string]map[string][]string
	locations map[string]map[string][]string
}

func newMasterDataIndex(vocs []Vocabulary) *masterDataIndex {
	m := &masterDataIndex{classes: map[string]map[string][]string{}, locations: map[string]map[string][]string{}}
	for _, v := range vocs {
		var into map[string]map[string][]string
		switch {
		case strings.HasSuffix(v.Type, "EPCClass"):
			into = m.classes
		case strings.HasSuffix(v.Type, "Location"), strings.HasSuffix(v.Type, "ReadPoint"), strings.HasSuffix(v.Type, "Party"):
			into = m.locations
		default:
			continue
		}
		for _, e := range v.Elements {
			attrs := into[e.ID]
			if attrs == nil {
				attrs = map[string][]string{}
				into[e.ID] = attrs
			}
			for _, a := range e.Attributes {
				k := mdaKey(a.ID)
				attrs[k] = append(attrs[k], a.Value)
			}
		}
	}
	return m
}

// mdaKey returns the local name of a master data attribute ID: what follows
// the last '#', ':' or '/'.
func mdaKey(id string) string {
	if i := strings.LastIndexAny(id, "#:/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// party returns the party or location id with its name and address from the
// master data (only the ID when the document has none for it).
func (m *masterDataIndex) party(id string) Party {
	p := Party{ID: id}
	attrs := m.locations[id]
	first := func(k string) string {
		if v := attrs[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	p.Name = first("name")
	p.Address = Address{
		Street1:     first("streetAddressOne"),
		Street2:     first("streetAddressTwo"),
		Street3:     first("streetAddressThree"),
		City:        first("city"),
		State:       first("state"),
		PostalCode:  first("postalCode"),
		CountryCode: first("countryCode"),
	}
	return p
}

// productClass finds the EPCClass master data of an instance identifier: by
// its class pattern (urn:epc:idpat:sgtin:...), its lot-level class
// (urn:epc:class:lgtin:...) or, for Digital Link identifiers, its GTIN (and
// lot) URI.
func (m *masterDataIndex) productClass(epc, lot string) (string, map[string][]string, bool) {
	for _, c := range classCandidates(epc, lot) {
		if attrs, ok := m.classes[c]; ok {
			return c, attrs, true
		}
	}
	return "", nil, false
}

func classCandidates(epc, lot string) []string {
	if rest, ok := strings.CutPrefix(epc, "urn:epc:id:sgtin:"); ok {
		parts := strings.SplitN(rest, ".", 3)
		if len(parts) != 3 {
			return nil
		}
		out := make([]string, 0, 2)
		if lot != "" {
			out = append(out, "urn:epc:class:lgtin:"+parts[0]+"."+parts[1]+"."+lot)
		}
		return append(out, "urn:epc:idpat:sgtin:"+parts[0]+"."+parts[1]+".*")
	}
	i := strings.Index(epc, "/01/")
	if i < 0 || len(epc) < i+4+14 {
		return nil
	}
	gtin := epc[i+4 : i+4+14]
	base := epc[:i+4+14]
	var out []string
	if lot != "" {
		out = append(out, base+"/10/"+lot, "https://id.gs1.org/01/"+gtin+"/10/"+lot)
	}
	return append(out, base, "https://id.gs1.org/01/"+gtin)
}

package epcis

// header reads epcisHeader: the master data vocabularies and namespaced
// header extensions (such as a DSCSA transaction statement). Other members
// (a JSON rendering of the SBDH is not standardised) are skipped.
func (d *jsonDecoder) header() error {
	return d.forEachUniqueKey(func(key string) error {
		if key != "epcisMasterData" {
			if isExtensionKey(key) {
				els, err := d.extension(key)
				d.doc.HeaderExtensions = append(d.doc.HeaderExtensions, els...)
				return err
			}
			return d.s.skipValue() // e.g. a JSON rendering of the SBDH
		}
		return d.forEachUniqueKey(func(key string) error {
			if key != "vocabularyList" {
				return d.unknownField()
			}
			return d.forEachElem("an array of vocabularies", d.lim.MaxEvents, func(int) error {
				var voc Vocabulary
				err := d.forEachKey(func(key string) error {
					switch key {
					case "type":
						v, _, err := d.str()
						voc.Type = v
						return err
					case "vocabularyElementList":
						return d.forEachElem("an array", d.lim.MaxEvents, func(int) error {
							el, err := d.vocabularyElement()
							voc.Elements = append(voc.Elements, el)
							return err
						})
					}
					return d.unknownField()
				})
				d.doc.MasterData = append(d.doc.MasterData, voc)
				return err
			})
		})
	})
}

func (d *jsonDecoder) vocabularyElement() (VocabularyElement, error) {
	var el VocabularyElement
	err := d.forEachKey(func(key string) error {
		switch key {
		case "id":
			v, _, err := d.str()
			el.ID = v
			return err
		case "children":
			v, err := d.stringList()
			el.Children = v
			return err
		case "attributes":
			return d.forEachElem("an array of attributes", d.lim.MaxEPCsPerEvent, func(int) error {
				var attr VocabularyAttribute
				err := d.forEachKey(func(key string) error {
					switch key {
					case "id":
						v, _, err := d.str()
						attr.ID = v
						return err
					case "attribute":
						return d.attributeValue(&attr)
					}
					return d.unknownField()
				})
				el.Attributes = append(el.Attributes, attr)
				return err
			})
		}
		return d.unknownField()
	})
	return el, err
}

// attributeValue reads a master data attribute: simple text or a structure.
func (d *jsonDecoder) attributeValue(attr *VocabularyAttribute) error {
	v, err := d.s.readValue()
	if err != nil {
		return d.fatal(err)
	}
	switch v.kind {
	case jsonString, jsonNumber, jsonBool:
		attr.Value = v.text
	case jsonObject:
		for _, m := range v.members {
			attr.Elements = append(attr.Elements, d.elementsFromJSON(m.key, m.value, 1)...)
		}
		d.markNames()
	}
	return nil
}

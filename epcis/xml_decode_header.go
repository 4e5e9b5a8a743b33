package epcis

// The EPCIS header: the Standard Business Document Header, master data
// (vocabularies) and the header's user extensions.

// header reads the EPCISHeader: SBDH, master data (directly or in the 1.2
// <extension>) and namespaced user elements such as the GS1 US transaction
// statement.
func (d *xmlDocDecoder) header(doc *Document, n *xmlNode) error {
	d.enter(n)
	defer d.leave()
	once := newOnceElements("StandardBusinessDocumentHeader", "EPCISMasterData")
	for _, c := range n.Children {
		if err := once.check(d, c); err != nil {
			return err
		}
		switch {
		case c.Space == NSSBDH && c.Local == "StandardBusinessDocumentHeader":
			s, err := d.sbdh(c)
			if err != nil {
				return err
			}
			doc.SBDH = s
			// The model's header fields (what JSON-LD writes directly).
			if len(s.Sender) > 0 {
				doc.Sender = s.Sender[0].Identifier
			}
			if len(s.Receiver) > 0 {
				doc.Receiver = s.Receiver[0].Identifier
			}
			doc.InstanceIdentifier = s.InstanceID
		case c.Space == "" && c.Local == "extension":
			d.enter(c)
			for _, cc := range c.Children {
				if cc.Local == "EPCISMasterData" {
					if err := d.masterData(doc, cc); err != nil {
						return err
					}
				} else if cc.Space != "" {
					doc.HeaderExtensions = append(doc.HeaderExtensions, elementOf(cc))
				}
			}
			d.leave()
		case c.Local == "EPCISMasterData" && (c.Space == "" || c.Space == NSEPCISMasterData1 || c.Space == NSEPCISMasterData2):
			if err := d.masterData(doc, c); err != nil {
				return err
			}
		case c.Space != "":
			doc.HeaderExtensions = append(doc.HeaderExtensions, elementOf(c))
		default:
			return d.fail(c, "unexpected element <%s> in EPCISHeader", c.Local)
		}
	}
	return nil
}

// sbdh reads the Standard Business Document Header fields EPCIS uses.
func (d *xmlDocDecoder) sbdh(n *xmlNode) (*SBDH, error) {
	d.enter(n)
	defer d.leave()
	s := &SBDH{}
	for _, c := range n.Children {
		switch c.Local {
		case "HeaderVersion":
			s.HeaderVersion = c.Text
		case "Sender":
			s.Sender = append(s.Sender, sbdhParty(c))
		case "Receiver":
			s.Receiver = append(s.Receiver, sbdhParty(c))
		case "DocumentIdentification":
			for _, cc := range c.Children {
				switch cc.Local {
				case "Standard":
					s.Standard = cc.Text
				case "TypeVersion":
					s.TypeVersion = cc.Text
				case "InstanceIdentifier":
					s.InstanceID = cc.Text
				case "Type":
					s.Type = cc.Text
				case "CreationDateAndTime":
					t, err := parseXMLTime(cc.Text)
					if err != nil {
						return nil, d.fail(cc, "CreationDateAndTime: %v", err)
					}
					s.CreationDate = t
				}
			}
		}
	}
	return s, nil
}

func sbdhParty(n *xmlNode) SBDHParty {
	var p SBDHParty
	for _, c := range n.Children {
		switch c.Local {
		case "Identifier":
			p.Identifier = c.Text
			p.Authority, _ = c.attr("Authority")
		case "ContactInformation":
			for _, cc := range c.Children {
				if cc.Local == "Contact" {
					p.Contact = cc.Text
				}
			}
		}
	}
	return p
}

// masterData reads an EPCISMasterData element's vocabularies.
func (d *xmlDocDecoder) masterData(doc *Document, n *xmlNode) error {
	d.enter(n)
	defer d.leave()
	for _, c := range n.Children {
		if c.Local == "VocabularyList" {
			md, err := d.vocabularyList(c)
			if err != nil {
				return err
			}
			doc.MasterData = append(doc.MasterData, md...)
		}
	}
	return nil
}

// vocabularyList reads a VocabularyList: vocabularies of elements with
// attributes (simple or structured) and children.
func (d *xmlDocDecoder) vocabularyList(n *xmlNode) ([]Vocabulary, error) {
	d.enter(n)
	defer d.leave()
	var out []Vocabulary
	for _, v := range n.Children {
		if v.Space != "" || v.Local != "Vocabulary" {
			return nil, d.fail(v, "unexpected element <%s> in VocabularyList", v.Local)
		}
		voc := Vocabulary{}
		voc.Type, _ = v.attr("type")
		for _, list := range flattenExtension(v.Children) {
			if list.Local != "VocabularyElementList" {
				continue
			}
			for _, e := range list.Children {
				if e.Local != "VocabularyElement" {
					return nil, d.fail(e, "unexpected element <%s> in VocabularyElementList", e.Local)
				}
				ve := VocabularyElement{}
				ve.ID, _ = e.attr("id")
				if ve.ID == "" {
					return nil, d.fail(e, "VocabularyElement without id")
				}
				for _, a := range flattenExtension(e.Children) {
					switch a.Local {
					case "attribute":
						va := VocabularyAttribute{Value: a.Text}
						va.ID, _ = a.attr("id")
						for _, s := range a.Children {
							va.Elements = append(va.Elements, elementOf(s))
						}
						if len(va.Elements) > 0 {
							va.Value = ""
						}
						ve.Attributes = append(ve.Attributes, va)
					case "children":
						for _, id := range a.Children {
							ve.Children = append(ve.Children, id.Text)
						}
					}
				}
				voc.Elements = append(voc.Elements, ve)
			}
		}
		out = append(out, voc)
	}
	return out, nil
}

package epcis

// The bodies of EPCISQueryDocuments: query results and query requests (Poll).

// queryResults reads an EPCISQueryDocument's QueryResults: the query name,
// the subscription and the events or vocabularies of the resultsBody.
func (d *xmlDocDecoder) queryResults(doc *Document, n *xmlNode) error {
	d.enter(n)
	defer d.leave()
	once := newOnceElements("queryName", "subscriptionID", "resultsBody")
	for _, c := range n.Children {
		if err := once.check(d, c); err != nil {
			return err
		}
		switch c.Local {
		case "queryName":
			doc.Query.QueryName = c.Text
		case "subscriptionID":
			doc.Query.SubscriptionID = c.Text
		case "resultsBody":
			d.enter(c)
			inner := newOnceElements("EventList", "VocabularyList")
			for _, cc := range c.Children {
				if err := inner.check(d, cc); err != nil {
					return err
				}
				switch cc.Local {
				case "EventList":
					if err := d.eventList(doc, cc); err != nil {
						return err
					}
				case "VocabularyList":
					md, err := d.vocabularyList(cc)
					if err != nil {
						return err
					}
					doc.MasterData = append(doc.MasterData, md...)
				default:
					return d.fail(cc, "unexpected element <%s> in resultsBody", cc.Local)
				}
			}
			d.leave()
		case "extension":
		default:
			if c.Space == "" {
				return d.fail(c, "unexpected element <%s> in QueryResults", c.Local)
			}
		}
	}
	return nil
}

// poll reads a query request: its queryName (required) and parameters, each
// with a name and a value (a scalar or an ArrayOfString).
func (d *xmlDocDecoder) poll(n *xmlNode) (*Poll, error) {
	d.enter(n)
	defer d.leave()
	p := &Poll{}
	for _, c := range n.Children {
		switch c.Local {
		case "queryName":
			p.QueryName = c.Text
		case "params":
			for _, pn := range c.Children {
				if pn.Local != "param" {
					return nil, d.fail(pn, "unexpected element <%s> in params", pn.Local)
				}
				var qp QueryParam
				var hasName, hasValue bool
				for _, f := range pn.Children {
					switch f.Local {
					case "name":
						qp.Name, hasName = f.Text, true
					case "value":
						hasValue = true
						if len(f.Children) == 0 {
							qp.Values = append(qp.Values, f.Text)
						}
						for _, s := range f.Children {
							qp.Values = append(qp.Values, s.Text)
						}
					}
				}
				if !hasName || qp.Name == "" {
					return nil, d.fail(pn, "query parameter without name")
				}
				if !hasValue {
					return nil, d.fail(pn, "query parameter %s: missing value", qp.Name)
				}
				p.Params = append(p.Params, qp)
			}
		}
	}
	if p.QueryName == "" {
		return nil, d.fail(n, "Poll without queryName")
	}
	return p, nil
}

package epcis

import ()

// resolveNames runs once the whole document is read (its @context may come
// last): it turns the "prefix:name" keys of user extensions into namespace +
// local name, and expands identifier values written as CURIEs with a prefix
// the document declares. Vocabulary values (bizStep, types, reasons, sensor
// terms) are read by vocabTerm.
func (d *jsonDecoder) resolveNames() {
	if d.hasNames[-1] {
		d.resolveElements(d.docContext, d.doc.HeaderExtensions, -1, "epcisHeader", true)
		for vi := range d.doc.MasterData {
			for ei := range d.doc.MasterData[vi].Elements {
				el := &d.doc.MasterData[vi].Elements[ei]
				for ai := range el.Attributes {
					d.resolveElements(d.docContext, el.Attributes[ai].Elements, -1, "epcisHeader.epcisMasterData", false)
				}
			}
		}
	}
	docDeclares := d.docContext != nil && len(d.docContext.prefixes) > 0
	for i := range d.doc.Events {
		evCtx, hasOwn := d.eventContexts[i]
		if !d.hasNames[i] && !docDeclares && !hasOwn {
			continue
		}
		ctx := d.docContext
		if hasOwn {
			ctx = &jsonContext{prefixes: evCtx, parent: d.docContext}
			for p, ns := range evCtx {
				if d.doc.Namespaces == nil {
					d.doc.Namespaces = map[string]string{}
				}
				if _, taken := d.doc.Namespaces[p]; !taken {
					d.doc.Namespaces[p] = ns
				}
			}
		}
		d.resolveEvent(ctx, &d.doc.Events[i], i)
	}
}

func (d *jsonDecoder) resolveEvent(ctx *jsonContext, e *Event, i int) {
	d.resolveElements(ctx, e.ILMD, i, "ilmd", true)
	d.resolveElements(ctx, e.Extensions, i, "", true)
	d.resolveElements(ctx, e.ReadPointExtensions, i, "readPoint", true)
	d.resolveElements(ctx, e.BizLocationExtensions, i, "bizLocation", true)
	if e.ErrorDeclaration != nil {
		d.resolveElements(ctx, e.ErrorDeclaration.Extensions, i, "errorDeclaration", true)
		e.ErrorDeclaration.Reason = ctx.vocabTerm(ErrorReason, e.ErrorDeclaration.Reason)
	}
	for si := range e.SensorElementList {
		se := &e.SensorElementList[si]
		d.resolveElements(ctx, se.Extensions, i, "sensorElementList", true)
		if m := se.Metadata; m != nil {
			d.resolveElements(ctx, m.Extensions, i, "sensorMetadata", true)
			for _, f := range []*string{&m.DeviceID, &m.DeviceMetadata, &m.RawData, &m.DataProcessingMethod, &m.BizRules} {
				*f = ctx.expandCURIE(*f)
			}
		}
		for ri := range se.Reports {
			r := &se.Reports[ri]
			d.resolveElements(ctx, r.Extensions, i, "sensorReport", true)
			r.Type = ctx.vocabTerm(SensorMeasurementType, r.Type)
			r.Exception = ctx.vocabTerm(SensorException, r.Exception)
			r.Component = ctx.vocabTerm(SensorComponent, r.Component)
			for _, f := range []*string{&r.DeviceID, &r.DeviceMetadata, &r.RawData, &r.DataProcessingMethod,
				&r.Microorganism, &r.ChemicalSubstance, &r.URIValue, &r.CoordinateReferenceSystem} {
				*f = ctx.expandCURIE(*f)
			}
		}
	}
	e.BizStep = ctx.vocabTerm(BizStep, e.BizStep)
	e.Disposition = ctx.vocabTerm(Disposition, e.Disposition)
	if p := e.PersistentDisposition; p != nil {
		for k := range p.Set {
			p.Set[k] = ctx.vocabTerm(Disposition, p.Set[k])
		}
		for k := range p.Unset {
			p.Unset[k] = ctx.vocabTerm(Disposition, p.Unset[k])
		}
	}
	for k := range e.BizTransactionList {
		bt := &e.BizTransactionList[k]
		bt.Type = ctx.vocabTerm(BizTransactionType, bt.Type)
		bt.Value = ctx.expandCURIE(bt.Value)
	}
	for _, list := range [][]SourceDest{e.SourceList, e.DestinationList} {
		for k := range list {
			list[k].Type = ctx.vocabTerm(SourceDestType, list[k].Type)
			list[k].Value = ctx.expandCURIE(list[k].Value)
		}
	}
	for _, list := range [][]string{e.EPCList, e.ChildEPCs, e.InputEPCList, e.OutputEPCList, e.CertificationInfo} {
		for k := range list {
			list[k] = ctx.expandCURIE(list[k])
		}
	}
	for _, list := range [][]QuantityElement{e.QuantityList, e.ChildQuantityList, e.InputQuantityList, e.OutputQuantityList} {
		for k := range list {
			list[k].EPCClass = ctx.expandCURIE(list[k].EPCClass)
		}
	}
	for _, f := range []*string{&e.ParentID, &e.ReadPoint, &e.BizLocation, &e.TransformationID} {
		*f = ctx.expandCURIE(*f)
	}
}

// resolveElements resolves the names of a tree of extension elements in
// place. At the top level (topLevel) a name must carry a namespace.
func (d *jsonDecoder) resolveElements(ctx *jsonContext, els []Element, event int, where string, topLevel bool) {
	for k := range els {
		el := &els[k]
		if el.Space == "" {
			raw := el.Local
			space, local, err := ctx.resolveName(raw)
			switch {
			case err != nil:
				d.addProblem(event, joinPath(where, raw), err)
			case topLevel && space == "":
				d.addProblem(event, joinPath(where, raw), classed(ErrInvalidValue, "extension field has no namespace prefix"))
			default:
				el.Space, el.Local = space, local
			}
		}
		d.resolveElements(ctx, el.Children, event, joinPath(where, el.Local), false)
	}
}

func (d *jsonDecoder) addProblem(event int, path string, err error) {
	if len(d.problems) >= maxProblems {
		return
	}
	d.problems = append(d.problems, &Error{Event: event, Path: path, Err: err})
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "." + b
}

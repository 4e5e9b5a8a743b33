package epcis

import "strings"

// ConvertIdentifiers rewrites the identifiers of d (EPCs, classes, parent,
// read point, business location, source and destination, master data IDs)
// with conv, when they are in the form conv reads: Digital Link URIs when
// toURN, EPC URNs otherwise. It returns how many could not be converted
// (kept as they were).
func ConvertIdentifiers(d *Document, toURN bool, conv func(string) (string, error)) int {
	kept := 0
	one := func(s *string) {
		v := *s
		applies := (!toURN && strings.HasPrefix(v, "urn:epc:")) || (toURN && (strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://")))
		if !applies {
			return
		}
		out, err := conv(v)
		if err != nil {
			kept++
			return
		}
		*s = out
	}
	all := func(list []string) {
		for i := range list {
			one(&list[i])
		}
	}
	quantities := func(qs []QuantityElement) {
		for i := range qs {
			one(&qs[i].EPCClass)
		}
	}
	sourceDest := func(sds []SourceDest) {
		for i := range sds {
			one(&sds[i].Value)
		}
	}
	for i := range d.Events {
		ev := &d.Events[i]
		all(ev.EPCList)
		all(ev.ChildEPCs)
		all(ev.InputEPCList)
		all(ev.OutputEPCList)
		one(&ev.ParentID)
		one(&ev.ReadPoint)
		one(&ev.BizLocation)
		quantities(ev.QuantityList)
		quantities(ev.ChildQuantityList)
		quantities(ev.InputQuantityList)
		quantities(ev.OutputQuantityList)
		sourceDest(ev.SourceList)
		sourceDest(ev.DestinationList)
	}
	for i := range d.MasterData {
		for j := range d.MasterData[i].Elements {
			el := &d.MasterData[i].Elements[j]
			one(&el.ID)
			all(el.Children)
		}
	}
	return kept
}

package main

import (
	"strings"

	"rxledger/epcis"
)

// convertIdentifiers rewrites the identifiers of d (EPCs, classes, parent,
// read point, business location, source and destination, master data IDs)
// with conv, when they are in the form conv reads: EPC URNs for "dl", Digital
// Link URIs for "urn". It returns how many could not be converted (kept).
func convertIdentifiers(d *epcis.Document, to string, conv func(string) (string, error)) int {
	kept := 0
	one := func(s *string) {
		v := *s
		applies := (to == "dl" && strings.HasPrefix(v, "urn:epc:")) || (to == "urn" && (strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://")))
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
	quantities := func(qs []epcis.QuantityElement) {
		for i := range qs {
			one(&qs[i].EPCClass)
		}
	}
	sourceDest := func(sds []epcis.SourceDest) {
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

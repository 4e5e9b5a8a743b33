package ingest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"rxledger/epcis"
	"rxledger/services/platform/problem"
)

// TestSpoofedPartiesRefused captures, over HTTP on the embedded ledger with
// the real chaincode, the security tester's events that named two other
// organisations as seller and buyer: each is refused with its rule, event
// index and party, and afterwards nobody (the regulator included) sees a
// sale or a purchase order that never happened, while the real sales show.
func TestSpoofedPartiesRefused(t *testing.T) {
	e := newEnv(t, true, nil)
	w, x := sgtin("SP1"), sgtin("SP2")
	// The manufacturer sells w and x to the wholesaler, which sells x on to
	// the pharmacy.
	e.mustCapture(mfr, ctJSON, encode(t, document(commission(0, "SPL", w, x), ship(1, mfrSGLN, whsSGLN, w, x)), "json"))
	e.mustCapture(whs, ctJSON, encode(t, document(receive(2, whsSGLN, w, x), ship(3, whsSGLN, pharmSGLN, x)), "json"))
	e.mustCapture(pharm, ctJSON, encode(t, document(receive(4, pharmSGLN, x)), "json"))

	const fakePO = "urn:epcglobal:cbv:bt:0377777000008:FAKE-PO-9"
	withParties := func(ev epcis.Event, from, to string) epcis.Event {
		ev.SourceList = []epcis.SourceDest{{Type: "owning_party", Value: from}}
		ev.DestinationList = []epcis.SourceDest{{Type: "owning_party", Value: to}}
		ev.BizTransactionList = []epcis.BizTransaction{{Type: "po", Value: fakePO}}
		return ev
	}
	transaction := func(minute int, step string, epcs ...string) epcis.Event {
		return epcis.Event{Type: epcis.TransactionEventType, Action: epcis.ActionAdd, BizStep: step,
			EventTime: at(minute), EventTimeZoneOffset: "+00:00", EPCList: epcs}
	}
	inspect := func(minute int, epcs ...string) epcis.Event {
		return epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionObserve, BizStep: "inspecting",
			EventTime: at(minute), EventTimeZoneOffset: "+00:00", EPCList: epcs}
	}
	height := func() uint64 {
		h, err := e.l.Height(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	views := func() map[string][]string {
		e.synced()
		v := map[string][]string{}
		for _, org := range []string{mfr, whs, pharm, reg} {
			got, _ := e.query(org, "perPage=1000")
			v[org] = idsOf(got)
		}
		return v
	}
	before, h0 := views(), height()

	// A TransactionEvent "shipping" is refused before the 202: the rules
	// model shipping as an ObjectEvent only.
	t.Run("a transaction event shipping another's sale", func(t *testing.T) {
		doc := encode(t, document(withParties(transaction(10, "shipping", w), mfrSGLN, pharmSGLN)), "json")
		resp, b := e.do("POST", whs, "/epcis/capture", ctJSON, doc, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		var p problem.Body
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		if p.Rule != "custody-step-not-object-event" || !hasLocation(p.Errors, problem.Location{Index: problem.Index(0)}) {
			t.Fatalf("problem %s", b)
		}
	})
	// The others reach the chaincode, which refuses the job.
	refused := []struct {
		name, org string
		event     epcis.Event
		rule, epc string
	}{
		{"a transaction event naming the manufacturer and the pharmacy", whs, withParties(transaction(11, "", w), mfrSGLN, pharmSGLN), "unrelated-party", pharmSGLN},
		{"a shipment of the wholesaler's own package as the manufacturer's sale", whs, withParties(ship(12, mfrSGLN, pharmSGLN, w), mfrSGLN, pharmSGLN), "source-not-caller", mfrSGLN},
		{"an inspection naming the manufacturer's sale to the wholesaler", pharm, withParties(inspect(13, x), mfrSGLN, whsSGLN), "unrelated-party", mfrSGLN},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			j := e.job(tc.org, e.capture(tc.org, ctJSON, encode(t, document(tc.event), "json")))
			if j.Success || len(j.Errors) != 1 {
				t.Fatalf("job %+v", j)
			}
			je := j.Errors[0]
			if je.Rule != tc.rule || je.EventIndex == nil || *je.EventIndex != 0 || je.EPC != tc.epc || je.Status != http.StatusForbidden {
				t.Fatalf("job error %+v", je)
			}
		})
	}

	if h := height(); h != h0 {
		t.Fatalf("the refused captures moved the ledger from %d to %d blocks", h0, h)
	}
	after := views()
	for org, ids := range before {
		if !slices.Equal(after[org], ids) {
			t.Errorf("%s sees %v after the refusals, %v before", org, after[org], ids)
		}
	}
	sale := func(from, to string) string {
		return "EQ_bizStep=shipping&EQ_source_owning_party=" + url.QueryEscape(from) + "&EQ_destination_owning_party=" + url.QueryEscape(to)
	}
	for _, q := range []struct {
		name, params string
		seen         []string // the organisations that see one event
	}{
		{"the made-up manufacturer-to-pharmacy sale", sale(mfrSGLN, pharmSGLN), nil},
		{"the made-up purchase order", "EQ_bizTransaction_po=" + url.QueryEscape(fakePO), nil},
		{"the real manufacturer-to-wholesaler sale", sale(mfrSGLN, whsSGLN), []string{mfr, whs, reg}},
		{"the real wholesaler-to-pharmacy sale", sale(whsSGLN, pharmSGLN), []string{whs, pharm, reg}},
	} {
		for _, org := range []string{mfr, whs, pharm, reg} {
			got, _ := e.query(org, q.params)
			if want := slices.Contains(q.seen, org); len(got) != map[bool]int{true: 1}[want] {
				t.Errorf("%s: %s sees %d events", q.name, org, len(got))
			}
		}
	}
}

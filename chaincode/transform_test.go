package chaincode_test

import (
	"encoding/json"
	"slices"
	"testing"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// whsSGTIN is a package of the wholesaler's own GTIN (company prefix
// 0388888): the wholesaler repackages under it.
func whsSGTIN(serial string) string { return "urn:epc:id:sgtin:0388888.012345." + serial }

// transformEv repackages inputs into outputs with lot and expiry in the ILMD.
func transformEv(lot, expiry string, inputs, outputs []string) epcis.Event {
	e := epcis.Event{Type: epcis.TransformationEventType, BizStep: "repackaging", EventTime: start, EventTimeZoneOffset: "+00:00",
		InputEPCList: inputs, OutputEPCList: outputs, TransformationID: "urn:example:xf:1"}
	if lot != "" {
		e.ILMD = append(e.ILMD, epcis.Element{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: lot})
	}
	if expiry != "" {
		e.ILMD = append(e.ILMD, epcis.Element{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: expiry})
	}
	return e
}

// repackBase: the manufacturer commissions in1..in4 (lot L1) and in5 (lot
// L5), ships in1, in2, in5 to the wholesaler, which receives them; in3 is
// in transit to the wholesaler; in4 stays with the manufacturer.
func repackBase(t *testing.T, m *chaincodetest.Memory) []string {
	t.Helper()
	in := []string{sgtin("R1"), sgtin("R2"), sgtin("R3"), sgtin("R4"), sgtin("R5")}
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", in[:4]...), commissionEv("L5", "2027-03-31", in[4]),
		shipEv(whsGLN, in[0], in[1], in[4]))
	mustCapture(t, m, whs, stepEv("receiving", in[0], in[1], in[4]))
	mustCapture(t, m, mfr, at(shipEv(whsGLN, in[2]), 1))
	return in
}

func readTransformation(t *testing.T, m *chaincodetest.Memory, org, hash string) chaincode.TransformationRecord {
	t.Helper()
	out, err := m.Evaluate(org, chaincode.FnReadTransformation, hash)
	if err != nil {
		t.Fatalf("read transformation %s: %v", hash, err)
	}
	var r chaincode.TransformationRecord
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRepackaging: the wholesaler repackages two packages it holds into
// three of its own GTIN; the inputs end as transformed, the outputs are the
// wholesaler's new, tradeable packages, and the link between them is
// readable from either side.
func TestRepackaging(t *testing.T) {
	m := newLedger(t)
	in := repackBase(t, m)
	out := []string{whsSGTIN("P1"), whsSGTIN("P2"), whsSGTIN("P3")}
	res := mustCapture(t, m, whs, transformEv("RL1", "2027-01-31", in[:2], out))
	hash := res.Events[0].HashID

	for _, epc := range in[:2] {
		s := serialOf(t, m, epc)
		if s.Status != chaincode.StatusTransformed || s.Owner != whs || s.Transformation != hash {
			t.Errorf("input %s: %+v", epc, s)
		}
	}
	var outGTIN string
	for _, epc := range out {
		s := serialOf(t, m, epc)
		if s.Status != chaincode.StatusActive || s.Owner != whs || s.Lot != "RL1" || s.Expiry != "2027-01-31" || s.Transformation != hash {
			t.Errorf("output %s: %+v", epc, s)
		}
		outGTIN = s.GTIN
	}
	rec := readTransformation(t, m, pharm, hash)
	wantIn := []string{sgtinDL("R1"), sgtinDL("R2")}
	if !slices.Equal(rec.Inputs, wantIn) || len(rec.Outputs) != 3 || rec.Creator != whs || rec.TransformationID != "urn:example:xf:1" {
		t.Errorf("transformation record %+v", rec)
	}
	// The custody history goes on through the link: the input's history
	// ends in the transformation's transaction, the output's begins there.
	inHist, outHist := historyOf(t, m, in[0]), historyOf(t, m, out[0])
	if inHist[len(inHist)-1].TxID != rec.TxID || outHist[0].TxID != rec.TxID {
		t.Errorf("history does not meet at the transformation %s: %+v / %+v", rec.TxID, inHist, outHist)
	}

	ce := lastEvent(t, m)
	if len(ce.AllSerials()) != 5 || len(ce.Lots) != 1 || len(ce.Events) != 1 || len(ce.Transformations) != 1 || ce.Transformations[0].HashID != hash {
		t.Fatalf("chaincode event: %d serials %d lots %d events %d transformations", len(ce.AllSerials()), len(ce.Lots), len(ce.Events), len(ce.Transformations))
	}
	if ce.Lots[0].GTIN != outGTIN || ce.Lots[0].Owner != whs {
		t.Errorf("new lot %+v", ce.Lots[0])
	}
	if r, err := verify(t, m, pharm, chaincode.VerifyRequest{GTIN: gtin, Serial: "R1"}); err != nil || r.Verified {
		t.Errorf("a transformed package verifies: %+v %v", r, err)
	}
	// The outputs trade like any package; the inputs are finished.
	mustCapture(t, m, whs, at(shipEv(pharmGLN, out[0]), 5))
	_, err := capture(t, m, whs, at(shipEv(pharmGLN, in[0]), 6))
	wantRule(t, err, chaincode.CodeInvalid, "terminal", 0)
}

func historyOf(t *testing.T, m *chaincodetest.Memory, epc string) []chaincode.CustodyEntry {
	t.Helper()
	out, err := m.Evaluate(mfr, chaincode.FnHistory, epc)
	if err != nil {
		t.Fatalf("history %s: %v", epc, err)
	}
	var h []chaincode.CustodyEntry
	if err := json.Unmarshal(out, &h); err != nil {
		t.Fatal(err)
	}
	if len(h) == 0 {
		t.Fatalf("no history for %s", epc)
	}
	return h
}

// TestRepackagingForms covers the other shapes of a TransformationEvent: a
// packed input leaves its container, class-level inputs and outputs, an
// event with only inputs.
func TestRepackagingForms(t *testing.T) {
	t.Run("packed input leaves its container", func(t *testing.T) {
		m := newLedger(t)
		in := repackBase(t, m)
		mustCapture(t, m, whs, packEv(whsSSCC, in[0], in[1]))
		mustCapture(t, m, whs, transformEv("RL1", "2027-01-31", in[:1], []string{whsSGTIN("P1")}))
		out, err := m.Evaluate(whs, chaincode.FnReadContainer, whsSSCC)
		if err != nil {
			t.Fatal(err)
		}
		var c chaincode.ContainerContents
		if err := json.Unmarshal(out, &c); err != nil {
			t.Fatal(err)
		}
		if len(c.Contents) != 1 || c.Contents[0] != sgtinDL("R2") {
			t.Errorf("container contents %v", c.Contents)
		}
		if s := serialOf(t, m, in[0]); s.Parent != "" || s.Status != chaincode.StatusTransformed {
			t.Errorf("input %+v", s)
		}
	})
	t.Run("class-level input of a held lot, output by LGTIN", func(t *testing.T) {
		m := newLedger(t)
		repackBase(t, m)
		e := transformEv("", "2027-01-31", nil, []string{whsSGTIN("P1")})
		n := 1.0
		e.InputQuantityList = []epcis.QuantityElement{{EPCClass: lgtinL1, Quantity: &n, HasQuantity: true}}
		e.OutputQuantityList = []epcis.QuantityElement{{EPCClass: "urn:epc:class:lgtin:0388888.012345.RL9", Quantity: &n, HasQuantity: true}}
		res := mustCapture(t, m, whs, e)
		if s := serialOf(t, m, whsSGTIN("P1")); s.Lot != "RL9" {
			t.Errorf("output lot %q, want RL9 from the output LGTIN", s.Lot)
		}
		rec := readTransformation(t, m, whs, res.Events[0].HashID)
		if len(rec.Inputs) != 0 || !slices.Equal(rec.InputClasses, []string{lgtinL1}) || len(rec.OutputClasses) != 1 {
			t.Errorf("record %+v", rec)
		}
	})
	t.Run("inputs only", func(t *testing.T) {
		m := newLedger(t)
		in := repackBase(t, m)
		res := mustCapture(t, m, whs, transformEv("", "", in[:1], nil))
		if s := serialOf(t, m, in[0]); s.Status != chaincode.StatusTransformed || s.Transformation != res.Events[0].HashID {
			t.Errorf("input %+v", s)
		}
	})
}

// TestRepackagingRefusals checks each transformation rule's refusal and
// that the refused capture changed nothing.
func TestRepackagingRefusals(t *testing.T) {
	out := []string{whsSGTIN("P1")}
	one := 1.0
	tests := []struct {
		name  string
		prep  func(*testing.T, *chaincodetest.Memory, []string)
		org   string
		event func(in []string) []epcis.Event
		code  string
		rule  string
		index int
		epc   string
	}{
		{"consuming another's package", nil, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[3:4], out)}
		}, chaincode.CodeForbidden, "not-owner", 0, sgtin("R4")},
		{"consuming what is in transit to the caller", nil, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[2:3], out)}
		}, chaincode.CodeForbidden, "not-owner", 0, sgtin("R3")},
		{"the shipper consuming what is in transit", nil, mfr, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[2:3], []string{sgtin("N1")})}
		}, chaincode.CodeInvalid, "in-transit", 0, sgtin("R3")},
		{"an unknown input", nil, whs, func([]string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", []string{sgtin("R9")}, out)}
		}, chaincode.CodeNotFound, "unknown-epc", 0, sgtin("R9")},
		{"an SSCC input", nil, whs, func([]string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", []string{sscc1}, out)}
		}, chaincode.CodeInvalid, "bad-input", 0, sscc1},
		{"outputs of another's GTIN", nil, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[:1], []string{sgtin("N1")})}
		}, chaincode.CodeForbidden, "not-prefix-owner", 0, sgtin("N1")},
		{"an output that exists", func(t *testing.T, m *chaincodetest.Memory, in []string) {
			t.Helper()
			mustCapture(t, m, whs, transformEv("RL1", "2027-01-31", in[:1], out))
		}, whs, func(in []string) []epcis.Event {
			return []epcis.Event{at(transformEv("RL1", "2027-01-31", in[1:2], out), 1)}
		}, chaincode.CodeInvalid, "already-commissioned", 0, out[0]},
		// The prefix is checked first: a refused output tells the caller
		// nothing of whether another company's serial exists.
		{"an output of another's GTIN that exists", nil, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[:1], in[1:2])}
		}, chaincode.CodeForbidden, "not-prefix-owner", 0, sgtin("R2")},
		{"an SSCC output", nil, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[:1], []string{whsSSCC})}
		}, chaincode.CodeInvalid, "bad-output", 0, whsSSCC},
		{"outputs without a lot", nil, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("", "2027-01-31", in[:1], out)}
		}, chaincode.CodeInvalid, "lot-required", 0, out[0]},
		{"outputs without an expiry", nil, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "", in[:1], out)}
		}, chaincode.CodeInvalid, "expiry-required", 0, out[0]},
		{"a class-level output of another's GTIN", nil, whs, func(in []string) []epcis.Event {
			e := transformEv("RL1", "2027-01-31", in[:1], out)
			e.OutputQuantityList = []epcis.QuantityElement{{EPCClass: lgtinL1, Quantity: &one, HasQuantity: true}}
			return []epcis.Event{e}
		}, chaincode.CodeForbidden, "not-prefix-owner", 0, lgtinL1},
		{"a class-level input the caller holds none of", nil, pharm, func([]string) []epcis.Event {
			e := transformEv("RL1", "2027-01-31", nil, nil)
			e.InputQuantityList = []epcis.QuantityElement{{EPCClass: lgtinL1, Quantity: &one, HasQuantity: true}}
			return []epcis.Event{e}
		}, chaincode.CodeForbidden, "not-class-holder", 0, lgtinL1},
		{"a recalled input", func(t *testing.T, m *chaincodetest.Memory, _ []string) {
			t.Helper()
			if _, err := m.Submit(mfr, chaincode.FnRecallLot, nil, gtin, "L5", "contamination"); err != nil {
				t.Fatal(err)
			}
		}, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[4:5], out)}
		}, chaincode.CodeInvalid, "recalled-lot", 0, sgtin("R5")},
		{"an input under investigation", func(t *testing.T, m *chaincodetest.Memory, in []string) {
			t.Helper()
			if _, err := m.Submit(whs, chaincode.FnSetInvestigation, nil, in[0], "suspect"); err != nil {
				t.Fatal(err)
			}
		}, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[:1], out)}
		}, chaincode.CodeInvalid, "under-investigation", 0, sgtin("R1")},
		{"a case with contents", func(t *testing.T, m *chaincodetest.Memory, in []string) {
			t.Helper()
			mustCapture(t, m, whs, packEv(in[0], in[1]))
		}, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[:1], out)}
		}, chaincode.CodeInvalid, "input-has-contents", 0, sgtin("R1")},
		{"a transformed input again", func(t *testing.T, m *chaincodetest.Memory, in []string) {
			t.Helper()
			mustCapture(t, m, whs, transformEv("RL1", "2027-01-31", in[:1], out))
		}, whs, func(in []string) []epcis.Event {
			return []epcis.Event{at(transformEv("RL1", "2027-01-31", in[:1], []string{whsSGTIN("P2")}), 1)}
		}, chaincode.CodeInvalid, "terminal", 0, sgtin("R1")},
		{"atomic: a later event fails", nil, whs, func(in []string) []epcis.Event {
			return []epcis.Event{transformEv("RL1", "2027-01-31", in[:2], out), at(shipEv(pharmGLN, in[3]), 1)}
		}, chaincode.CodeForbidden, "not-owner", 1, sgtin("R4")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			in := repackBase(t, m)
			if tc.prep != nil {
				tc.prep(t, m, in)
			}
			before, height := snapshot(m), m.Height()
			_, err := capture(t, m, tc.org, tc.event(in)...)
			re := wantRule(t, err, tc.code, tc.rule, tc.index)
			if re.EPC != tc.epc {
				t.Errorf("error EPC %q, want %q", re.EPC, tc.epc)
			}
			if snapshot(m) != before || m.Height() != height {
				t.Error("the refused transaction changed the ledger")
			}
		})
	}
}

// TestRepackagingIdempotent resends a repackaging: it is a duplicate, and
// the outputs are not commissioned twice (which would be refused).
func TestRepackagingIdempotent(t *testing.T) {
	m := newLedger(t)
	in := repackBase(t, m)
	e := transformEv("RL1", "2027-01-31", in[:2], []string{whsSGTIN("P1"), whsSGTIN("P2")})
	first := mustCapture(t, m, whs, e)
	before := snapshot(m)
	again := mustCapture(t, m, whs, e)
	if !again.Events[0].Duplicate || again.Events[0].HashID != first.Events[0].HashID {
		t.Fatalf("resent transformation: %+v", again.Events[0])
	}
	ce := lastEvent(t, m)
	if len(ce.AllSerials())+len(ce.Events)+len(ce.Transformations) != 0 {
		t.Errorf("a duplicate changed %d serials, anchored %d events, %d transformations", len(ce.AllSerials()), len(ce.Events), len(ce.Transformations))
	}
	if snapshot(m) != before {
		t.Error("a duplicate repackaging changed the state")
	}
}

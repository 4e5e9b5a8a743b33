package chaincode_test

import (
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// TestInvalidEventsRefused: an event that is not valid EPCIS is refused
// before any rule, naming its index and, for a bad identifier, the EPC; the
// batch leaves no trace (no state, no private copy, no block).
func TestInvalidEventsRefused(t *testing.T) {
	a := sgtin("G1")
	good := commissionEv("L1", "2027-03-31", sgtin("G0"))
	tests := []struct {
		name  string
		bad   epcis.Event
		rule  string
		epc   string
		index int
	}{
		{"no event time", func() epcis.Event { e := commissionEv("L1", "2027-03-31", a); e.EventTime = time.Time{}; return e }(), "event-invalid", "", 1},
		{"no time zone offset", func() epcis.Event { e := commissionEv("L1", "2027-03-31", a); e.EventTimeZoneOffset = ""; return e }(), "event-invalid", "", 1},
		{"unknown event type", func() epcis.Event { e := commissionEv("L1", "2027-03-31", a); e.Type = "GossipEvent"; return e }(), "event-invalid", "", 1},
		{"no action", func() epcis.Event { e := shipEv(whsGLN, a); e.Action = ""; return e }(), "event-invalid", "", 1},
		{"bizStep neither CBV nor URI", func() epcis.Event { e := shipEv(whsGLN, a); e.BizStep = "shipping it"; return e }(), "event-invalid", "", 1},
		{"malformed SGTIN URN", commissionEv("L1", "2027-03-31", a, "urn:epc:id:sgtin:0312345.0678.X"), "event-invalid", "urn:epc:id:sgtin:0312345.0678.X", 1},
		{"Digital Link with a wrong check digit", commissionEv("L1", "2027-03-31", "https://id.gs1.org/01/00312345678907/21/G2"), "event-invalid", "https://id.gs1.org/01/00312345678907/21/G2", 1},
		{"malformed child EPC", packEv(sscc1, "urn:epc:id:sscc:0312345.10"), "event-invalid", "urn:epc:id:sscc:0312345.10", 1},
		{"malformed destination", shipEv("urn:epc:id:sgln:0388888.0000", a), "event-invalid", "", 1},
		{"ILMD on a shipping event", func() epcis.Event {
			e := shipEv(whsGLN, a)
			e.ILMD = commissionEv("L1", "2027-03-31").ILMD
			return e
		}(), "event-invalid", "", 1},
		{"error declaration", func() epcis.Event {
			e := shipEv(whsGLN, sgtin("G0"))
			e.ErrorDeclaration = &epcis.ErrorDeclaration{DeclarationTime: start, Reason: "incorrect_data"}
			return e
		}(), "error-declaration-unsupported", "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			height, before := m.Height(), snapshot(m)
			_, err := capture(t, m, mfr, good, tc.bad)
			re := wantRule(t, err, chaincode.CodeInvalid, tc.rule, tc.index)
			if re.EPC != tc.epc {
				t.Errorf("error EPC %q, want %q", re.EPC, tc.epc)
			}
			if m.Height() != height || snapshot(m) != before {
				t.Error("the refused batch changed the ledger")
			}
			for _, org := range []string{mfr, reg} {
				if len(m.PrivateKeys(chaincode.ImplicitCollection(org))) != 0 {
					t.Errorf("the refused batch left private data with %s", org)
				}
			}
		})
	}
}

// TestHashIDIsRecomputed: events are anchored under the GS1 hash ID the
// chaincode computes with epcis.HashID, whatever eventID the client sent, so
// the same event under another eventID is a duplicate.
func TestHashIDIsRecomputed(t *testing.T) {
	m := newLedger(t)
	e := commissionEv("L1", "2027-03-31", sgtin("H1"))
	e.EventID = "ni:///sha-256;0000000000000000000000000000000000000000000000000000000000000000?ver=CBV2.0"
	want, err := epcis.HashID(&e)
	if err != nil {
		t.Fatal(err)
	}
	res := mustCapture(t, m, mfr, e)
	if res.Events[0].HashID != want || res.Events[0].Duplicate {
		t.Fatalf("anchored as %+v, want hash ID %s", res.Events[0], want)
	}
	if m.GetState("evt~"+want) == nil || m.GetState("evt~"+e.EventID) != nil {
		t.Fatal("the anchor is not keyed by the recomputed hash ID")
	}
	e.EventID = "urn:uuid:5f8b5a54-0d6c-4c4e-9a53-0b8e4a0f5e11"
	again := mustCapture(t, m, mfr, e)
	if !again.Events[0].Duplicate || again.Events[0].HashID != want {
		t.Fatalf("same event, other eventID: %+v", again.Events[0])
	}
}

// TestRepeatedEPCRefused: an event that lists one item twice in its
// epcList, childEPCs, inputEPCList or outputEPCList is refused before any
// rule (duplicate-epc), naming its index, the repeated EPC and both places;
// an SGTIN or SSCC in two forms (EPC URN, Digital Link on any domain) is one
// item.
func TestRepeatedEPCRefused(t *testing.T) {
	a, b := sgtin("D1"), sgtin("D2")
	good := commissionEv("L1", "2027-03-31", sgtin("D0"))
	ssccDL := "https://id.gs1.org/00/103123450000000018" // sscc1
	tests := []struct {
		name  string
		bad   epcis.Event
		epc   string
		where string
	}{
		{"commissioning, twice as written", commissionEv("L1", "2027-03-31", a, b, a), a, "epcList[0] and epcList[2]"},
		{"commissioning, URN and Digital Link", commissionEv("L1", "2027-03-31", a, sgtinDL("D1")), sgtinDL("D1"), "epcList[0] and epcList[1]"},
		{"commissioning, Digital Links on two domains", commissionEv("L1", "2027-03-31", sgtinDL("D1"), "https://example.com/01/"+gtin+"/21/D1"), "https://example.com/01/" + gtin + "/21/D1", "epcList[0] and epcList[1]"},
		{"shipping", shipEv(whsGLN, a, sgtinDL("D1")), sgtinDL("D1"), "epcList[0] and epcList[1]"},
		{"packing, SSCC children in two forms", packEv(sscc2, sscc1, ssccDL), ssccDL, "childEPCs[0] and childEPCs[1]"},
		{"packing, SGTIN children", packEv(sscc1, a, b, sgtinDL("D2")), sgtinDL("D2"), "childEPCs[1] and childEPCs[2]"},
		{"repackaging inputs", transformEv("RL1", "2027-01-31", []string{a, sgtinDL("D1")}, nil), sgtinDL("D1"), "inputEPCList[0] and inputEPCList[1]"},
		{"repackaging outputs", transformEv("RL1", "2027-01-31", nil, []string{b, b}), b, "outputEPCList[0] and outputEPCList[1]"},
		{"an observation of a returnable asset", stepEv("inspecting", "urn:epc:id:grai:0312345.01234.X1", "urn:epc:id:grai:0312345.01234.X1"), "urn:epc:id:grai:0312345.01234.X1", "epcList[0] and epcList[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newLedger(t)
			height, before := m.Height(), snapshot(m)
			_, err := capture(t, m, mfr, good, tc.bad)
			re := wantRule(t, err, chaincode.CodeInvalid, "duplicate-epc", 1)
			if re.EPC != tc.epc {
				t.Errorf("error EPC %q, want %q", re.EPC, tc.epc)
			}
			if !strings.Contains(re.Detail, tc.where) {
				t.Errorf("detail %q does not say %q", re.Detail, tc.where)
			}
			if m.Height() != height || snapshot(m) != before {
				t.Error("the refused batch changed the ledger")
			}
		})
	}
	// The same item in two lists of one event is no repetition this rule
	// refuses (packing a container into itself is a packing cycle).
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", a), packEv(sscc1, a))
	_, err := capture(t, m, mfr, packEv(sscc1, ssccDL))
	wantRule(t, err, chaincode.CodeInvalid, "packing-cycle", 0)
}

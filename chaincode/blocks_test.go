package chaincode_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
)

// consecutive returns n SGTINs with consecutive numeric serials from first.
func consecutive(first, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = sgtin(fmt.Sprintf("%d", first+i))
	}
	return out
}

// TestCommissioningWritesBlocksNotSerials: a batch of 1,000 consecutive
// serials is recorded in the (two) blocks it spans, with one lot index key
// per block and no key of any serial's own; every serial reads, verifies
// and counts as commissioned.
func TestCommissioningWritesBlocksNotSerials(t *testing.T) {
	m := newLedger(t)
	epcs := consecutive(100500, 1000) // 100500..101499: blocks 100 and 101
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", epcs...))
	if k := m.Keys("serial~"); len(k) != 0 {
		t.Fatalf("commissioning wrote %d serial keys, e.g. %s", len(k), k[0])
	}
	if k := m.Keys("sblk~"); len(k) != 2 || k[0] != "sblk~"+gtin+"~100~" || k[1] != "sblk~"+gtin+"~101~" {
		t.Fatalf("block keys %v", k)
	}
	if k := m.Keys("lotsb~"); len(k) != 2 {
		t.Fatalf("lot index keys %v", k)
	}
	ce := lastEvent(t, m)
	if all := ce.AllSerials(); len(all) != 1000 || all[999].Serial != "101499" || all[999].Owner != mfr || all[999].Lot != "L1" {
		t.Fatalf("the chaincode event carries %d serial records, want 1000", len(all))
	}
	// In two groups (one per block), not as 1,000 records.
	if len(ce.Serials) != 0 || len(ce.Commissioned) != 2 || len(ce.Commissioned[0].Serials) != 500 {
		t.Fatalf("event: %d serial records, %d commissioned groups", len(ce.Serials), len(ce.Commissioned))
	}
	for _, epc := range []string{epcs[0], epcs[499], epcs[500], epcs[999]} {
		s := serialOf(t, m, epc)
		if s.Owner != mfr || s.Status != chaincode.StatusActive || s.Lot != "L1" || s.Expiry != "2027-03-31" {
			t.Fatalf("%s: %+v", epc, s)
		}
		r, err := verify(t, m, pharm, chaincode.VerifyRequest{GTIN: gtin, Serial: s.Serial, Lot: "L1", Expiry: "270331"})
		if err != nil || !r.Verified {
			t.Fatalf("verify %s: %+v %v", epc, r, err)
		}
	}
	// Neighbours of the batch in the same blocks were not commissioned.
	for _, serial := range []string{"100499", "101500", "100"} {
		r, err := verify(t, m, pharm, chaincode.VerifyRequest{GTIN: gtin, Serial: serial})
		if err != nil || r.Verified || r.VerificationFailureReason != chaincode.NoMatchGTINSerial {
			t.Fatalf("verify uncommissioned %s: %+v %v", serial, r, err)
		}
	}
	if l := lotOf(t, m, "L1"); l.Commissioned != 1000 || len(l.Holders) != 1 || l.Holders[0].Count != 1000 {
		t.Fatalf("lot status %+v", l)
	}
	if n := len(m.Serials()); n != 1000 {
		t.Fatalf("%d serial records in the state, want 1000", n)
	}
}

// TestBlockCommissionedOnce: a serial already in its block is refused
// whether it is commissioned again alone, in a later batch overlapping the
// first, or twice in one batch; and a refused batch leaves its block as it
// was.
func TestBlockCommissionedOnce(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", consecutive(5000, 10)...))
	block := string(m.GetState("sblk~" + gtin + "~5~"))
	for _, tc := range []struct {
		name string
		epcs []string
		bad  string
	}{
		{"alone", []string{sgtin("5003")}, sgtin("5003")},
		{"overlapping batch", consecutive(5008, 5), sgtin("5008")},
		{"other lot's event", consecutive(5009, 1), sgtin("5009")},
	} {
		_, err := capture(t, m, mfr, commissionEv("L2", "2027-04-30", tc.epcs...))
		re := wantRule(t, err, chaincode.CodeInvalid, "already-commissioned", 0)
		if re.EPC != tc.bad {
			t.Fatalf("%s: refused EPC %s, want %s", tc.name, re.EPC, tc.bad)
		}
		if got := string(m.GetState("sblk~" + gtin + "~5~")); got != block {
			t.Fatalf("%s: refused batch changed the block:\n%s\n%s", tc.name, block, got)
		}
	}
	// A serial listed twice in one event is refused as such, before any
	// rule (TestRepeatedEPCRefused), not as commissioned by itself.
	_, err := capture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("5100"), sgtin("5101"), sgtin("5100")))
	wantRule(t, err, chaincode.CodeInvalid, "duplicate-epc", 0)
	if len(m.Keys("lotsb~"+gtin+"~L2~")) != 0 {
		t.Fatal("a refused batch wrote a lot index key")
	}
}

// TestBlockSegments: later transactions fill in other serials of a block,
// in other lots; each serial keeps its own lot, and the lot queries count
// exactly the lot's serials.
func TestBlockSegments(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", consecutive(7000, 300)...))
	m.SetTime(start.Add(time.Hour))
	// One transaction, two events, two lots, interleaved in the block.
	mustCapture(t, m, mfr,
		commissionEv("L2", "2027-04-30", consecutive(7300, 100)...),
		commissionEv("L1", "2027-03-31", consecutive(7400, 50)...))
	if k := m.Keys("sblk~"); len(k) != 1 {
		t.Fatalf("block keys %v", k)
	}
	var b struct {
		Segs []struct{ Lot, Members string }
	}
	if err := json.Unmarshal(m.GetState("sblk~"+gtin+"~7~"), &b); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(b.Segs)
	if got != "[{L1 0-299} {L2 300-399} {L1 400-449}]" {
		t.Fatalf("segments %s", got)
	}
	if l := lotOf(t, m, "L1"); l.Commissioned != 350 {
		t.Fatalf("lot L1 counts %d", l.Commissioned)
	}
	if l := lotOf(t, m, "L2"); l.Commissioned != 100 {
		t.Fatalf("lot L2 counts %d", l.Commissioned)
	}
	first, second := serialOf(t, m, sgtin("7000")), serialOf(t, m, sgtin("7350"))
	if second.Lot != "L2" || second.Expiry != "2027-04-30" || !second.Updated.After(first.Updated.Add(59*time.Minute)) {
		t.Fatalf("7350: %+v, 7000: %+v", second, first)
	}
	if s := serialOf(t, m, sgtin("7420")); s.Lot != "L1" || !s.Updated.Equal(second.Updated) {
		t.Fatalf("7420: %+v", s)
	}
}

// TestSerialLeavesItsBlock: a serial that moves gets a record of its own,
// which from then on is its state; its neighbours stay in the block; its
// history starts with the commissioning (transaction and block) and goes on
// with its own record.
func TestSerialLeavesItsBlock(t *testing.T) {
	m := newLedger(t)
	first := mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", consecutive(9000, 20)...))
	commissionHeight := m.Height()
	m.SetTime(start.Add(time.Minute))
	mustCapture(t, m, mfr, shipEv(whsGLN, sgtin("9005")))
	if k := m.Keys("serial~"); len(k) != 1 || k[0] != "serial~"+gtin+"~9005" {
		t.Fatalf("serial keys after one shipment: %v", k)
	}
	if s := serialOf(t, m, sgtin("9005")); s.Status != chaincode.StatusInTransit || s.ShipTo != whs {
		t.Fatalf("shipped serial %+v", s)
	}
	if s := serialOf(t, m, sgtin("9006")); s.Status != chaincode.StatusActive || s.Owner != mfr {
		t.Fatalf("neighbour %+v", s)
	}
	h := historyOf(t, m, sgtin("9005"))
	if len(h) != 2 || h[0].TxID != first.TxID || h[0].Block != commissionHeight || h[0].Serial.Status != chaincode.StatusActive ||
		h[1].Serial.Status != chaincode.StatusInTransit || h[1].Block != m.Height() {
		t.Fatalf("history %+v", h)
	}
	if h := historyOf(t, m, sgtin("9006")); len(h) != 1 || h[0].Block != commissionHeight || h[0].TxID != first.TxID ||
		!h[0].Time.Equal(serialOf(t, m, sgtin("9006")).Updated) {
		t.Fatalf("history of an unmoved serial %+v", h)
	}
	if l := lotOf(t, m, "L1"); l.Commissioned != 20 || len(l.Holders) != 1 || l.Holders[0].Count != 20 {
		t.Fatalf("lot status %+v (in transit stays the seller's)", l)
	}
	// The wholesaler now holds stock of the lot (the shipped serial,
	// found through its own record) once it receives it.
	mustCapture(t, m, whs, stepEv("receiving", sgtin("9005")))
	if l := lotOf(t, m, "L1"); len(l.Holders) != 2 || l.Holders[0].Count != 19 || l.Holders[1].Org != whs || l.Holders[1].Count != 1 {
		t.Fatalf("lot holders after receipt %+v", l.Holders)
	}
}

// TestCommissionAndMoveInOneTransaction: a serial commissioned and packed by
// one transaction gets its own record at once, and one history entry.
func TestCommissionAndMoveInOneTransaction(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", consecutive(3000, 3)...), commissionEv("L1", "2027-03-31", sscc1),
		packEv(sscc1, sgtin("3001")))
	if k := m.Keys("serial~"); len(k) != 1 || k[0] != "serial~"+gtin+"~3001" {
		t.Fatalf("serial keys %v", k)
	}
	if s := serialOf(t, m, sgtin("3001")); !strings.HasPrefix(s.Parent, "https://id.gs1.org/00/") {
		t.Fatalf("packed serial %+v", s)
	}
	if h := historyOf(t, m, sgtin("3001")); len(h) != 1 || h[0].Serial.Parent == "" {
		t.Fatalf("history %+v", h)
	}
}

// TestSerialsOfTheirOwnBlock: serials that do not end in three digits each
// have a block of their own, next to the numbered blocks of the same stem.
func TestSerialsOfTheirOwnBlock(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("AB"), sgtin("ABC"), sgtin("AB123"), sgtin("7")))
	// ("~" sorts after every serial character.)
	want := []string{"sblk~" + gtin + "~7~!", "sblk~" + gtin + "~ABC~!", "sblk~" + gtin + "~AB~", "sblk~" + gtin + "~AB~!"}
	if k := m.Keys("sblk~"); fmt.Sprint(k) != fmt.Sprint(want) {
		t.Fatalf("block keys %v, want %v", k, want)
	}
	for _, serial := range []string{"AB", "ABC", "AB123", "7"} {
		if s := serialOf(t, m, sgtin(serial)); s.Serial != serial || s.Owner != mfr {
			t.Fatalf("%s: %+v", serial, s)
		}
	}
	for _, serial := range []string{"A", "AB12", "AB124", "ABCD", "70"} {
		if r, err := verify(t, m, pharm, chaincode.VerifyRequest{GTIN: gtin, Serial: serial}); err != nil || r.Verified {
			t.Fatalf("uncommissioned %s verifies: %+v %v", serial, r, err)
		}
	}
	_, err := capture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("ABC")))
	wantRule(t, err, chaincode.CodeInvalid, "already-commissioned", 0)
	if l := lotOf(t, m, "L1"); l.Commissioned != 4 {
		t.Fatalf("lot counts %d", l.Commissioned)
	}
}

// TestBlockSegmentsAreBounded: serials commissioned one transaction at a
// time fill a block's first 8 segments; later ones get records of their
// own, listed in the block's one Own segment, so the block stops growing by
// a segment per transaction. Every serial reads, counts and is refused a
// second commissioning either way.
func TestBlockSegmentsAreBounded(t *testing.T) {
	m := newLedger(t)
	for i := range 20 {
		mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin(fmt.Sprintf("%d", 4000+i))))
	}
	var b struct {
		Segs []struct {
			Members string
			Own     bool
		}
	}
	if err := json.Unmarshal(m.GetState("sblk~"+gtin+"~4~"), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Segs) != 9 || !b.Segs[8].Own || b.Segs[8].Members != "8-19" || b.Segs[7].Own {
		t.Fatalf("segments %+v", b.Segs)
	}
	if k := m.Keys("serial~"); len(k) != 12 || k[0] != "serial~"+gtin+"~4008" {
		t.Fatalf("serial keys %v", k)
	}
	if k := m.Keys("lotsb~"); len(k) != 1 {
		t.Fatalf("lot index keys %v: want the block indexed once", k)
	}
	// A serial of another lot through the Own segment indexes the block
	// under that lot too.
	mustCapture(t, m, mfr, commissionEv("L2", "2027-04-30", sgtin("4500")))
	if k := m.Keys("lotsb~"); len(k) != 2 {
		t.Fatalf("lot index keys %v", k)
	}
	if l := lotOf(t, m, "L2"); l.Commissioned != 1 {
		t.Fatalf("lot L2 counts %d", l.Commissioned)
	}
	mustCapture(t, m, mfr, commissionEv("L2", "2027-04-30", sgtin("4501")))
	if k := m.Keys("lotsb~"); len(k) != 2 {
		t.Fatalf("lot index keys %v: a lot the Own segment lists is indexed already", k)
	}
	for _, serial := range []string{"4000", "4007", "4008", "4019"} {
		if s := serialOf(t, m, sgtin(serial)); s.Serial != serial || s.Owner != mfr || s.Lot != "L1" {
			t.Fatalf("%s: %+v", serial, s)
		}
		if h := historyOf(t, m, sgtin(serial)); len(h) != 1 || h[0].Block == 0 || h[0].Serial.Status != chaincode.StatusActive {
			t.Fatalf("history of %s: %+v", serial, h)
		}
		_, err := capture(t, m, mfr, at(commissionEv("L1", "2027-03-31", sgtin(serial)), 30))
		wantRule(t, err, chaincode.CodeInvalid, "already-commissioned", 0)
	}
	if l := lotOf(t, m, "L1"); l.Commissioned != 20 {
		t.Fatalf("lot counts %d", l.Commissioned)
	}
	if l := lotOf(t, m, "L2"); l.Commissioned != 2 {
		t.Fatalf("lot L2 counts %d", l.Commissioned)
	}
	if n := len(m.Serials()); n != 22 {
		t.Fatalf("%d serial records", n)
	}
	// Moving an own-record serial writes its record as for any other.
	mustCapture(t, m, mfr, shipEv(whsGLN, sgtin("4017")))
	if h := historyOf(t, m, sgtin("4017")); len(h) != 2 || h[1].Serial.Status != chaincode.StatusInTransit {
		t.Fatalf("history after shipping %+v", h)
	}
}

// TestCommissioningLotIsAGS1Lot: the lot of an ILMD is a GS1 lot (AI 10:
// 1 to 20 characters of set 82), like an LGTIN's. A lot with '~' would
// make its lot index keys (lotsb~<gtin>~<lot>~<block>) fall in the scan of
// another lot, whose ReadLot and stock checks then fail; a lot of any
// length would grow the block records and keys without bound. Either is
// refused and changes nothing; the other lots keep counting.
func TestCommissioningLotIsAGS1Lot(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("A", "2027-03-31", sgtin("1000")))
	for _, lot := range []string{"A~5", "A~", strings.Repeat("L", 21), "A\x7f", "lot é"} {
		_, err := capture(t, m, mfr, commissionEv(lot, "2027-03-31", sgtin("2000")))
		wantRule(t, err, chaincode.CodeInvalid, "bad-lot", 0)
	}
	if k := m.Keys("lotsb~"); len(k) != 1 {
		t.Fatalf("lot index keys %v", k)
	}
	if l := lotOf(t, m, "A"); l.Commissioned != 1 {
		t.Fatalf("lot A counts %d", l.Commissioned)
	}
	// Twenty characters of set 82 are a lot.
	mustCapture(t, m, mfr, commissionEv(`!"%&'()*+,-./:;<=>?_`, "2027-03-31", sgtin("2000")))
}

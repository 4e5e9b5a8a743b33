package chaincode_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"rxledger/chaincode"
	"rxledger/epcis"
)

// BenchmarkCommission1000 commissions 1,000 serials per transaction on the
// in-memory ledger (rules, encoding and event cost; no storage cost).
func BenchmarkCommission1000(b *testing.B) {
	b.Run("consecutive", func(b *testing.B) { benchCommission(b, func(n int) string { return fmt.Sprintf("B%d", n) }) })
	// 12 digits scattered over the serial space (n times an odd multiplier
	// not divisible by 5, modulo 10^12): every serial a block of its own.
	b.Run("random", func(b *testing.B) {
		benchCommission(b, func(n int) string { return fmt.Sprintf("B%012d", uint64(n)*2654435761%1_000_000_000_000) })
	})
}

func benchCommission(b *testing.B, serial func(n int) string) {
	m := newLedger(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		epcs := make([]string, 1000)
		for i := range epcs {
			epcs[i] = sgtin(serial(n))
			n++
		}
		raw, _ := json.Marshal([]epcis.Event{commissionEv("LB", "2027-03-31", epcs...)})
		if _, err := m.Submit(mfr, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "EPCs/s")
}

// BenchmarkShipOne runs single-event shipping transactions.
func BenchmarkShipOne(b *testing.B) {
	m := newLedger(b)
	const pool = 1000
	epcs := serials("S", pool)
	raw, _ := json.Marshal([]epcis.Event{commissionEv("LB", "2027-03-31", epcs...)})
	if _, err := m.Submit(mfr, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// ship, then void, alternately, so every transaction changes state.
		e := shipEv(whsGLN, epcs[i%pool])
		if (i/pool)%2 == 1 {
			e = stepEv("void_shipping", epcs[i%pool])
		}
		e = at(e, i)
		raw, _ := json.Marshal([]epcis.Event{e})
		if _, err := m.Submit(mfr, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkVerify runs the Verify query in process.
func BenchmarkVerify(b *testing.B) {
	m := newLedger(b)
	epcs := serials("V", 100)
	raw, _ := json.Marshal([]epcis.Event{commissionEv("LB", "2027-03-31", epcs...)})
	if _, err := m.Submit(mfr, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}); err != nil {
		b.Fatal(err)
	}
	req, _ := json.Marshal(chaincode.VerifyRequest{GTIN: gtin, Serial: "V7", Lot: "LB", Expiry: "270331"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Evaluate(whs, chaincode.FnVerify, string(req)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkObserve1000 anchors one storing observation of 1,000 packages
// the caller owns per transaction (holder checks, no record changes).
func BenchmarkObserve1000(b *testing.B) {
	m := newLedger(b)
	epcs := serials("O", 1000)
	raw, _ := json.Marshal([]epcis.Event{commissionEv("LB", "2027-03-31", epcs...)})
	if _, err := m.Submit(mfr, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		raw, _ := json.Marshal([]epcis.Event{at(stepEv("storing", epcs...), i)})
		if _, err := m.Submit(mfr, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i*1000)/b.Elapsed().Seconds(), "EPCs/s")
}

// BenchmarkObserveLotScan is the worst case of a class-level observation by
// an organisation that does not own the GTIN: the wholesaler holds only the
// last of a 1,000-package lot, so the check reads the whole lot index.
func BenchmarkObserveLotScan(b *testing.B) {
	m := newLedger(b)
	epcs := serials("K", 1000)
	raw, _ := json.Marshal([]epcis.Event{commissionEv("LK", "2027-03-31", epcs...), shipEv(whsGLN, "urn:epc:id:sgtin:0312345.067890.K999")})
	if _, err := m.Submit(mfr, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		raw, _ := json.Marshal([]epcis.Event{at(classEv("arriving", "urn:epc:class:lgtin:0312345.067890.LK"), i)})
		if _, err := m.Submit(whs, chaincode.FnCapture, map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

package ledgertest_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"rxledger/internal/testenv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
)

// openBench opens an embedded ledger with the manufacturer and wholesaler
// registered.
func openBench(b *testing.B) ledger.Ledger {
	b.Helper()
	cons, err := embedded.LoadConsortium(filepath.Join(testenv.RepoRoot(b), "deploy", "consortium", "demo.json"))
	if err != nil {
		b.Fatal(err)
	}
	l, err := embedded.Open(b.TempDir(), cons, chaincode.Invoke, embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []chaincode.Partner{
		{ID: "ManufacturerMSP", Name: "M", Roles: []chaincode.Role{"manufacturer"}, GLNs: []string{"0312345000004"}, CompanyPrefixes: []string{"0312345"}, Licenses: []chaincode.License{{Authority: "FDA", Number: "1", Expiry: far}}},
		{ID: "WholesalerMSP", Name: "W", Roles: []chaincode.Role{"wholesaler"}, GLNs: []string{"0388888000009"}, Licenses: []chaincode.License{{Authority: "NJ", Number: "2", Expiry: far}}},
	} {
		raw, _ := json.Marshal(p)
		if _, err := l.Submit(b.Context(), p.ID, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(raw)}}); err != nil {
			b.Fatal(err)
		}
		att, _ := json.Marshal(p.Claims())
		if _, err := l.Submit(b.Context(), "RegulatorMSP", ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{p.ID, string(att)}}); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

func commissionBatch(first, n int, minute int) map[string][]byte {
	epcs := make([]string, n)
	for i := range epcs {
		epcs[i] = fmt.Sprintf("urn:epc:id:sgtin:0312345.067890.B%d", first+i)
	}
	e := epcis.Event{Type: epcis.ObjectEventType, Action: epcis.ActionAdd, BizStep: "commissioning", EPCList: epcs,
		EventTime: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(minute) * time.Second), EventTimeZoneOffset: "+00:00",
		ILMD: []epcis.Element{{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: "LB"}, {Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: "2099-12-31"}}}
	raw, _ := json.Marshal([]epcis.Event{e})
	return map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}
}

// BenchmarkEmbeddedCommission1000: batches of 1,000 serials per transaction
// on the durable embedded ledger, two submitters.
func BenchmarkEmbeddedCommission1000(b *testing.B) {
	l := openBench(b)
	// The first commissioning creates the lot record; concurrent creators of
	// one new lot conflict (MVCC), so it is created before timing.
	if _, err := l.Submit(b.Context(), "ManufacturerMSP", ledger.Transaction{Function: chaincode.FnCapture, Transient: commissionBatch(0, 1, 0)}); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 2 {
		wg.Go(func() {
			for range jobs {
				k := int(next.Add(1))
				if _, err := l.Submit(b.Context(), "ManufacturerMSP", ledger.Transaction{Function: chaincode.FnCapture, Transient: commissionBatch(k*1000, 1000, k)}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := 0; i < b.N; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "EPCs/s")
}

// BenchmarkEmbeddedVerify: verification queries in process.
func BenchmarkEmbeddedVerify(b *testing.B) {
	l := openBench(b)
	if _, err := l.Submit(b.Context(), "ManufacturerMSP", ledger.Transaction{Function: chaincode.FnCapture, Transient: commissionBatch(0, 1000, 0)}); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			req := fmt.Sprintf(`{"gtin":"00312345678906","serialNumber":"B%d","lotNumber":"LB","expirationDate":"991231"}`, i%1000)
			if _, err := l.Evaluate(b.Context(), "WholesalerMSP", chaincode.FnVerify, req); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

package fabric

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/verify"
)

// TestVerifyProjectionCatchesUpAcrossPeerRestart runs the verification
// service's projector (services/verify) on the Fabric ledger, reading blocks
// from the wholesaler's peer. While that peer is stopped the manufacturer
// goes on commissioning (the wholesaler's endorsement is not needed); when it
// returns the projector resumes after its checkpoint. Then the projector
// itself is stopped, more is committed, and a new projector on the same
// cache catches up from the cache's checkpoint.
func TestVerifyProjectionCatchesUpAcrossPeerRestart(t *testing.T) {
	p := network(t)
	if !strings.Contains(" "+p["RXL_FABRIC_CHAINCODES"]+" ", " rxledger ") {
		t.Skip("the network has no rxledger chaincode (chaincode/cmd/rxledger-cc is missing)")
	}
	name := fmt.Sprintf("rxl-proj-%x", rand.Uint32())
	if out, err := runScript("define", name, "rxledger"); err != nil {
		t.Fatalf("define chaincode %s: %v\n%s", name, err, out)
	}
	// The first organisation reads the blocks.
	l := newTestLedger(t, name, wholesaler, manufacturer, pharmacy, regulator)
	ctx := context.Background()
	registerManufacturer(t, l)

	cache := verify.NewMemoryCache()
	svc := verify.New(l, cache, verify.Options{})
	startProjector := func() (stop func()) {
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- svc.RunProjector(pctx) }()
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("RunProjector: %v", err)
			}
		}
	}
	// projected waits until the cache holds the serial of a commissioning
	// committed in block, with a checkpoint at or after that block.
	projected := func(what string, epc string, block uint64) {
		t.Helper()
		id, err := chaincode.ParseItemID(epc)
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, recoveryLimit, what, func(ctx context.Context) error {
			var lk verify.Lookup
			if err := cache.Lookup(ctx, manufacturer, []verify.Key{verify.SerialKey(id.GTIN, id.Serial)}, nil, &lk); err != nil {
				return err
			}
			if !lk.Checkpoint.Set || lk.Checkpoint.Block < block {
				return fmt.Errorf("checkpoint %+v, want block %d or later", lk.Checkpoint, block)
			}
			if !lk.Items[0].Serial.Cached || lk.Items[0].Serial.Record == nil {
				return fmt.Errorf("serial %s is not in the cache", epc)
			}
			return nil
		})
	}

	stop := startProjector()
	epc, r := commission(t, l, "before")
	projected("project the first commissioning", epc, r.Block)

	restart := outage(t, "peer-wholesaler")
	var during []string
	var last ledger.Receipt
	for i := range 2 {
		epc, r := commission(t, l, fmt.Sprintf("during-%d", i))
		during = append(during, epc)
		last = r
	}
	restart()
	for _, epc := range during {
		projected("project what was committed while the peer was down", epc, last.Block)
	}

	stop()
	epc, r = commission(t, l, "while-stopped")
	stop = startProjector()
	defer stop()
	projected("a new projector resumes from the cache's checkpoint", epc, r.Block)
}

// registerManufacturer writes the manufacturer's partner record and has the
// regulator attest it, which a commissioning needs (its company prefix).
func registerManufacturer(t *testing.T, l *Ledger) {
	t.Helper()
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	p := chaincode.Partner{
		ID: manufacturer, Name: "Test manufacturer", Roles: []chaincode.Role{chaincode.RoleManufacturer},
		GLNs: []string{"0312345000004"}, CompanyPrefixes: []string{"0312345"},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "test-1", Expiry: far}},
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Submit(context.Background(), manufacturer, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(raw)}}); err != nil {
		t.Fatalf("register %s: %v", manufacturer, err)
	}
	att, err := json.Marshal(p.Claims())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Submit(context.Background(), regulator, ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{manufacturer, string(att)}}); err != nil {
		t.Fatalf("attest %s: %v", manufacturer, err)
	}
}

// commission commissions one serial as the manufacturer, retrying while the
// network recovers, and returns its EPC and receipt.
func commission(t *testing.T, l *Ledger, serial string) (string, ledger.Receipt) {
	t.Helper()
	epc := "urn:epc:id:sgtin:0312345.067890." + serial
	raw, err := json.Marshal([]epcis.Event{{
		Type: epcis.ObjectEventType, Action: epcis.ActionAdd, BizStep: "commissioning", EPCList: []string{epc},
		EventTime: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), EventTimeZoneOffset: "+00:00",
		ILMD: []epcis.Element{
			{Space: "urn:epcglobal:cbv:mda", Local: "lotNumber", Text: "L1"},
			{Space: "urn:epcglobal:cbv:mda", Local: "itemExpirationDate", Text: "2099-12-31"},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var receipt ledger.Receipt
	eventually(t, recoveryLimit, "commission "+epc, func(ctx context.Context) error {
		receipt, err = l.Submit(ctx, manufacturer, ledger.Transaction{Function: chaincode.FnCapture,
			Transient: map[string][]byte{chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}})
		return err
	})
	return epc, receipt
}

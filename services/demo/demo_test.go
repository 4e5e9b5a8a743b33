package demo

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis/gs1"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
)

// openLedger opens an embedded ledger of the demo organisations in dir.
func openLedger(t *testing.T, dir string) ledger.Ledger {
	t.Helper()
	cons := &embedded.Consortium{Name: "demo-test"}
	for _, o := range Orgs() {
		cons.Organizations = append(cons.Organizations, embedded.Organization{MSPID: o.MSP, Name: o.Name,
			Roles: []string{string(o.Role)}, GS1CompanyPrefixes: o.CompanyPrefixes})
	}
	l, err := embedded.Open(filepath.Join(dir, "ledger"), cons, chaincode.Invoke, embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open embedded ledger: %v", err)
	}
	return l
}

// loaded is a ledger with the demo loaded once, shared by the tests.
func loaded(t *testing.T) (ledger.Ledger, Result, string) {
	t.Helper()
	dir := t.TempDir()
	l := openLedger(t, dir)
	t.Cleanup(func() { l.Close() })
	res, err := Load(t.Context(), l, Options{})
	if err != nil {
		t.Fatalf("load the demo: %v", err)
	}
	return l, res, dir
}

func TestIdentifiersAreValid(t *testing.T) {
	for _, o := range Orgs() {
		if _, err := gs1.ParseGLN(o.GLN); err != nil {
			t.Errorf("%s GLN %s: %v", o.MSP, o.GLN, err)
		}
	}
	for _, p := range Products() {
		ndc, err := gs1.ParseNDC(p.NDC)
		if err != nil {
			t.Fatalf("NDC %s: %v", p.NDC, err)
		}
		g, err := ndc.GTIN('0')
		if err != nil || g != p.GTIN {
			t.Errorf("NDC %s makes GTIN %s (%v); the product says %s", p.NDC, g, err, p.GTIN)
		}
		if p.GTIN[1:8] != CompanyPrefix {
			t.Errorf("GTIN %s is not of company prefix %s", p.GTIN, CompanyPrefix)
		}
	}
	for _, l := range Lots() {
		for _, sscc := range l.Cases {
			if _, err := chaincode.ParseItemID(sscc); err != nil {
				t.Errorf("case %s: %v", sscc, err)
			}
		}
	}
}

func TestLoadIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir)
	first, err := Load(t.Context(), l, Options{})
	if err != nil {
		t.Fatalf("first load: %v", err)
	}
	if first.Skipped != 0 || first.Submitted != len(Orgs())+len(story()) {
		t.Fatalf("first load: %+v; want every one of %d partners and %d steps submitted", first, len(Orgs()), len(story()))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened on the same directory, as serve --demo does after a restart.
	l = openLedger(t, dir)
	defer l.Close()
	second, err := Load(t.Context(), l, Options{})
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	if second.Submitted != 0 || second.Height != first.Height {
		t.Fatalf("second load: %+v; want nothing submitted and height %d", second, first.Height)
	}
	var lot chaincode.LotStatus
	lots := Lots()
	if err := evaluate(t.Context(), l, Manufacturer, &lot, chaincode.FnReadLot, lots[0].Product.GTIN, lots[0].Number); err != nil {
		t.Fatal(err)
	}
	if lot.Commissioned != len(lots[0].Serials) {
		t.Fatalf("lot %s: %d commissioned after two loads; want %d", lots[0].Number, lot.Commissioned, len(lots[0].Serials))
	}
}

func TestLoadRenewsLicences(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir)
	defer l.Close()
	start := time.Now()
	if _, err := Load(t.Context(), l, Options{Now: func() time.Time { return start }}); err != nil {
		t.Fatal(err)
	}
	later := start.Add(LicenceValidity - LicenceRenewal/2)
	res, err := Load(t.Context(), l, Options{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	// The three licensed partners are renewed, the regulator (no licence)
	// and every story step are left alone.
	if res.Submitted != 3 {
		t.Fatalf("load near licence expiry submitted %d transactions; want 3 renewals", res.Submitted)
	}
	var p chaincode.Partner
	if err := evaluate(t.Context(), l, Pharmacy, &p, chaincode.FnReadPartner, Pharmacy); err != nil {
		t.Fatal(err)
	}
	if !p.ATP(later.Add(LicenceValidity - time.Hour)) {
		t.Fatalf("pharmacy licences %+v not renewed for a year from %s", p.Licenses, later)
	}
}

func TestSamplesAreInTheirStates(t *testing.T) {
	l, _, _ := loaded(t)
	s := StorySamples()
	cases := []struct {
		name       string
		samples    []Sample
		verified   bool
		reason     string
		info       string
		wantHolder string
	}{
		{"active", s.Active, true, "", "", Pharmacy},
		{"dispensed", s.Dispensed, false, chaincode.NotForRedistribution, "", Pharmacy},
		{"recalled", s.Recalled, true, "", "Recalled", Pharmacy},
		{"suspect", s.Suspect, true, "", "Suspect", Pharmacy},
		{"returned", s.Returned, true, "", "", Wholesaler},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.samples) == 0 {
				t.Fatal("no samples")
			}
			for _, smp := range tc.samples {
				if smp.Holder != tc.wantHolder {
					t.Errorf("%s holder %s; want %s", smp.Serial, smp.Holder, tc.wantHolder)
				}
				req, _ := json.Marshal(chaincode.VerifyRequest{GTIN: smp.GTIN, Serial: smp.Serial, Lot: smp.Lot, Expiry: smp.Expiry})
				var r chaincode.VerifyResult
				if err := evaluate(t.Context(), l, Wholesaler, &r, chaincode.FnVerify, string(req)); err != nil {
					t.Fatal(err)
				}
				if r.Verified != tc.verified || r.VerificationFailureReason != tc.reason || r.AdditionalInfo != tc.info {
					t.Errorf("%s: %+v; want verified %v, reason %q, additionalInfo %q", smp.Serial, r, tc.verified, tc.reason, tc.info)
				}
				var rec chaincode.SerialRecord
				sgtin, err := gs1.NewSGTIN(smp.GTIN, smp.Serial)
				if err != nil {
					t.Fatal(err)
				}
				if err := evaluate(t.Context(), l, Regulator, &rec, chaincode.FnReadSerial, sgtin.DigitalLink()); err != nil {
					t.Fatal(err)
				}
				if rec.Owner != tc.wantHolder {
					t.Errorf("%s: owner on the ledger %s; the sample says %s", smp.Serial, rec.Owner, smp.Holder)
				}
			}
		})
	}
}

func TestLoadFinishesAnInterruptedLoad(t *testing.T) {
	l := openLedger(t, t.TempDir())
	defer l.Close()
	steps := story()
	cut := len(steps) / 2
	// A load that stopped half-way: partners and the first steps only.
	for _, o := range Orgs() {
		if _, err := putPartner(t.Context(), l, o, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range steps[:cut] {
		if _, err := apply(t.Context(), l, s); err != nil {
			t.Fatalf("step %q: %v", s.name, err)
		}
	}
	res, err := Load(t.Context(), l, Options{})
	if err != nil {
		t.Fatalf("load after the interruption: %v", err)
	}
	if res.Skipped != len(Orgs())+cut || res.Submitted != len(steps)-cut {
		t.Fatalf("load after the interruption: %+v; want %d skipped, %d submitted", res, len(Orgs())+cut, len(steps)-cut)
	}
}

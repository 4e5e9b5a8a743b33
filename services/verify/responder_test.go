package verify

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger"
	"rxledger/services/verify/verifytest"
)

// TestResponderGLNNotRememberedFromAFailedRead: a request whose read of the
// GTIN owner's partner record fails (its client gave up, the ledger did not
// answer) does not leave the fallback GLN remembered for everyone else's
// answers.
func TestResponderGLNNotRememberedFromAFailedRead(t *testing.T) {
	f := newFixture(t, false, Options{NoLag: true})
	lot := &chaincode.LotRecord{Owner: verifytest.Manufacturer}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if got := f.svc.responderGLN(gone, verifytest.Wholesaler, lot); got != "" {
		t.Logf("responderGLN with an ended context: %q", got)
	}
	if got := f.svc.responderGLN(context.Background(), verifytest.Wholesaler, lot); got != verifytest.ManufacturerGLN {
		t.Errorf("responderGLN after a failed read = %q, want the owner's %s", got, verifytest.ManufacturerGLN)
	}
}

// TestResponderGLNIsAttested: the responderGLN of a known serial is the
// first GLN a regulator attests to the GTIN's owner, not one the owner
// only claims in its own partner record.
func TestResponderGLNIsAttested(t *testing.T) {
	f := newFixture(t, false, Options{NoLag: true})
	w := f.w
	ok := w.Serial("RA1")
	w.Commission(w.Serial("LRA"), ok)
	claim := chaincode.Partner{ID: verifytest.Manufacturer, Name: "Acme", Roles: []chaincode.Role{chaincode.RoleManufacturer},
		GLNs: []string{verifytest.WholesalerGLN, verifytest.ManufacturerGLN}, CompanyPrefixes: []string{"0312345"}}
	b, err := json.Marshal(claim)
	if err != nil {
		t.Fatal(err)
	}
	w.Submit(verifytest.Manufacturer, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(b)}})
	f.caughtUp()
	if r := f.verify(verifytest.Wholesaler, path(ok, "")); r.ResponderGLN != verifytest.ManufacturerGLN {
		t.Fatalf("responderGLN %q, want the attested %s (answer %+v)", r.ResponderGLN, verifytest.ManufacturerGLN, r)
	}
}

// TestUnknownSerialResponderGLN: over HTTP, an unknown serial of a known
// GTIN is answered with the manufacturer's GLN, single and in a batch,
// from the ledger and then from the cache; a service that shares the cache
// but has not asked the ledger yet answers the same.
func TestUnknownSerialResponderGLN(t *testing.T) {
	const fallback = "0399999000003"
	for _, impl := range cacheImpls {
		t.Run(impl.name, func(t *testing.T) {
			f := newFixture(t, impl.redis, Options{NoLag: true, ResponderGLN: fallback})
			w := f.w
			known := w.Serial("RK1")
			w.Commission(w.Serial("LRK"), known)
			f.caughtUp()
			check := func(what string, r Response, source string) {
				t.Helper()
				if r.Verified || r.VerificationFailureReason != chaincode.NoMatchGTINSerial || r.Source != source ||
					r.ResponderGLN != verifytest.ManufacturerGLN {
					t.Errorf("%s: %+v, want %s from the %s with responderGLN %s", what, r, chaincode.NoMatchGTINSerial,
						source, verifytest.ManufacturerGLN)
				}
			}

			single := w.Serial("RU1")
			status, body := f.do(http.MethodGet, path(single, ""), verifytest.Wholesaler, nil)
			if status != http.StatusOK || !strings.Contains(string(body), `"responderGLN":"`+verifytest.ManufacturerGLN+`"`) {
				t.Fatalf("single, first ask: %d %s", status, body)
			}
			var r Response
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			check("single, first ask", r, SourceLedger)
			check("single, asked again", f.verify(verifytest.Wholesaler, path(single, "")), SourceCache)

			batch := []string{w.Serial("RU2"), known, w.Serial("RU3")}
			for i, r := range askBatch(t, f, verifytest.Wholesaler, batch) {
				if i != 1 {
					check("batch, first ask", r, SourceLedger)
				}
			}
			for i, r := range askBatch(t, f, verifytest.Wholesaler, batch) {
				if i != 1 {
					check("batch, asked again", r, SourceCache)
				} else if !r.Verified || r.ResponderGLN != verifytest.ManufacturerGLN {
					t.Errorf("known serial in the batch: %+v", r)
				}
			}

			// Another process on the same cache: its first answer about a
			// cached absence comes from the ledger, which names the GLN.
			other := New(f.w.Ledger, f.cache, Options{NoLag: true, ResponderGLN: fallback})
			ask := func() Response {
				t.Helper()
				out, err := other.Verify(context.Background(), w.Principal[verifytest.Wholesaler], []Request{{GTIN: verifytest.GTIN, Serial: single}})
				if err != nil {
					t.Fatal(err)
				}
				return out[0]
			}
			check("another service, first ask", ask(), SourceLedger)
			check("another service, asked again", ask(), SourceCache)
		})
	}
}

// TestUnknownSerialResponderFallback: when the GTIN's owner has no attested
// GLN, an unknown serial is answered with Options.ResponderGLN, from the
// ledger and from the cache.
func TestUnknownSerialResponderFallback(t *testing.T) {
	const fallback = "0399999000003"
	f := newFixture(t, false, Options{NoLag: true, ResponderGLN: fallback})
	w := f.w
	w.Commission(w.Serial("LRF"), w.Serial("RF1"))
	a := chaincode.Attestation{Roles: []chaincode.Role{chaincode.RoleManufacturer}, CompanyPrefixes: []string{"0312345"},
		Licenses: []chaincode.License{{Authority: "FDA", Number: "LIC-M", Expiry: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	w.Submit(verifytest.Regulator, ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{verifytest.Manufacturer, string(b)}})
	f.caughtUp()
	for _, source := range []string{SourceLedger, SourceCache} {
		if r := f.verify(verifytest.Wholesaler, path(w.Serial("RF2"), "")); r.Source != source || r.ResponderGLN != fallback {
			t.Errorf("answer %+v, want one from the %s with responderGLN %s", r, source, fallback)
		}
	}
}

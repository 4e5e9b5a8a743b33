package chaincode_test

import (
	"encoding/json"
	"testing"
	"time"

	"rxledger/chaincode"
)

// TestATPAtTransactionTime: being an authorized trading partner is derived
// from a licence a regulator attests that is current at the transaction's
// timestamp (not the wall clock, not the time the record was written), for
// the caller of a capture, the destination of a shipment and the requester
// of a verification. A licence the organisation writes into its own record
// restores nothing; the regulator's renewed attestation does.
func TestATPAtTransactionTime(t *testing.T) {
	m := newLedger(t)
	expiry := start.Add(48 * time.Hour)
	licence := func(exp time.Time) []chaincode.License {
		return []chaincode.License{{Authority: "NJ", Number: "W-1", Expiry: exp}}
	}
	whsRecord := func(exp time.Time) string {
		p := partners()[1]
		p.Licenses = licence(exp)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	whsAttestation := func(exp time.Time) chaincode.Attestation {
		p := partners()[1]
		return chaincode.Attestation{Roles: p.Roles, Licenses: licence(exp), CompanyPrefixes: p.CompanyPrefixes, GLNs: p.GLNs}
	}
	if _, err := m.Submit(whs, chaincode.FnPutPartner, nil, whsRecord(expiry)); err != nil {
		t.Fatal(err)
	}
	attest(t, m, whs, whsAttestation(expiry))
	items := serials("T", 3)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", items...))

	m.SetTime(expiry.Add(-time.Minute)) // still licensed
	mustCapture(t, m, mfr, shipEv(whsGLN, items[0]))
	mustCapture(t, m, whs, stepEv("receiving", items[0]))
	if _, err := verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "T0"}); err != nil {
		t.Fatalf("licensed requester: %v", err)
	}

	lapsed := func(step int) {
		t.Helper()
		_, err := capture(t, m, mfr, at(shipEv(whsGLN, items[1]), step))
		wantRule(t, err, chaincode.CodeForbidden, "destination-not-atp", 0)
		_, err = capture(t, m, whs, at(shipEv(pharmGLN, items[0]), step+1))
		wantRule(t, err, chaincode.CodeForbidden, "caller-not-atp", -1)
		_, err = verify(t, m, whs, chaincode.VerifyRequest{GTIN: gtin, Serial: "T0"})
		wantRule(t, err, chaincode.CodeForbidden, "requester-not-atp", -1)
	}
	m.SetTime(expiry.Add(time.Minute))
	lapsed(1)

	// An organisation may always rewrite its own record, but a licence it
	// writes itself does not make it an ATP again.
	if _, err := m.Submit(whs, chaincode.FnPutPartner, nil, whsRecord(expiry.AddDate(1, 0, 0))); err != nil {
		t.Fatalf("self-renewal: %v", err)
	}
	lapsed(3)

	// The regulator's attestation of the renewed licence does.
	attest(t, m, whs, whsAttestation(expiry.AddDate(1, 0, 0)))
	mustCapture(t, m, mfr, at(shipEv(whsGLN, items[1]), 5))
	mustCapture(t, m, whs, at(shipEv(pharmGLN, items[0]), 6))
}

// TestSelfWrittenLicenceIsNotATP: an organisation that only writes itself a
// licence (never attested) is no authorized trading partner.
func TestSelfWrittenLicenceIsNotATP(t *testing.T) {
	m := newLedger(t)
	p := chaincode.Partner{ID: "SelfMSP", Name: "Self Licensed", Roles: []chaincode.Role{chaincode.RoleWholesaler},
		Licenses: partners()[0].Licenses}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(p.ID, chaincode.FnPutPartner, nil, string(b)); err != nil {
		t.Fatal(err)
	}
	if got := readPartner(t, m, p.ID); got.ATP(start) {
		t.Fatalf("self-licensed record is ATP: %+v", got)
	}
	_, err = verify(t, m, p.ID, chaincode.VerifyRequest{GTIN: gtin, Serial: "X"})
	wantRule(t, err, chaincode.CodeForbidden, "requester-not-atp", -1)
	_, err = capture(t, m, p.ID, stepEv("receiving", sgtin("X")))
	wantRule(t, err, chaincode.CodeForbidden, "caller-not-atp", -1)
}

// TestNotATPReason: the refusal says what is missing, so an organisation
// with a claimed but unattested licence is not told it has no licence.
func TestNotATPReason(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	lic := func(exp time.Time) []chaincode.License {
		return []chaincode.License{{Authority: "FDA", Number: "L-1", Expiry: exp}}
	}
	claimed := &chaincode.Partner{ID: "NewMSP", Licenses: lic(now.AddDate(1, 0, 0))}
	for _, tc := range []struct {
		name string
		p    *chaincode.Partner
		want string
	}{
		{"no record", nil, "has no partner record on the ledger"},
		{"claimed, not attested", claimed, "has a partner record that no regulator has attested yet"},
		{"attested without licences", &chaincode.Partner{ID: "NewMSP", Attested: &chaincode.Attestation{}}, "has no licence that a regulator attested"},
		{"attested licences expired", &chaincode.Partner{ID: "NewMSP", Attested: &chaincode.Attestation{Licenses: append(lic(now.AddDate(0, -2, 0)), lic(now.AddDate(0, -1, 0))...)}},
			"has no current licence: the last one a regulator attested expired on 2026-10-21"},
		{"current", &chaincode.Partner{ID: "NewMSP", Attested: &chaincode.Attestation{Licenses: lic(now.AddDate(0, 0, 1))}}, ""},
	} {
		if got := tc.p.NotATPReason(now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

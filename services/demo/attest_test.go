package demo

import (
	"encoding/json"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger"
)

// TestLoadAttestsPartners: a load has the regulator attest what every
// partner record claims, a second load attests nothing again, and a load
// after the regulator changed an attestation restores it.
func TestLoadAttestsPartners(t *testing.T) {
	l, _, _ := loaded(t)
	for _, o := range Orgs() {
		var p chaincode.Partner
		if err := evaluate(t.Context(), l, o.MSP, &p, chaincode.FnReadPartner, o.MSP); err != nil {
			t.Fatal(err)
		}
		want := p.Claims()
		if !sameAttestation(p.Attested, want) || p.Attested.By != Regulator {
			t.Errorf("%s: attested %+v; want the claims %+v by %s", o.MSP, p.Attested, want, Regulator)
		}
	}
	if res, err := Load(t.Context(), l, Options{}); err != nil || res.Submitted != 0 {
		t.Fatalf("second load submitted %d (%v); want nothing", res.Submitted, err)
	}

	revoke, err := json.Marshal(chaincode.Attestation{Roles: []chaincode.Role{chaincode.RoleDispenser}, GLNs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Submit(t.Context(), Regulator, ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{Pharmacy, string(revoke)}}); err != nil {
		t.Fatalf("revoke the pharmacy: %v", err)
	}
	res, err := Load(t.Context(), l, Options{})
	if err != nil || res.Submitted != 1 {
		t.Fatalf("load after a revocation submitted %d (%v); want the one re-attestation", res.Submitted, err)
	}
	var p chaincode.Partner
	if err := evaluate(t.Context(), l, Pharmacy, &p, chaincode.FnReadPartner, Pharmacy); err != nil {
		t.Fatal(err)
	}
	if !p.ATP(time.Now()) {
		t.Fatalf("pharmacy not ATP after the re-attestation: %+v", p.Attested)
	}
}

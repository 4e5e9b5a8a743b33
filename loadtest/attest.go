package main

import (
	"context"
	"encoding/json"
	"fmt"

	"rxledger/chaincode"
	"rxledger/services/ledger"
)

// regulator is the consortium's regulator: only it attests partners.
const regulator = "RegulatorMSP"

// register writes p as its organisation's own record and has the regulator
// attest what it claims (licences, company prefixes, GLNs): claims alone
// grant nothing.
func register(ctx context.Context, l ledger.Ledger, p chaincode.Partner) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode partner: %w", err)
	}
	if _, err := l.Submit(ctx, p.ID, ledgerTx(chaincode.FnPutPartner, string(raw))); err != nil {
		return fmt.Errorf("register %s: %w", p.ID, err)
	}
	att, err := json.Marshal(p.Claims())
	if err != nil {
		return fmt.Errorf("encode attestation: %w", err)
	}
	if _, err := l.Submit(ctx, regulator, ledgerTx(chaincode.FnAttestPartner, p.ID, string(att))); err != nil {
		return fmt.Errorf("attest %s: %w", p.ID, err)
	}
	return nil
}

package chaincode_test

import (
	"errors"
	"testing"

	"rxledger/chaincode"
)

// TestMalformedArgumentsAreRefusals sends every function arguments a caller
// could get wrong (not JSON, JSON of the wrong shape, identifiers that are
// not identifiers, empty ones) as every partner: each answer is a success
// or a *RuleError. The ledgers answer any other error as the chaincode's
// failure (500), so an input mistake that escaped as a plain error would
// tell the caller the server broke instead of what to mend.
func TestMalformedArgumentsAreRefusals(t *testing.T) {
	m := newLedger(t)
	mustCapture(t, m, mfr, commissionEv("L1", "2027-03-31", sgtin("F1")))
	bad := []string{"", "{", "[]", "null", `{"gtin":1}`, `"x"`, "urn:epc:id:sgtin:", "urn:epc:id:sgtin:0312345.067890.",
		"urn:epc:id:sscc:1.2", "https://id.gs1.org/01/", "https://id.gs1.org/01/00312345678906/21/", "%zz", "x~y\x00z",
		`{"gtin":"00312345678906","serial":"F1","lot":"L1","expiry":"99x"}`, `{"msp":"ManufacturerMSP"}`}
	funcs := map[string]int{
		chaincode.FnPutPartner: 1, chaincode.FnAttestPartner: 2, chaincode.FnRecallLot: 3, chaincode.FnSetInvestigation: 2, chaincode.FnFlagSuspect: 1,
		chaincode.FnVerify: 1, chaincode.FnReadSerial: 1, chaincode.FnReadContainer: 1, chaincode.FnReadLot: 2,
		chaincode.FnReadLotRecord: 2, chaincode.FnHistory: 1, chaincode.FnReadPartner: 1, chaincode.FnReadEvent: 1,
		chaincode.FnReadT3: 1, chaincode.FnReadTx: 1, chaincode.FnReadTransformation: 1,
	}
	orgs := []string{mfr, whs, pharm, reg}
	calls, refused := 0, 0
	for fn, n := range funcs {
		for _, arg := range bad {
			args := make([]string, n)
			for i := range args {
				args[i] = arg
			}
			for _, org := range orgs {
				for _, call := range []string{"submit", "evaluate"} {
					var err error
					if call == "submit" {
						_, err = m.Submit(org, fn, nil, args...)
					} else {
						_, err = m.Evaluate(org, fn, args...)
					}
					calls++
					var re *chaincode.RuleError
					if err != nil {
						refused++
					}
					if err != nil && !errors.As(err, &re) {
						t.Errorf("%s %s(%q) as %s: %v is not a refusal", call, fn, args, org, err)
					}
				}
			}
		}
	}
	// Nearly every call above is malformed: a chaincode accepting them
	// would be as wrong as one failing on them.
	t.Logf("%d of %d refused", refused, calls)
	if refused < calls*9/10 {
		t.Errorf("%d of %d malformed calls refused, want nearly all", refused, calls)
	}
}

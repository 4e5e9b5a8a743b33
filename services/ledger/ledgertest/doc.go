// Package ledgertest is the DSCSA scenario suite every implementation of the
// services/ledger.Ledger port must pass (the embedded ledger, the Fabric
// gateway ledger): the same chaincode rules, privacy, history, verification
// answers, chaincode events and error codes, whatever runs them.
//
// An implementation's test calls Run (or RunWith, to claim optional
// guarantees such as block numbers in custody history) with a constructor of
// fresh ledgers that know the four demo organisations (ManufacturerMSP,
// WholesalerMSP, PharmacyMSP, RegulatorMSP); the suite registers their
// partner records itself.
package ledgertest

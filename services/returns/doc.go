// Package returns decides whether a returned package may be resold
// (DSCSA saleable returns) and records returns on the ledger.
//
// POST /returns/check takes one item ({"gtin", "serial", "lot", "expiry",
// "returnedBy"}) or {"items": [...]}. An item is saleable only when the
// verify service verifies it without a recall, suspicion or expiry, the
// custody history on the ledger shows that the caller sold it to the
// returning party (returnedBy, a GLN of that party), and it is still out
// there: held by the returning party (or on its way back to the caller, or
// already received back from it), not dispensed, destroyed or
// decommissioned. Otherwise it is quarantined,
// with every reason.
//
// POST /returns/receive takes the same body, checks each item, refuses the
// whole request when one is no return (not sold by the caller to the
// returning party, or not shipped back by it), and records the return
// through the chaincode's Capture: a receiving ObjectEvent per
// decision (the event bodies travel as transient data). A quarantined
// package is flagged suspect in the same transaction (Capture's transient
// "suspect"), so that no failure leaves it received but not flagged; when
// every item had been received back before, the packages left unflagged
// are flagged together (FlagSuspect). Receiving is
// idempotent: a package already received back from the returning party is
// not received again, and one already under investigation is not flagged
// again.
package returns

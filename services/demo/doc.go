// Package demo loads rxledger's demo consortium onto a ledger: a
// manufacturer, a wholesaler, a pharmacy and a regulator with their partner
// records, three products (GTINs built from NDCs of the manufacturer's
// labeler code), three lots of commissioned serials packed in cases (SSCCs),
// shipments manufacturer -> wholesaler -> pharmacy with their transaction
// information (T3), receipts, dispensed packages, a saleable return, a
// recalled lot and a suspect package.
//
// Everything goes through the ledger port and the real chaincode, the way
// the ingest service submits captures: EPCIS events built with the epcis
// model travel as transient data of Capture transactions. The events have
// fixed contents (times included), so their GS1 hash IDs are the same on
// every run. Load checks each step on the ledger before submitting it and
// skips what is already there: loading again on the same ledger adds no
// block and duplicates nothing, and a load interrupted half-way finishes
// the rest.
//
// Credentials issues one API key per organisation in the platform's key
// store and writes them, with the organisations' GLNs, the manufacturer's
// GTINs and sample serials in each state, to demo-credentials.json.
package demo

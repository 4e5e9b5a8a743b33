// Package ingest is rxledger's EPCIS service: the GS1 EPCIS 2.0 REST capture
// and query bindings over the DSCSA ledger.
//
// Capture (POST /epcis/capture) accepts EPCIS 2.0 JSON-LD, EPCIS 2.0 XML and
// EPCIS 1.2 XML, validates the whole document, persists a capture job and
// answers 202 with the job's Location. A worker submits the document to the
// ledger as ONE chaincode Capture transaction (the event bodies and the
// derived DSCSA transaction information travel as transient data), so a
// document is applied all or nothing, and the chaincode's idempotence makes a
// re-capture, or a job resumed after a restart, add nothing twice. Jobs are
// kept in the data directory and survive restarts.
//
// Query (GET /epcis/events, GET /epcis/events/{eventID}) is served from a
// projection: a Pebble index that follows the ledger's blocks from a
// checkpoint stored in the same atomic batch as the block's index entries,
// fetches each newly anchored event's body through the chaincode's ReadEvent
// as an organisation that holds a copy of every event (a regulator), and is
// rebuilt from block 0 when lost. A partner sees the events it is party to;
// regulators (a regulator-role key of a Config.Regulators organisation) see
// all.
package ingest

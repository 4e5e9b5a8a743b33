// Package records serves the ledger's records of lots, items and
// transaction information over HTTP, and the two moves on them that are not
// EPCIS events: a lot's recall and an item's investigation state. It
// submits the chaincode's RecallLot and SetInvestigation and evaluates
// ReadLot, ReadSerial, ReadContainer, History, ReadT3 and ReadTx, each as
// the caller's organisation (chaincode README, "Functions" and
// "Investigation states").
//
// The routes are Service.Mount's (its doc lists them; the README's table
// says who may call each and what it answers).
//
// A GTIN is a GTIN-8, -12, -13 or -14 with its check digit (read as 14
// digits); a lot is a GS1 lot number. An EPC is an SGTIN or SSCC as an EPC
// URN or a GS1 Digital Link on any domain, written as one path segment: a
// Digital Link's '/' (and a '/' in a lot) as %2F. Gin routes on the
// unescaped path, where such a segment would be many, so the lot and item
// routes are catch-alls and the service splits the path as the client
// wrote it.
//
// What the service decides, and what it leaves to the chaincode:
//
//   - Recall: only keys of the roles that commission products
//     (manufacturer, repackager) may ask; the chaincode accepts only the
//     lot's owner (not-gtin-owner, 403). The chaincode stores any reason;
//     the service requires one of plain text (chaincode.PlainText, at most
//     MaxReasonChars characters), since every partner reads it. A second
//     recall answers the lot as first recalled.
//   - Investigation: every trading partner role may ask, and the chaincode
//     alone decides who may make which move (holder, GTIN owner, regulator;
//     investigation-not-allowed, caller-not-atp). The service refuses
//     first a regulator key of an organisation that is not a configured
//     regulator, as partners does for attestations, and answers a move of
//     an SSCC the caller neither holds nor is sent as of an unknown one.
//   - ReadLot and ReadT3: the chaincode's rules, unchanged (it answers by
//     organisation).
//   - ReadTx: the chaincode answers every member what a transaction
//     anchored, but how many sales it made, and to how many buyers, is
//     trade. A regulator reads it whole; anyone else the events it is party
//     to and the T3 records it is seller or buyer of, and a transaction
//     with none is answered as an unknown one (unknown-tx, 404).
//   - Items and history: the chaincode answers ReadSerial, ReadContainer and
//     History to every member, but custody says who sold to whom, which is
//     the parties' business (the returns service names no other holder
//     either). So the service decides, as ReadLot does for lots: a
//     regulator and the owner of the GTIN's lot read everything; anyone
//     else reads an item's current record while it owns it or the item is
//     on its way to it, and in the history the entries it took part in:
//     those that leave it the owner or the addressee, and the change right
//     after each (a seller sees its buyer's receipt, not what the buyer did
//     next); History.Restricted says entries were left out. In a package
//     it does not own, such an organisation is not shown the owner's
//     seller, the addressee of a shipment onwards, nor who opened an
//     investigation, unless that is itself (redact); the change right
//     after its part shows who took the item and when, not its state
//     (handedOver). Nothing to show is 403, after the chaincode's 404 for
//     an unknown EPC (which verification tells anyone anyway); for an
//     SSCC, whose existence verification does not tell, it is that same
//     404.
//   - Regulator: a regulator key of a configured regulator organisation. A
//     regulator key of any other organisation reads as that organisation.
//     A key of a regulator organisation with another role is refused on
//     every route, by the key store (auth.CheckOrgRole): the chaincode
//     knows organisations, not keys, and would give it a regulator's reads
//     and moves.
//
// Refusals are RFC 9457 problems. The ledger gives a chaincode refusal its
// code and rule (invalid 400, forbidden 403, not-found 404), and the
// service adds where it is (problem.RuleFields: investigation-transition
// at state, ...), as partners does. What HTTP can tell alone is refused
// before anything is submitted: no key (401), a role (403), a malformed
// GTIN, lot, EPC, state or reason, or a body that is not JSON of the
// expected fields (400, naming the field). A refused write writes nothing.
//
// The moves are part of the ledger's write path, so rxledger serve mounts
// the routes with the ingest role, next to partners.
package records

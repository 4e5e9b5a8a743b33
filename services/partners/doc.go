// Package partners onboards trading partners over HTTP: an organisation
// writes its own partner record, and a regulator attests what it has
// checked, through the chaincode's PutPartner and AttestPartner (chaincode
// README, "Trust model"). Until a regulator attests a licence of an
// organisation, the chaincode refuses its captures (caller-not-atp).
//
//	GET /partners/{mspId}              the record as ReadPartner answers it: claims and the attested set (any caller)
//	PUT /partners/{mspId}              the caller's organisation writes its own record (any role; 403 for another's)
//	PUT /partners/{mspId}/attestation  a regulator attests the organisation (regulator keys of configured regulators)
//
// A PUT of a record takes {name, roles, glns, companyPrefixes, licenses},
// licences as {authority, number, expiry} with expiry an RFC 3339 time; an
// attestation takes {roles, licenses, companyPrefixes, glns} and replaces
// the previous one whole. Roles are the chaincode's: manufacturer,
// repackager, wholesaler, 3PL, dispenser, regulator. Both answer
// {partner, txId, block}: the record as stored and the transaction that
// stored it; a record's first write answers 201 with its Location.
//
// Refusals are RFC 9457 problems. The ledger already gives a chaincode
// refusal its problem code (invalid 400, forbidden 403, not-found 404,
// conflict 409); this package adds where in the body it is, from the
// chaincode's rule (partner-role-required at roles, company-prefix-attested
// at companyPrefixes[i], ...). What HTTP can tell alone is refused before
// anything is submitted: no key (401), another organisation's record or a
// key without the regulator role for an attestation (403), a body that is
// not JSON of the expected fields (400). A refused write writes nothing.
//
// The routes are part of the ledger's write path, so rxledger serve mounts
// them with the ingest role.
package partners

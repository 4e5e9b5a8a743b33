// Package chaincode is rxledger's DSCSA contract: the rules that decide which
// EPCIS events an organisation may record on the shared ledger, and the
// queries that answer from it. It runs unchanged on a Hyperledger Fabric peer
// (through the adapter in chaincode/fabric) and inside the embedded ledger,
// against the narrow State interface. It imports only the standard library and
// rxledger/epcis.
//
// # Rules
//
// Every rule is enforced for the calling organisation, State.Creator (its MSP
// ID). Each captured event is first checked as EPCIS (epcis.Event.Validate)
// and identified by the GS1 hash ID the chaincode computes (epcis.HashID).
// A transaction applies its events in order to an in-memory overlay, so
// later events see earlier ones, and writes nothing unless every event passes:
// the first violation is returned as a *RuleError whose message is a JSON
// object naming the event index, the EPC and the rule (see RuleError).
//
// # Keys
//
// World-state keys are plain strings made of a type prefix and fields joined
// by '~' (0x7E). No GS1 identifier character sorts at or above '~', so a
// prefix ending in '~' range-scans exactly its children with the end key
// prefix+"\x7f". Fabric's composite keys (which start with 0x00) are not used,
// because GetStateByRange refuses them.
//
//	sblk~<gtin14>~<stem>~      block of the serials <stem>000 to <stem>999: who commissioned which, into which lot (blocks.go)
//	sblk~<gtin14>~<serial>~!   block of a serial that does not end in three digits
//	serial~<gtin14>~<serial>   SerialRecord of one SGTIN, once it differs from its block's record
//	sscc~<sscc18>              ContainerRecord of one logistic unit
//	lot~<gtin14>~<lot>         LotRecord
//	lotsb~<gtin14>~<lot>~<block>   index of the blocks holding a lot's serials (<block> as after sblk~<gtin14>~)
//	hold~<mspid>~<gtin14>~<lot>    index: the organisation has commissioned, or been sent, a package of the lot (never removed; txn.markHolder)
//	org~<mspid>                Partner
//	gln~<gln13>                the MSP ID owning a GLN
//	gcp~<company prefix>       the MSP ID owning a GS1 company prefix
//	evt~<hash id>              EventAnchor of one EPCIS event
//	t3~<id>                    T3Anchor of one transaction information record
//	xf~<hash id>               TransformationRecord of one repackaging
//	tx~<txid>~e~<hash id>      index: the events a transaction anchored
//	tx~<txid>~t~<id>           index: the T3 records a transaction wrote
//
// The history of a serial or container key is its custody chain; a
// repackaging links the chains of its inputs and outputs (SerialRecord.
// Transformation, TransformationRecord).
//
// # Events without custody effect
//
// Observations (ObjectEvent OBSERVE outside the custody steps, every
// TransactionEvent, AggregationEvent OBSERVE, every AssociationEvent) are
// anchored and change no record; every product they name must be held by
// the caller (see observe). A TransformationEvent is a repackaging: its
// inputs end as transformed, its outputs are commissioned (see transform).
//
// # Privacy
//
// EPCIS event bodies and transaction information (T3) arrive in the transient
// map and are written as private data into the Fabric implicit collections
// "_implicit_org_<MSPID>" of each party and of every regulator; the shared
// state keeps their SHA-256. Private data is read only from the caller's own
// collection. Each private record is salted with a key derived from the
// capture's secret salt (transient TransientSalt), so that its hash confirms
// no guess of its content (see sealPrivate).
package chaincode

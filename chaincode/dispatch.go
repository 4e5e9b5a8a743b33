package chaincode

import (
	"fmt"
	"slices"
)

// The chaincode's functions. Invoking functions (submitted) change state and
// set one chaincode event; query functions (evaluated) only read.
const (
	// FnPutPartner writes the caller's own partner record.
	// Args: [Partner JSON]. Result: the stored Partner.
	FnPutPartner = "PutPartner"
	// FnAttestPartner records a regulator's attestation of an organisation's
	// licences, company prefixes and GLNs, replacing the previous one; only
	// a configured regulator may call it. Args: [mspID, Attestation JSON].
	// Result: the stored Partner.
	FnAttestPartner = "AttestPartner"
	// FnCapture applies a batch of EPCIS events as one transaction.
	// Args: none. Transient: "events" (JSON array of epcis.Event), optional
	// "t3" (JSON array of T3), "salt" (SaltSize random bytes; required when
	// Config.RequireSalt). Result: CaptureResult.
	FnCapture = "Capture"
	// FnRecallLot recalls a lot. Args: [gtin, lot, reason]. Result: LotRecord.
	FnRecallLot = "RecallLot"
	// FnSetInvestigation moves an item's investigation state.
	// Args: [epc, state]. Result: InvestigationResult.
	FnSetInvestigation = "SetInvestigation"
	// FnFlagSuspect flags packages suspect in one transaction, as a
	// Capture's transient "suspect" does: one already suspect, quarantined
	// or illegitimate is left as it is, and any refusal refuses them all.
	// Args: [JSON array of EPCs]. Result: FlagResult.
	FnFlagSuspect = "FlagSuspect"

	// FnVerify answers a GS1 LMS verification request.
	// Args: [VerifyRequest JSON]. Result: VerifyResult.
	FnVerify = "Verify"
	// FnReadSerial returns a serial's state. Args: [sgtin]. Result: SerialRecord.
	FnReadSerial = "ReadSerial"
	// FnReadContainer returns a container (SSCC or serialised case) with
	// its contents. Args: [epc]. Result: ContainerContents.
	FnReadContainer = "ReadContainer"
	// FnReadLot returns a lot's status and holders. Args: [gtin, lot].
	// Result: LotRecord.
	FnReadLot = "ReadLot"
	// FnReadLotRecord returns a lot's record alone, without ReadLot's scan
	// of its serials (its cost does not grow with the lot). Args: [gtin,
	// lot]. Result: LotRecord.
	FnReadLotRecord = "ReadLotRecord"
	// FnHistory returns the custody chain of a serial or container.
	// Args: [epc]. Result: []CustodyEntry.
	FnHistory = "History"
	// FnReadPartner returns a partner record. Args: [mspID]. Result: Partner.
	FnReadPartner = "ReadPartner"
	// FnReadEvent returns a captured event from the caller's private
	// collection. Args: [hashID]. Result: EventRecord.
	FnReadEvent = "ReadEvent"
	// FnReadT3 returns transaction information from the caller's private
	// collection. Args: [id]. Result: T3.
	FnReadT3 = "ReadT3"
	// FnReadTx lists what a transaction anchored: its EPCIS events and T3
	// records (IDs only; read them with ReadEvent and ReadT3). It links a
	// custody history entry to its events and transaction information.
	// Args: [txID]. Result: TxRecord.
	FnReadTx = "ReadTx"
	// FnReadTransformation returns the link between the inputs and outputs
	// of a TransformationEvent (repackaging). Args: [hashID]. Result:
	// TransformationRecord.
	FnReadTransformation = "ReadTransformation"
)

// Config is what every endorser of the channel must agree on.
type Config struct {
	// Regulators are the MSP IDs of the regulators: they attest partners'
	// licences, company prefixes and GLNs, read all T3, set investigation
	// states, and may claim the regulator role.
	Regulators []string
	// RequireSalt refuses a Capture without a salt (transient "salt", rule
	// salt-required). Without it such a capture is accepted and its private
	// records are stored unsalted, their hashes open to guessing (see
	// TransientSalt).
	RequireSalt bool
}

func (c *Config) isRegulator(msp string) bool { return slices.Contains(c.Regulators, msp) }

// DefaultConfig is the configuration of the rxledger consortium: the one
// regulator RegulatorMSP.
func DefaultConfig() Config { return Config{Regulators: []string{"RegulatorMSP"}, RequireSalt: true} }

// Invoke is the chaincode with DefaultConfig.
var Invoke Func = New(DefaultConfig())

// New returns the chaincode's dispatcher for cfg.
func New(cfg Config) Func {
	cfg.Regulators = slices.Clone(cfg.Regulators)
	slices.Sort(cfg.Regulators)
	return func(st State, function string, args []string) ([]byte, error) {
		h, ok := handlers[function]
		if !ok {
			return nil, refuse(CodeInvalid, "unknown-function", "", fmt.Sprintf("no chaincode function %q", function))
		}
		if len(args) != h.nargs {
			return nil, refuse(CodeInvalid, "wrong-arguments", "",
				fmt.Sprintf("%s takes %d arguments, got %d", function, h.nargs, len(args)))
		}
		return h.fn(newTxn(st, &cfg), args)
	}
}

type handler struct {
	nargs int
	fn    func(tx *txn, args []string) ([]byte, error)
}

var handlers = map[string]handler{
	FnPutPartner:         {1, putPartner},
	FnAttestPartner:      {2, attestPartner},
	FnCapture:            {0, capture},
	FnRecallLot:          {3, recallLot},
	FnSetInvestigation:   {2, setInvestigation},
	FnFlagSuspect:        {1, flagSuspectFn},
	FnVerify:             {1, verifyQuery},
	FnReadSerial:         {1, readSerial},
	FnReadContainer:      {1, readContainer},
	FnReadLot:            {2, readLot},
	FnReadLotRecord:      {2, readLotRecord},
	FnHistory:            {1, history},
	FnReadPartner:        {1, readPartnerQuery},
	FnReadEvent:          {1, readEvent},
	FnReadT3:             {1, readT3},
	FnReadTx:             {1, readTx},
	FnReadTransformation: {1, readTransformation},
}

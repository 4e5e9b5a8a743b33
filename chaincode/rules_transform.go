package chaincode

import (
	"encoding/json"
	"fmt"
	"time"
)

// TransformationRecord is the shared-state link of one TransformationEvent
// (DSCSA repackaging): which packages it consumed and which it made, so a
// custody history can be followed through it in either direction. Both the
// inputs and the outputs carry its hash ID in SerialRecord.Transformation.
// It is written once, under xf~<hash id>.
type TransformationRecord struct {
	HashID string `json:"hashId"`
	// TransformationID is the event's transformationID, when it gave one.
	TransformationID string `json:"transformationId,omitempty"`
	// Inputs and Outputs are the Digital Links of the serialised packages
	// consumed and commissioned, in event order; InputClasses and
	// OutputClasses the class-level identifiers (LGTINs) as written.
	Inputs        []string  `json:"inputs"`
	Outputs       []string  `json:"outputs"`
	InputClasses  []string  `json:"inputClasses,omitempty"`
	OutputClasses []string  `json:"outputClasses,omitempty"`
	Creator       string    `json:"creator"`
	TxID          string    `json:"txId"`
	Time          time.Time `json:"time"`
}

// transform applies a TransformationEvent, the repackaging of DSCSA:
//   - every input package (inputEPCList, SGTINs) must be known, owned and
//     held by the caller (not in transit, not retired), not under a
//     blocking investigation, of a lot not recalled, and not a case with
//     contents (unpack it first); a packed input leaves its container. It
//     becomes terminal, status transformed;
//   - class-level inputs (inputQuantityList, e.g. bulk product of a lot)
//     must be of the caller's company prefix or of a lot it holds, as for
//     observations; they change no record;
//   - every output package (outputEPCList, SGTINs) is commissioned for the
//     caller exactly as by a commissioning event: the caller owns the
//     output GTIN's company prefix, the serial is new, lot and expiry come
//     from the ILMD (or the lot from an LGTIN of the outputQuantityList);
//   - class-level outputs must be of the caller's company prefix.
//
// Inputs and outputs are linked by a TransformationRecord and by the
// event's hash ID in each package's record. An event with only inputs or
// only outputs (EPCIS lets a transformationID span several events) is
// applied the same way and links what it lists.
func (ec *eventCtx) transform() error {
	tx, ev := ec.tx, ec.ev
	rec := TransformationRecord{HashID: ec.hash, TransformationID: ev.TransformationID,
		Inputs: []string{}, Outputs: []string{}, Creator: tx.caller, TxID: tx.st.TxID(), Time: tx.now}
	for _, q := range ev.InputQuantityList {
		if err := ec.checkClass(q.EPCClass, false); err != nil {
			return err
		}
		rec.InputClasses = append(rec.InputClasses, q.EPCClass)
	}
	for _, q := range ev.OutputQuantityList {
		if err := ec.checkClass(q.EPCClass, true); err != nil {
			return err
		}
		rec.OutputClasses = append(rec.OutputClasses, q.EPCClass)
	}
	for _, epc := range ev.InputEPCList {
		it, err := ec.consume(epc)
		if err != nil {
			return err
		}
		rec.Inputs = append(rec.Inputs, it.id.DigitalLink())
	}
	outputs, err := ec.commissionList(ev.OutputEPCList, ev.OutputQuantityList, false, ec.hash)
	if err != nil {
		return err
	}
	for _, it := range outputs {
		rec.Outputs = append(rec.Outputs, it.id.DigitalLink())
	}
	raw, err := json.Marshal(&rec)
	if err != nil {
		return fmt.Errorf("encode transformation: %w", err)
	}
	tx.puts = append(tx.puts, put{transformationKey(ec.hash), raw})
	tx.ev.Transformations = append(tx.ev.Transformations, raw)
	return nil
}

// consume takes one input package of a transformation out of circulation.
func (ec *eventCtx) consume(epc string) (*item, error) {
	tx := ec.tx
	id, err := ParseItemID(epc)
	if err != nil {
		return nil, ec.fail(CodeInvalid, "bad-epc", epc, "%v", err)
	}
	if id.Kind != KindSGTIN {
		return nil, ec.fail(CodeInvalid, "bad-input", epc, "a transformation consumes serialised packages (SGTIN), not %s", epc)
	}
	it, err := tx.item(id)
	if err != nil {
		return nil, err
	}
	if !it.exists() {
		return nil, ec.fail(CodeNotFound, "unknown-epc", epc, "%s was never commissioned", epc)
	}
	if err := ec.checkHeld(epc, it); err != nil {
		return nil, err
	}
	s := it.serial
	if s.Investigation.Blocking() {
		return nil, ec.fail(CodeInvalid, "under-investigation", epc, "%s is %s", id.DigitalLink(), s.Investigation)
	}
	if len(s.Children) > 0 {
		return nil, ec.fail(CodeInvalid, "input-has-contents", epc, "%s holds %d packages: unpack it before repackaging", epc, len(s.Children))
	}
	lot, err := tx.lotOf(it)
	if err != nil {
		return nil, err
	}
	if lot != nil && lot.Recalled {
		return nil, ec.fail(CodeInvalid, "recalled-lot", epc, "lot %s is recalled", lot.Lot)
	}
	if p := s.Parent; p != "" {
		if err := ec.detach(epc, it, p); err != nil {
			return nil, err
		}
	}
	s.Status, s.Transformation = StatusTransformed, ec.hash
	tx.touch(it)
	return it, nil
}

// readTransformation answers ReadTransformation: the link of a
// TransformationEvent's inputs and outputs, for any caller (it holds only
// identifiers whose records are shared state already).
func readTransformation(tx *txn, args []string) ([]byte, error) {
	raw, err := tx.st.GetState(transformationKey(args[0]))
	if err != nil {
		return nil, fmt.Errorf("read transformation: %w", err)
	}
	if raw == nil {
		return nil, refuse(CodeNotFound, "unknown-transformation", "", fmt.Sprintf("no transformation with hash ID %q", args[0]))
	}
	return raw, nil
}

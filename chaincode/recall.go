package chaincode

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// MaxRecallReason bounds a recall's reason, in characters: it is written to
// the shared state, and every partner reads it with the lot.
const MaxRecallReason = 1000

// recallLot marks a lot recalled. Only the GTIN's owner that commissioned the
// lot recalls it. Recalling a recalled lot would change nothing, so it is
// refused (invalid, already-recalled, the detail saying since when), and no
// transaction is written: a retried recall learns that the lot is recalled,
// and the reason stays the first one. A recalled lot is
// not dispensed and moves only back towards the seller or the manufacturer;
// verification answers carry "Recalled". The reason is required plain text
// (PlainText, at most MaxRecallReason characters), as a partner's name is.
func recallLot(tx *txn, args []string) ([]byte, error) {
	gtin, lotID, reason := args[0], args[1], args[2]
	if strings.TrimSpace(reason) == "" || !PlainText(reason, MaxRecallReason) {
		return nil, refuse(CodeInvalid, "recall-reason-invalid", gtin,
			fmt.Sprintf("a recall needs a reason of at most %d characters of text, without line breaks, control or direction-formatting characters", MaxRecallReason))
	}
	l, err := tx.lot(gtin, lotID)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, refuse(CodeNotFound, "unknown-lot", gtin, fmt.Sprintf("no lot %q of GTIN %s", lotID, gtin))
	}
	if l.Owner != tx.caller {
		return nil, refuse(CodeForbidden, "not-gtin-owner", gtin, fmt.Sprintf("only %s recalls GTIN %s", l.Owner, gtin))
	}
	if l.Recalled {
		since := ""
		if l.RecallTime != nil {
			since = " since " + l.RecallTime.UTC().Format(time.RFC3339)
		}
		return nil, refuse(CodeInvalid, "already-recalled", gtin, fmt.Sprintf("lot %q of GTIN %s is already recalled%s", lotID, gtin, since))
	}
	t := tx.now
	l.Recalled, l.RecallTime, l.RecallReason = true, &t, reason
	tx.putLot(l)
	if err := tx.commit(FnRecallLot); err != nil {
		return nil, err
	}
	return json.Marshal(l)
}

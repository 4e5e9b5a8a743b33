package chaincode

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"rxledger/epcis"
)

// eventHashID is a TEMPORARY STAND-IN for epcis.HashID, which another
// engineer is writing (the GS1 CBV canonical pre-hash). It hashes the JSON of
// the Go model with EventID and RecordTime cleared, so it is deterministic and
// stable for one event body but does NOT give the GS1 hash ID of the standard.
// Replace every call with epcis.HashID and delete this file once it exists.
func eventHashID(e *epcis.Event) (string, error) {
	c := *e
	c.EventID = ""
	c.RecordTime = nil
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("hash event: %w", err)
	}
	sum := sha256.Sum256(b)
	return "ni:///sha-256;" + hex.EncodeToString(sum[:]) + "?ver=CBV2.0", nil
}

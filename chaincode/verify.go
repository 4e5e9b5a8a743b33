package chaincode

import (
	"encoding/json"
	"fmt"
	"time"
)

// VerifyRequest is a GS1 Lightweight Messaging Standard verification
// request: the product identifier on the package and the request's context.
// Lot and Expiry are compared when given; Expiry is YYMMDD (AI 17) or
// YYYY-MM-DD.
type VerifyRequest struct {
	GTIN          string `json:"gtin"`
	Serial        string `json:"serialNumber"`
	Lot           string `json:"lotNumber,omitempty"`
	Expiry        string `json:"expirationDate,omitempty"`
	RequesterGLN  string `json:"requestorGLN,omitempty"`
	CorrelationID string `json:"correlationUUID,omitempty"`
	Context       string `json:"context,omitempty"` // e.g. dscsaSaleableReturn, dscsaSuspectProduct
}

// LMS verification failure reasons.
const (
	NoMatchGTINSerial          = "No_match_GTIN_Serial"
	NoMatchGTINSerialLot       = "No_match_GTIN_Serial_Lot"
	NoMatchGTINSerialExpiry    = "No_match_GTIN_Serial_Expiry"
	NoMatchGTINSerialLotExpiry = "No_match_GTIN_Serial_Lot_Expiry"
	NotForRedistribution       = "Not_for_re-distribution"
)

// LMS additional information values.
const (
	InfoExpired      = "Expired"
	InfoRecalled     = "Recalled"
	InfoSuspect      = "Suspect"
	InfoIllegitimate = "Illegitimate"
)

// VerifyResult is the LMS answer.
type VerifyResult struct {
	Verified                  bool   `json:"verified"`
	VerificationFailureReason string `json:"verificationFailureReason,omitempty"`
	// AdditionalInfo is the most important condition of the package, in the
	// order Illegitimate, Suspect (suspect or quarantined), Recalled, Expired.
	AdditionalInfo string `json:"additionalInfo,omitempty"`
	// Conditions lists every condition that applies (an rxledger extension
	// of LMS, which has room for one).
	Conditions []string `json:"conditions,omitempty"`
	// ResponderGLN is set by the Verify query when the ledger holds no
	// record of the serial (of a known GTIN): the first GLN a regulator
	// attests to the organisation owning the GTIN's company prefix, the
	// party that answers for the product (LMS responderGLN). It is empty
	// when no organisation owns the prefix or the owner has no attested
	// GLN, and for a known serial, whose lot record names its owner
	// (LotRecord.Owner). Verify, the function, never sets it.
	ResponderGLN string `json:"responderGLN,omitempty"`
}

// Verify is GS1 LMS verification as one pure function over the ledger's
// records, used by the chaincode's Verify query and by the cache projection:
//   - no serial record: not verified, No_match_GTIN_Serial (the caller tells
//     an unknown GTIN, answered 404, from an unknown serial);
//   - lot and/or expiry differ from the record: not verified,
//     No_match_GTIN_Serial_Lot, _Expiry or _Lot_Expiry;
//   - dispensed, destroyed, decommissioned or transformed: not verified,
//     Not_for_re-distribution (the package has left the supply chain);
//   - otherwise verified, with additionalInfo for an illegitimate, suspect or
//     quarantined package, a recalled lot, an expiry before now.
//
// lot may be nil (treated as not recalled).
func Verify(req VerifyRequest, s *SerialRecord, lot *LotRecord, now time.Time) VerifyResult {
	if s == nil || s.GTIN != req.GTIN || s.Serial != req.Serial {
		return VerifyResult{Verified: false, VerificationFailureReason: NoMatchGTINSerial}
	}
	lotBad := req.Lot != "" && req.Lot != s.Lot
	expBad := false
	if req.Expiry != "" {
		e, ok := NormalizeExpiry(req.Expiry)
		expBad = !ok || e != s.Expiry
	}
	var r VerifyResult
	switch {
	case lotBad && expBad:
		r.VerificationFailureReason = NoMatchGTINSerialLotExpiry
	case lotBad:
		r.VerificationFailureReason = NoMatchGTINSerialLot
	case expBad:
		r.VerificationFailureReason = NoMatchGTINSerialExpiry
	case s.Status.Terminal():
		r.VerificationFailureReason = NotForRedistribution
	default:
		r.Verified = true
	}
	if s.Investigation == InvestigationIllegitimate {
		r.Conditions = append(r.Conditions, InfoIllegitimate)
	}
	if s.Investigation == InvestigationSuspect || s.Investigation == InvestigationQuarantined {
		r.Conditions = append(r.Conditions, InfoSuspect)
	}
	if lot != nil && lot.Recalled {
		r.Conditions = append(r.Conditions, InfoRecalled)
	}
	if expired(s.Expiry, now) {
		r.Conditions = append(r.Conditions, InfoExpired)
	}
	if len(r.Conditions) > 0 {
		r.AdditionalInfo = r.Conditions[0]
	}
	return r
}

// verifyQuery answers a verification request of the calling organisation,
// which must be an authorized trading partner or a regulator (else
// forbidden, rule requester-not-atp); an unknown GTIN is not-found (rule
// unknown-gtin). The answer about an unknown serial of a known GTIN names
// the GTIN owner's GLN (VerifyResult.ResponderGLN).
func verifyQuery(tx *txn, args []string) ([]byte, error) {
	var req VerifyRequest
	if err := decodeVerifyRequest([]byte(args[0]), &req); err != nil {
		return nil, refuse(CodeInvalid, "verify-decode", "", "verification request is not valid JSON: "+err.Error())
	}
	if len(req.GTIN) != 14 || !digits(req.GTIN) || !ValidSerial(req.Serial) {
		return nil, refuse(CodeInvalid, "verify-request", "", "gtin (14 digits) and serialNumber are required")
	}
	if !tx.isRegulator(tx.caller) {
		why, err := tx.notATP(tx.caller)
		if err != nil {
			return nil, err
		}
		if why != "" {
			return nil, refuse(CodeForbidden, "requester-not-atp", "", tx.caller+" is not an authorized trading partner: it "+why)
		}
	}
	it, err := tx.item(ItemID{Kind: KindSGTIN, GTIN: req.GTIN, Serial: req.Serial})
	if err != nil {
		return nil, err
	}
	var lot *LotRecord
	if it.serial != nil {
		if lot, err = tx.lot(it.serial.GTIN, it.serial.Lot); err != nil {
			return nil, err
		}
	} else {
		known, err := gtinKnown(tx.st, req.GTIN)
		if err != nil {
			return nil, err
		}
		if !known {
			return nil, refuse(CodeNotFound, "unknown-gtin", "", fmt.Sprintf("GTIN %s has no commissioned serial", req.GTIN))
		}
	}
	res := Verify(req, it.serial, lot, tx.now)
	if it.serial == nil {
		if res.ResponderGLN, err = tx.ownerGLN(req.GTIN); err != nil {
			return nil, err
		}
	}
	return json.Marshal(&res)
}

// ownerGLN returns the first attested GLN of the organisation owning gtin's
// company prefix, or "" when there is none.
func (tx *txn) ownerGLN(gtin string) (string, error) {
	owner, err := tx.gtinOwner(gtin)
	if err != nil || owner == "" {
		return "", err
	}
	p, err := tx.partner(owner)
	if err != nil || p == nil {
		return "", err
	}
	return p.FirstAttestedGLN(), nil
}

// gtinKnown reports whether any serial of gtin was commissioned.
func gtinKnown(st State, gtin string) (bool, error) {
	found := false
	p := blockPrefix(gtin)
	err := st.Range(p, p+keyEnd, func(string, []byte) (bool, error) {
		found = true
		return false, nil
	})
	if err != nil {
		return false, fmt.Errorf("scan serials of %s: %w", gtin, err)
	}
	return found, nil
}

package chaincode

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// captureT3 validates and stores the transaction information of a capture:
// the seller is the caller, the buyer a registered partner addressed by a
// shipping event of the same capture. Each record goes into the private
// collections of seller, buyer and regulators; the shared state keeps its
// hash. The ID is derived from the content, the shipping events and the
// capture's salt, so a retried capture (with the same salt) writes nothing
// new. With a salt, the stored record and its ID are salted (sealPrivate,
// saltedID).
func (tx *txn) captureT3(raw []byte, shipments []shipment) ([]string, error) {
	ids := []string{}
	if len(raw) == 0 {
		return ids, nil
	}
	var recs []T3
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, refuse(CodeInvalid, "t3-decode", "", `transient "t3" must be a JSON array of T3 records: `+err.Error())
	}
	for n := range recs {
		t := &recs[n]
		bad := func(code, rule, format string, args ...any) error {
			return refuse(code, rule, "", fmt.Sprintf("t3[%d]: ", n)+fmt.Sprintf(format, args...))
		}
		if t.Seller != tx.caller {
			return nil, bad(CodeForbidden, "t3-seller-not-caller", "the seller %q is not the submitter %s", t.Seller, tx.caller)
		}
		if t.Buyer == "" || t.Buyer == t.Seller {
			return nil, bad(CodeInvalid, "t3-buyer-required", "a buyer other than the seller is required")
		}
		if p, err := tx.partner(t.Buyer); err != nil {
			return nil, err
		} else if p == nil {
			return nil, bad(CodeInvalid, "t3-unknown-buyer", "no partner record for buyer %s", t.Buyer)
		}
		d, ok := NormalizeExpiry(t.TransactionDate)
		if !ok || len(t.TransactionDate) == 6 {
			return nil, bad(CodeInvalid, "t3-date-required", "transactionDate must be YYYY-MM-DD")
		}
		t.TransactionDate = d
		if len(t.Products) == 0 {
			return nil, bad(CodeInvalid, "t3-products-required", "transaction information lists no products")
		}
		for _, p := range t.Products {
			if p.Quantity <= 0 || p.GTIN == "" && p.NDC == "" {
				return nil, bad(CodeInvalid, "t3-product-invalid", "each product needs a GTIN or NDC and a positive quantity")
			}
		}
		t.EventHashIDs = []string{}
		for _, s := range shipments {
			if s.to == t.Buyer {
				t.EventHashIDs = append(t.EventHashIDs, s.hashID)
			}
		}
		if len(t.EventHashIDs) == 0 {
			return nil, bad(CodeInvalid, "t3-without-shipment", "no new shipping event of this capture is addressed to %s", t.Buyer)
		}
		t.ID, t.TxID = "", ""
		body, err := json.Marshal(t)
		if err != nil {
			return nil, fmt.Errorf("encode t3: %w", err)
		}
		t.ID, t.TxID = saltedID(tx.salt, body), tx.st.TxID()
		if slices.Contains(ids, t.ID) {
			continue // the same record twice in one capture: stored and listed once
		}
		if body, err = json.Marshal(t); err != nil {
			return nil, fmt.Errorf("encode t3: %w", err)
		}
		body = sealPrivate(tx.salt, t3Key(t.ID), body)
		sum := sha256.Sum256(body)
		anchor, err := json.Marshal(&T3Anchor{ID: t.ID, TxID: t.TxID, Hash: hex.EncodeToString(sum[:])})
		if err != nil {
			return nil, fmt.Errorf("encode t3 anchor: %w", err)
		}
		ids = append(ids, t.ID)
		if seen, err := tx.st.GetState(t3Key(t.ID)); err != nil {
			return nil, fmt.Errorf("read t3 anchor: %w", err)
		} else if seen != nil {
			continue // a retried capture: already stored
		}
		tx.puts = append(tx.puts, put{t3Key(t.ID), anchor}, put{txT3Key(t.TxID, t.ID), indexMark})
		tx.ev.T3 = append(tx.ev.T3, anchor)
		for _, org := range tx.readers([]string{t.Seller, t.Buyer}) {
			tx.private = append(tx.private, privatePut{ImplicitCollection(org), t3Key(t.ID), body})
		}
	}
	return ids, nil
}

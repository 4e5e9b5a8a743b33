package chaincode_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// saleT3 is the transaction information of the sale in saltedSale: content a
// competitor could guess (parties, product, quantity, PO number, date).
func saleT3() []chaincode.T3 {
	return []chaincode.T3{{Seller: mfr, Buyer: whs, TransactionDate: "2026-11-01", PONumber: "PO-1001",
		Products: []chaincode.T3Product{{GTIN: gtin, Quantity: 1, Lot: "L1"}}}}
}

// saltedSale commissions and ships a package to the wholesaler with T3 on
// a new ledger, sending salt (none when nil).
func saltedSale(t *testing.T, m *chaincodetest.Memory, salt []byte) (chaincode.CaptureResult, []epcis.Event) {
	t.Helper()
	a := sgtin("SALT1")
	events := []epcis.Event{commissionEv("L1", "2027-03-31", a), shipEv(whsGLN, a)}
	tr := transient(t, events, saleT3())
	if salt == nil {
		delete(tr, chaincode.TransientSalt)
	} else {
		tr[chaincode.TransientSalt] = salt
	}
	res, err := captureWith(t, m, mfr, tr)
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	return res, events
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func eventAnchor(t *testing.T, m *chaincodetest.Memory, hashID string) chaincode.EventAnchor {
	t.Helper()
	var a chaincode.EventAnchor
	if err := json.Unmarshal(m.GetState("evt~"+hashID), &a); err != nil {
		t.Fatalf("anchor of %s: %v", hashID, err)
	}
	return a
}

func t3Anchor(t *testing.T, m *chaincodetest.Memory, id string) chaincode.T3Anchor {
	t.Helper()
	var a chaincode.T3Anchor
	if err := json.Unmarshal(m.GetState("t3~"+id), &a); err != nil {
		t.Fatalf("anchor of %s: %v", id, err)
	}
	return a
}

// TestSaltedPrivateData: with a salt, what the shared state and the private
// write sets show of an event body or a T3 (their hashes, the T3 ID) is not
// the hash of the record, so it confirms no guess; each record has its own
// salt; and every reader still gets exactly the record captured.
func TestSaltedPrivateData(t *testing.T) {
	m := newLedger(t)
	salt := chaincode.NewSalt()
	res, events := saltedSale(t, m, salt)
	ship := res.Events[1].HashID

	// The event body: the addressee, the shipper and the regulator hold it.
	sent, err := json.Marshal(events[1])
	if err != nil {
		t.Fatal(err)
	}
	anchor := eventAnchor(t, m, ship)
	if anchor.BodyHash == sha(sent) {
		t.Fatal("the anchor's body hash is the hash of the unsalted body")
	}
	var stored []byte
	for _, org := range []string{mfr, whs, reg} {
		v := m.PrivateData(chaincode.ImplicitCollection(org), "evt~"+ship)
		if v == nil {
			t.Fatalf("%s holds no copy of the shipping event", org)
		}
		if bytes.Equal(v, sent) || sha(v) != anchor.BodyHash {
			t.Fatalf("%s's copy is not the salted body under the anchor's hash: %s", org, v)
		}
		if stored != nil && !bytes.Equal(v, stored) {
			t.Fatalf("%s's copy differs from another party's", org)
		}
		stored = v
		out, err := m.Evaluate(org, chaincode.FnReadEvent, ship)
		if err != nil {
			t.Fatalf("%s reads the event: %v", org, err)
		}
		var rec chaincode.EventRecord
		if err := json.Unmarshal(out, &rec); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Body, sent) {
			t.Fatalf("%s reads\n%s\nnot what was captured\n%s", org, rec.Body, sent)
		}
	}
	eventSalt := recordSalt(t, stored)

	// The T3: its ID and hash are salted too.
	id := res.T3[0]
	plain := saleT3()[0]
	plain.EventHashIDs = []string{ship}
	unsalted, err := json.Marshal(&plain)
	if err != nil {
		t.Fatal(err)
	}
	if s := sha(unsalted); id == "t3-"+s[:32] {
		t.Fatal("the T3 ID is the hash of the unsalted record")
	}
	plain.ID, plain.TxID = id, res.TxID
	record, err := json.Marshal(&plain)
	if err != nil {
		t.Fatal(err)
	}
	ta := t3Anchor(t, m, id)
	if ta.Hash == sha(record) {
		t.Fatal("the T3 anchor's hash is the hash of the unsalted record")
	}
	for _, org := range []string{mfr, whs, reg} {
		v := m.PrivateData(chaincode.ImplicitCollection(org), "t3~"+id)
		if v == nil || sha(v) != ta.Hash || bytes.Equal(v, record) {
			t.Fatalf("%s's T3 copy is not the salted record under the anchor's hash: %s", org, v)
		}
		out, err := m.Evaluate(org, chaincode.FnReadT3, id)
		if err != nil {
			t.Fatalf("%s reads the T3: %v", org, err)
		}
		if !bytes.Equal(out, record) {
			t.Fatalf("%s reads\n%s\nnot the record\n%s", org, out, record)
		}
		var got chaincode.T3
		if err := json.Unmarshal(out, &got); err != nil || !reflect.DeepEqual(got, plain) {
			t.Fatalf("%s: %+v %v", org, got, err)
		}
	}
	t3Salt := recordSalt(t, m.PrivateData(chaincode.ImplicitCollection(reg), "t3~"+id))

	// Every record has its own salt, none of them the capture's: a party to
	// one record learns nothing that unlocks another.
	commission := m.PrivateData(chaincode.ImplicitCollection(mfr), "evt~"+res.Events[0].HashID)
	salts := []string{eventSalt, t3Salt, recordSalt(t, commission), hex.EncodeToString(salt)}
	for i := range salts {
		for j := range i {
			if salts[i] == salts[j] {
				t.Fatalf("salts %d and %d are equal: %s", j, i, salts[i])
			}
		}
	}
	// Nothing on the shared ledger carries the salt.
	for _, key := range m.Keys("") {
		if v := m.GetState(key); bytes.Contains(v, []byte(hex.EncodeToString(salt))) || bytes.Contains(v, []byte(eventSalt)) {
			t.Fatalf("%s holds a salt: %s", key, v)
		}
	}
	for _, e := range m.Events {
		if bytes.Contains(e.Payload, []byte(eventSalt)) || bytes.Contains(e.Payload, []byte(hex.EncodeToString(salt))) {
			t.Fatalf("a chaincode event holds a salt: %s", e.Payload)
		}
	}
}

// recordSalt returns the hex salt a stored private value starts with.
func recordSalt(t *testing.T, v []byte) string {
	t.Helper()
	s, ok := strings.CutPrefix(string(v), "salt:")
	if !ok || len(s) < 65 || s[64] != '\n' {
		t.Fatalf("not a salted value: %.100s", v)
	}
	if _, err := hex.DecodeString(s[:64]); err != nil {
		t.Fatalf("salt %q: %v", s[:64], err)
	}
	return s[:64]
}

// TestSaltMakesHashesDiffer: the same sale captured with two salts shows
// different hashes and T3 IDs, with the same salt the same ones (every
// endorser computes the same writes).
func TestSaltMakesHashesDiffer(t *testing.T) {
	s1, s2 := chaincode.NewSalt(), chaincode.NewSalt()
	type seen struct{ t3ID, t3Hash, bodyHash string }
	run := func(salt []byte) seen {
		m := newLedger(t)
		res, _ := saltedSale(t, m, salt)
		return seen{res.T3[0], t3Anchor(t, m, res.T3[0]).Hash, eventAnchor(t, m, res.Events[1].HashID).BodyHash}
	}
	a, b, again := run(s1), run(s2), run(bytes.Clone(s1))
	if a.t3ID == b.t3ID || a.t3Hash == b.t3Hash || a.bodyHash == b.bodyHash {
		t.Fatalf("two salts, equal hashes: %+v %+v", a, b)
	}
	if a != again {
		t.Fatalf("the same salt gives different writes: %+v %+v", a, again)
	}

	// On one ledger: the sale's shipment captured again with a new salt is a
	// duplicate, but its T3 gets a new ID and hash (a retry must reuse the
	// salt to find its T3 again, TestT3Privacy).
	m := newLedger(t)
	first, events := saltedSale(t, m, s1)
	tr := transient(t, events, saleT3())
	tr[chaincode.TransientSalt] = s2
	second, err := captureWith(t, m, mfr, tr)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Events[1].Duplicate || second.T3[0] == first.T3[0] || t3Anchor(t, m, second.T3[0]).Hash == t3Anchor(t, m, first.T3[0]).Hash {
		t.Fatalf("identical T3 with another salt: %+v after %+v", second, first)
	}
}

// TestUnsaltedCapture: a capture without salt is refused with salt-required
// (the default configuration requires a salt), and accepted and stored as
// before (its hashes are those of the records) only by a chaincode
// configured not to require one; a salt of the wrong size is always
// refused; a refused capture writes nothing.
func TestUnsaltedCapture(t *testing.T) {
	t.Run("accepted when not required, stored unsalted", func(t *testing.T) {
		m := chaincodetest.New(chaincode.New(chaincode.Config{Regulators: []string{reg}, RequireSalt: false}), start)
		for _, p := range partners() {
			register(t, m, p)
		}
		res, events := saltedSale(t, m, nil)
		sent, _ := json.Marshal(events[1])
		stored := m.PrivateData(chaincode.ImplicitCollection(whs), "evt~"+res.Events[1].HashID)
		if !bytes.Equal(stored, sent) || eventAnchor(t, m, res.Events[1].HashID).BodyHash != sha(sent) {
			t.Fatalf("unsalted body stored as %s", stored)
		}
		out, err := m.Evaluate(whs, chaincode.FnReadT3, res.T3[0])
		if err != nil || t3Anchor(t, m, res.T3[0]).Hash != sha(out) {
			t.Fatalf("unsalted T3: %s %v", out, err)
		}
		var rec chaincode.EventRecord
		out, err = m.Evaluate(whs, chaincode.FnReadEvent, res.Events[1].HashID)
		if err != nil || json.Unmarshal(out, &rec) != nil || !bytes.Equal(rec.Body, sent) {
			t.Fatalf("read unsalted event: %s %v", out, err)
		}
	})

	strict := func(t *testing.T) *chaincodetest.Memory {
		m := chaincodetest.New(chaincode.New(chaincode.Config{Regulators: []string{reg}, RequireSalt: true}), start)
		for _, p := range partners() {
			register(t, m, p)
		}
		return m
	}
	a := sgtin("SALT2")
	for _, tc := range []struct {
		name   string
		strict bool
		salt   []byte // nil: no salt sent
		rule   string // "": accepted
	}{
		{"missing, default configuration", false, nil, "salt-required"},
		{"required and missing", true, nil, "salt-required"},
		{"required and empty", true, []byte{}, "salt-required"},
		{"required and short", true, make([]byte, 16), "salt-invalid"},
		{"short", false, make([]byte, 31), "salt-invalid"},
		{"long", false, make([]byte, 33), "salt-invalid"},
		{"required and given", true, chaincode.NewSalt(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m *chaincodetest.Memory
			if tc.strict {
				m = strict(t)
			} else {
				m = newLedger(t)
			}
			tr := transient(t, []epcis.Event{commissionEv("L1", "2027-03-31", a)}, nil)
			delete(tr, chaincode.TransientSalt)
			if tc.salt != nil {
				tr[chaincode.TransientSalt] = tc.salt
			}
			height := m.Height()
			res, err := captureWith(t, m, mfr, tr)
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("capture with salt refused: %v", err)
				}
				recordSalt(t, m.PrivateData(chaincode.ImplicitCollection(mfr), "evt~"+res.Events[0].HashID))
				return
			}
			re := wantRule(t, err, chaincode.CodeInvalid, tc.rule, -1)
			if !strings.Contains(re.Detail, `"salt"`) {
				t.Fatalf("the refusal does not name the transient key: %s", re.Detail)
			}
			if m.Height() != height || len(m.Keys("evt~")) != 0 || len(m.Keys("serial~")) != 0 || len(m.Keys("sblk~")) != 0 {
				t.Fatalf("a refused capture wrote: height %d -> %d, %v", height, m.Height(), m.Keys(""))
			}
		})
	}
}

// TestReadEventExact: ReadEvent gives back the body byte for byte as the
// submitter sent it, salted or not, also when it is not in encoding/json's
// compact form (spaces, an unescaped "&", as another JSON encoder writes).
func TestReadEventExact(t *testing.T) {
	e := commissionEv("L&1", "2027-03-31", sgtin("EXACT1"))
	compact, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	sent := bytes.ReplaceAll(compact, []byte(`\u0026`), []byte("&"))
	sent = bytes.ReplaceAll(sent, []byte(`,"`), []byte(`, "`))
	sent = append([]byte("{ "), sent[1:]...)
	for _, salted := range []bool{true, false} {
		name := "unsalted"
		if salted {
			name = "salted"
		}
		t.Run(name, func(t *testing.T) {
			m := chaincodetest.New(chaincode.New(chaincode.Config{Regulators: []string{reg}, RequireSalt: salted}), start)
			for _, p := range partners() {
				register(t, m, p)
			}
			tr := transient(t, []epcis.Event{e}, nil)
			tr[chaincode.TransientEvents] = append(append([]byte("[ "), sent...), " ]"...)
			if !salted {
				delete(tr, chaincode.TransientSalt)
			}
			res, err := captureWith(t, m, mfr, tr)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Evaluate(mfr, chaincode.FnReadEvent, res.Events[0].HashID)
			if err != nil {
				t.Fatal(err)
			}
			var rec chaincode.EventRecord
			if err := json.Unmarshal(out, &rec); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if !bytes.Equal(rec.Body, sent) {
				t.Fatalf("reads\n%s\nnot what was captured\n%s", rec.Body, sent)
			}
			if !reflect.DeepEqual(rec.Anchor, eventAnchor(t, m, res.Events[0].HashID)) {
				t.Fatalf("anchor %+v", rec.Anchor)
			}
		})
	}
}

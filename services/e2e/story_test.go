package e2e

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rxledger/services/demo"
	"rxledger/services/platform/redistest"
)

// TestDSCSAStory walks a package's life over HTTP on the real binary with
// a real Redis: the manufacturer commissions, packs and ships to the
// wholesaler, the wholesaler receives and sells to the pharmacy, the
// pharmacy receives and verifies; the wholesaler checks returns; each
// organisation queries what it may see; the refusals; and, over the records
// routes, a package flagged suspect and cleared, the lot recalled, its
// custody history and transaction information read.
func TestDSCSAStory(t *testing.T) {
	rds := redistest.Start(t)
	n := startNode(t, t.TempDir(), rds.URL)
	creds := n.credentials()
	mfr, whs, pha, reg := creds[demo.Manufacturer], creds[demo.Wholesaler], creds[demo.Pharmacy], creds[demo.Regulator]
	if mfr.CompanyPrefix == "" || len(mfr.GTINs) == 0 {
		t.Fatalf("manufacturer credential without companyPrefix or gtins: %+v", mfr)
	}

	gtin, lot, expiry := mfr.GTINs[1], "E2E-LOT-1", "2029-02-28"
	serials := serialRange("E", 10)
	items := sgtins(t, gtin, serials)
	sscc := "urn:epc:id:sscc:" + mfr.CompanyPrefix + ".0000009001"

	var lastBlock uint64
	var t3IDs [][]string // of each capture step
	t.Run("capture", func(t *testing.T) {
		steps := []struct {
			name string
			key  string
			doc  []byte
			t3   int // transaction information records derived
		}{
			{"manufacturer commissions, packs and ships to the wholesaler", mfr.APIKey, document(t,
				commissioning(mfr.GLN, lot, expiry, items), packing(mfr.GLN, sscc, items),
				shipping(mfr.GLN, whs.GLN, "PO-E2E-1", []string{sscc})), 1},
			{"wholesaler receives, unpacks and ships to the pharmacy", whs.APIKey, document(t,
				receiving(whs.GLN, []string{sscc}), unpacking(whs.GLN, sscc),
				shipping(whs.GLN, pha.GLN, "PO-E2E-2", items)), 1},
			{"pharmacy receives", pha.APIKey, document(t, receiving(pha.GLN, items)), 0},
		}
		for _, s := range steps {
			j := n.mustCapture(s.key, s.doc)
			if j.Duplicates != 0 || j.Block == 0 || len(j.T3) != s.t3 {
				t.Fatalf("%s: job %+v; want a new block, no duplicates and %d T3", s.name, j, s.t3)
			}
			lastBlock = j.Block
			t3IDs = append(t3IDs, j.T3)
		}
		// Capturing a document again succeeds and adds nothing.
		j := n.mustCapture(pha.APIKey, steps[2].doc)
		if j.Duplicates != j.EventCount {
			t.Fatalf("re-capture: %d of %d events duplicates; want all", j.Duplicates, j.EventCount)
		}
	})

	t.Run("verify", func(t *testing.T) {
		samples := pha.Samples
		cases := []struct {
			name     string
			path     string
			verified bool
			reason   string
			info     string
		}{
			{"the captured package", verifyPath(gtin, serials[0], lot, "290228", url.Values{"corrUUID": {"6f1d6a1e-2c7b-4a52-9d53-0b8f4f7a6d11"}}), true, "", ""},
			{"an active demo package", samples.Active[0].Verify, true, "", ""},
			{"a recalled package", samples.Recalled[0].Verify, true, "", "Recalled"},
			{"a suspect package", samples.Suspect[0].Verify, true, "", "Suspect"},
			{"a dispensed package", samples.Dispensed[0].Verify, false, "Not_for_re-distribution", ""},
			{"an unknown serial", verifyPath(gtin, "NOSUCHSERIAL1", lot, "290228", nil), false, "No_match_GTIN_Serial", ""},
			{"a wrong lot", verifyPath(gtin, serials[1], "WRONGLOT", "290228", nil), false, "No_match_GTIN_Serial_Lot", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := n.verify(pha.APIKey, tc.path)
				if a.Verified != tc.verified || a.VerificationFailureReason != tc.reason || a.AdditionalInfo != tc.info {
					t.Fatalf("%s: %+v; want verified %v, reason %q, additionalInfo %q", tc.path, a, tc.verified, tc.reason, tc.info)
				}
				if a.LedgerHeight == 0 {
					t.Fatalf("answer without ledgerHeight: %+v", a)
				}
				if a.ResponderGLN != mfr.GLN {
					t.Fatalf("%s: responderGLN %q; want the manufacturer's %s", tc.path, a.ResponderGLN, mfr.GLN)
				}
			})
		}
		// Asked again, the unknown serial is answered from the cache, as
		// the manufacturer's still.
		unknown := cases[0]
		for _, c := range cases {
			if c.reason == "No_match_GTIN_Serial" {
				unknown = c
			}
		}
		if a := n.verify(pha.APIKey, unknown.path); a.Verified || a.Source != "cache" || a.ResponderGLN != mfr.GLN {
			t.Errorf("%s asked again: %+v; want not verified, from the cache, with the manufacturer's GLN %s", unknown.path, a, mfr.GLN)
		}
		a := n.verify(pha.APIKey, cases[0].path)
		if a.LedgerHeight <= lastBlock {
			t.Errorf("ledgerHeight %d does not reflect the pharmacy's receipt in block %d", a.LedgerHeight, lastBlock)
		}
		if a.CorrUUID != "6f1d6a1e-2c7b-4a52-9d53-0b8f4f7a6d11" || a.ResponderGLN != mfr.GLN {
			t.Errorf("corrUUID %q, responderGLN %q; want the request's and the manufacturer's %s", a.CorrUUID, a.ResponderGLN, mfr.GLN)
		}
		p := n.call(http.MethodGet, verifyPath("00399999000017", "1", "", "", nil), pha.APIKey, "", nil).wantProblem(t, http.StatusNotFound)
		if !strings.Contains(p.Detail, "00399999000017") {
			t.Errorf("unknown GTIN problem does not name the GTIN: %+v", p)
		}
	})

	t.Run("verify batch", func(t *testing.T) {
		a, r := pha.Samples.Active[0], pha.Samples.Recalled[0]
		body, _ := json.Marshal(map[string]any{"requests": []map[string]string{
			{"gtin": a.GTIN, "serial": a.Serial, "lot": a.Lot, "expiry": a.Expiry},
			{"gtin": r.GTIN, "serial": r.Serial, "lot": r.Lot, "expiry": r.Expiry},
			{"gtin": "00399999000017", "serial": "1"},
		}})
		var out struct {
			Responses []struct {
				lms
				Problem *problemBody `json:"problem"`
			} `json:"responses"`
		}
		n.call(http.MethodPost, "/verify/batch", whs.APIKey, "application/json", body).decode(t, http.StatusOK, &out)
		if len(out.Responses) != 3 {
			t.Fatalf("%d responses to 3 requests", len(out.Responses))
		}
		got := out.Responses
		if !got[0].Verified || got[0].AdditionalInfo != "" || got[1].AdditionalInfo != "Recalled" || got[2].Problem == nil || got[2].Problem.Status != http.StatusNotFound {
			t.Fatalf("batch answers %+v; want verified, Recalled, and a 404 problem for the unknown GTIN", got)
		}
	})

	t.Run("returns", func(t *testing.T) {
		cases := []struct {
			name     string
			item     demo.Sample
			decision string
		}{
			{"a package the wholesaler sold to the pharmacy", pha.Samples.Active[1], "saleable"},
			{"a dispensed package", pha.Samples.Dispensed[0], "quarantine"},
			{"a suspect package", pha.Samples.Suspect[0], "quarantine"},
			{"a recalled package", pha.Samples.Recalled[0], "quarantine"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				body, _ := json.Marshal(map[string]string{"gtin": tc.item.GTIN, "serial": tc.item.Serial, "lot": tc.item.Lot,
					"expiry": tc.item.Expiry, "returnedBy": pha.GLN})
				var d struct {
					Decision string `json:"decision"`
					Reasons  []struct {
						Code string `json:"code"`
					} `json:"reasons"`
				}
				n.call(http.MethodPost, "/returns/check", whs.APIKey, "application/json", body).decode(t, http.StatusOK, &d)
				if d.Decision != tc.decision {
					t.Fatalf("decision %q (%+v); want %q", d.Decision, d.Reasons, tc.decision)
				}
				if tc.decision == "quarantine" && len(d.Reasons) == 0 {
					t.Fatalf("quarantine without reasons")
				}
			})
		}
	})

	t.Run("events visibility", func(t *testing.T) {
		all := n.events(reg.APIKey, nil)
		union := map[string]string{}
		seen := map[string]map[string]string{}
		for _, c := range []demo.Credential{mfr, whs, pha} {
			evs := n.events(c.APIKey, nil)
			seen[c.Org] = evs
			for id, step := range evs {
				if _, ok := all[id]; !ok {
					t.Errorf("%s sees event %s (%s) the regulator does not", c.Org, id, step)
				}
			}
			maps.Copy(union, evs)
		}
		if len(all) != len(union) {
			t.Errorf("regulator sees %d events, the partners together %d; want the same", len(all), len(union))
		}
		count := func(evs map[string]string, step string) int {
			k := 0
			for _, s := range evs {
				if s == step {
					k++
				}
			}
			return k
		}
		// The manufacturer commissioned 3 demo lots and the test's; nobody
		// else is party to a commissioning.
		if got := count(seen[demo.Manufacturer], "commissioning"); got != 4 {
			t.Errorf("manufacturer sees %d commissioning events; want 4", got)
		}
		for _, org := range []string{demo.Wholesaler, demo.Pharmacy} {
			if got := count(seen[org], "commissioning"); got != 0 {
				t.Errorf("%s sees %d commissioning events; want none", org, got)
			}
		}
		if len(seen[demo.Pharmacy]) >= len(all) {
			t.Errorf("pharmacy sees %d of %d events; want fewer", len(seen[demo.Pharmacy]), len(all))
		}
		// The shipment of the case is the manufacturer's and the
		// wholesaler's business, not the pharmacy's.
		q := url.Values{"EQ_bizStep": {"shipping"}, "MATCH_epc": {sscc}}
		for _, tc := range []struct {
			org  demo.Credential
			want int
		}{{mfr, 1}, {whs, 1}, {pha, 0}, {reg, 1}} {
			if got := len(n.events(tc.org.APIKey, q)); got != tc.want {
				t.Errorf("%s sees %d shipments of the case; want %d", tc.org.Org, got, tc.want)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		active := pha.Samples.Active[0].Verify
		regCapture := document(t, commissioning(reg.GLN, "REG-LOT", "2029-01-31", sgtins(t, gtin, []string{"REG1"})))
		cases := []struct {
			name   string
			method string
			path   string
			key    string
			body   []byte
			status int
			field  string
		}{
			{"no API key", http.MethodGet, active, "", nil, http.StatusUnauthorized, ""},
			{"an unknown API key", http.MethodGet, active, "rxl_0123456789abcdef_" + strings.Repeat("a", 52), nil, http.StatusUnauthorized, ""},
			{"the regulator captures", http.MethodPost, "/epcis/capture", reg.APIKey, regCapture, http.StatusForbidden, ""},
			{"a foreign reqGLN", http.MethodGet, active + "&reqGLN=" + whs.GLN, pha.APIKey, nil, http.StatusForbidden, ""},
			{"a pharmacy checks a return", http.MethodPost, "/returns/check", pha.APIKey, []byte(`{"gtin":"` + gtin + `","serial":"E000001","returnedBy":"` + pha.GLN + `"}`), http.StatusForbidden, ""},
			{"a GTIN with a bad check digit", http.MethodGet, verifyPath("00312345101016", "1", "", "", nil), pha.APIKey, nil, http.StatusBadRequest, "gtin"},
			{"a capture that is not JSON", http.MethodPost, "/epcis/capture", mfr.APIKey, []byte("{not json"), http.StatusBadRequest, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ct := ""
				if tc.body != nil {
					ct = "application/ld+json"
					if strings.HasPrefix(tc.path, "/returns") {
						ct = "application/json"
					}
				}
				p := n.call(tc.method, tc.path, tc.key, ct, tc.body).wantProblem(t, tc.status)
				if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
					t.Fatalf("problem %+v does not say where (field %q)", p, tc.field)
				}
			})
		}
	})
	t.Run("investigation and recall", func(t *testing.T) {
		// The pharmacy flags a package it holds suspect, named by its
		// Digital Link as one path segment; it may not clear its own
		// suspicion; the manufacturer, the GTIN's owner, clears it by URN.
		dl := "https://id.gs1.org/01/" + gtin + "/21/" + serials[1]
		move := func(key, epc, state string) response {
			return n.call(http.MethodPut, "/items/"+url.PathEscape(epc)+"/investigation", key, "application/json",
				[]byte(`{"state":"`+state+`"}`))
		}
		var moved struct {
			Investigation struct {
				State   string `json:"state"`
				Serials []struct {
					Investigation   string `json:"investigation"`
					InvestigationBy string `json:"investigationBy"`
				} `json:"serials"`
			} `json:"investigation"`
			TxID  string `json:"txId"`
			Block uint64 `json:"block"`
		}
		move(pha.APIKey, dl, "suspect").decode(t, http.StatusOK, &moved)
		if s := moved.Investigation.Serials; len(s) != 1 || s[0].Investigation != "suspect" || s[0].InvestigationBy != demo.Pharmacy || moved.Block == 0 {
			t.Fatalf("suspect: %+v", moved)
		}
		suspectPath := verifyPath(gtin, serials[1], lot, "290228", nil)
		eventually(t, "verification says Suspect", func() bool { return n.verify(pha.APIKey, suspectPath).AdditionalInfo == "Suspect" })
		move(pha.APIKey, dl, "cleared").wantProblem(t, http.StatusForbidden)
		move(mfr.APIKey, items[1], "cleared").decode(t, http.StatusOK, &moved)
		if s := moved.Investigation.Serials; len(s) != 1 || s[0].Investigation != "cleared" {
			t.Fatalf("cleared: %+v", moved)
		}
		eventually(t, "verification no longer says Suspect", func() bool {
			a := n.verify(pha.APIKey, suspectPath)
			return a.Verified && a.AdditionalInfo == ""
		})

		// The manufacturer recalls the lot; the wholesaler may not.
		recall := "/lots/" + gtin + "/" + url.PathEscape(lot) + "/recall"
		body := []byte(`{"reason":"E2E: particulate matter"}`)
		n.call(http.MethodPost, recall, whs.APIKey, "application/json", body).wantProblem(t, http.StatusForbidden)
		var recalled struct {
			Lot struct {
				Recalled     bool   `json:"recalled"`
				RecallReason string `json:"recallReason"`
			} `json:"lot"`
			TxID string `json:"txId"`
		}
		n.call(http.MethodPost, recall, mfr.APIKey, "application/json", body).decode(t, http.StatusOK, &recalled)
		if !recalled.Lot.Recalled || recalled.Lot.RecallReason != "E2E: particulate matter" || recalled.TxID == "" {
			t.Fatalf("recall: %+v", recalled)
		}
		recalledPath := verifyPath(gtin, serials[0], lot, "290228", nil)
		eventually(t, "verification says Recalled", func() bool { return n.verify(pha.APIKey, recalledPath).AdditionalInfo == "Recalled" })

		// The regulator reads the package's whole custody, the pharmacy its
		// part of it, and the transaction information of its purchase.
		var whole, part struct {
			Restricted bool `json:"restricted"`
			Entries    []struct {
				Serial struct {
					Owner string `json:"owner"`
				} `json:"serial"`
			} `json:"entries"`
		}
		history := "/items/" + url.PathEscape(items[0]) + "/history"
		n.call(http.MethodGet, history, reg.APIKey, "", nil).decode(t, http.StatusOK, &whole)
		n.call(http.MethodGet, history, pha.APIKey, "", nil).decode(t, http.StatusOK, &part)
		if whole.Restricted || len(whole.Entries) < 3 || whole.Entries[len(whole.Entries)-1].Serial.Owner != demo.Pharmacy ||
			!part.Restricted || len(part.Entries) >= len(whole.Entries) || len(part.Entries) == 0 {
			t.Fatalf("history: the regulator's %+v, the pharmacy's %+v", whole, part)
		}
		var t3 struct {
			Seller string `json:"seller"`
			Buyer  string `json:"buyer"`
		}
		id := t3IDs[1][0] // the wholesaler's sale to the pharmacy
		n.call(http.MethodGet, "/t3/"+id, pha.APIKey, "", nil).decode(t, http.StatusOK, &t3)
		if t3.Seller != demo.Wholesaler || t3.Buyer != demo.Pharmacy {
			t.Fatalf("T3 %+v", t3)
		}
		n.call(http.MethodGet, "/t3/"+id, mfr.APIKey, "", nil).wantProblem(t, http.StatusForbidden)
	})
}

package chaincode_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"rxledger/chaincode"
	"rxledger/chaincode/chaincodetest"
	"rxledger/epcis"
)

// TestRandomOperationsKeepInvariants applies a long, seeded random sequence
// of captures by random organisations (many of them refused) and checks after
// each one that the custody graph stays consistent and that refused
// transactions leave no trace.
func TestRandomOperationsKeepInvariants(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			m := newLedger(t)
			items := serials("R", 30)
			containers := []string{sscc1, sscc2, sscc3}
			all := append(slices.Clone(items), containers...)
			orgs := []string{mfr, whs, pharm}
			glns := map[string]string{mfr: mfrGLN, whs: whsGLN, pharm: pharmGLN}
			// pick draws n identifiers: mostly ones in a state where the
			// operation can apply (live: commissioned and not retired; new:
			// not commissioned), sometimes any at all.
			pick := func(n int, live bool) []string {
				var pool []string
				for _, epc := range all {
					c, ok := custodyOf(m, epc)
					if ok == live && !(ok && c.Status.Terminal()) {
						pool = append(pool, epc)
					}
				}
				if len(pool) == 0 || rng.IntN(5) == 0 {
					pool = all
				}
				out := []string{}
				for range 1 + rng.IntN(n) {
					out = append(out, pool[rng.IntN(len(pool))])
				}
				return out
			}
			accepted := 0
			for step := range 500 {
				org := orgs[rng.IntN(len(orgs))]
				var e epcis.Event
				switch rng.IntN(20) {
				case 0, 1:
					e = commissionEv("L1", "2027-03-31", pick(3, false)...)
					org = mfr
				case 2:
					e = commissionEv("", "", containers[rng.IntN(len(containers))])
				case 3, 4, 5, 6:
					// Children the parent's owner holds loose, mostly.
					parent := containers[rng.IntN(len(containers))]
					owner := orgs[rng.IntN(len(orgs))]
					if c, ok := custodyOf(m, parent); ok {
						owner = c.Owner
					}
					var loose []string
					for _, epc := range all {
						if c, ok := custodyOf(m, epc); ok && epc != parent && c.Owner == owner && c.Status == chaincode.StatusActive && c.Parent == "" {
							loose = append(loose, epc)
						}
					}
					kids := pick(2, true)
					if len(loose) > 0 && rng.IntN(4) > 0 {
						kids = []string{loose[rng.IntN(len(loose))]}
					}
					e = packEv(parent, kids...)
					org = owner
				case 7:
					e = unpackEv(containers[rng.IntN(len(containers))])
				case 8, 9, 10, 11:
					e = shipEv(glns[orgs[rng.IntN(len(orgs))]], pick(2, true)...)
				case 12, 13, 14, 15:
					e = stepEv("receiving", pick(2, true)...)
				case 16, 17, 18:
					e = stepEv("void_shipping", pick(2, true)...)
				default:
					e = stepEv([]string{"dispensing", "destroying", "decommissioning"}[rng.IntN(3)], pick(1, true)...)
				}
				e = at(e, step)
				if m.Now().Before(e.EventTime) {
					m.SetTime(e.EventTime) // the ledger's clock is not behind the events
				}
				// Mostly act as the organisation the rules would accept
				// (the owner, or the addressee for a receipt), sometimes not.
				if first := firstEPC(e); first != "" && rng.IntN(5) > 0 {
					if c, ok := custodyOf(m, first); ok {
						org = c.Owner
						if e.BizStep == "receiving" && c.ShipTo != "" {
							org = c.ShipTo
						}
					}
				}
				before := snapshot(m)
				if _, err := capture(t, m, org, e); err != nil {
					if snapshot(m) != before {
						t.Fatalf("step %d: refused capture changed state: %v", step, err)
					}
					continue
				}
				accepted++
				checkInvariants(t, m, step)
			}
			if accepted < 50 {
				t.Fatalf("only %d of 500 random captures were accepted: the test exercises too little", accepted)
			}
		})
	}
}

func firstEPC(e epcis.Event) string {
	if e.ParentID != "" {
		return e.ParentID
	}
	if len(e.EPCList) > 0 {
		return e.EPCList[0]
	}
	return ""
}

// custodyOf reads the custody of an item straight from the state.
func custodyOf(m *chaincodetest.Memory, epc string) (chaincode.Custody, bool) {
	id, err := chaincode.ParseItemID(epc)
	if err != nil {
		return chaincode.Custody{}, false
	}
	raw := m.GetState(id.Key())
	if raw == nil {
		return chaincode.Custody{}, false
	}
	var rec struct{ chaincode.Custody }
	if err := json.Unmarshal(raw, &rec); err != nil {
		return chaincode.Custody{}, false
	}
	return rec.Custody, true
}

// checkInvariants verifies the custody graph of the whole state.
func checkInvariants(t *testing.T, m *chaincodetest.Memory, step int) {
	t.Helper()
	type node struct {
		link     string
		c        chaincode.Custody
		children []string
	}
	nodes := map[string]node{}
	for _, raw := range m.Serials() {
		var s chaincode.SerialRecord
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatal(err)
		}
		id := chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: s.GTIN, Serial: s.Serial}
		nodes[id.DigitalLink()] = node{id.DigitalLink(), s.Custody, s.Children}
	}
	for _, k := range m.Keys("sscc~") {
		var c chaincode.ContainerRecord
		if err := json.Unmarshal(m.GetState(k), &c); err != nil {
			t.Fatal(err)
		}
		id := chaincode.ItemID{Kind: chaincode.KindSSCC, SSCC: c.SSCC}
		nodes[id.DigitalLink()] = node{id.DigitalLink(), c.Custody, c.Children}
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("step %d: "+format, append([]any{step}, args...)...)
	}
	for link, n := range nodes {
		if n.c.Status == chaincode.StatusInTransit && n.c.ShipTo == "" || n.c.Status != chaincode.StatusInTransit && n.c.ShipTo != "" {
			fail("%s: status %s with shipTo %q", link, n.c.Status, n.c.ShipTo)
		}
		for _, child := range n.children {
			cn, ok := nodes[child]
			if !ok {
				fail("%s lists unknown child %s", link, child)
			}
			if cn.c.Parent != link {
				fail("%s lists %s whose parent is %q", link, child, cn.c.Parent)
			}
			if !n.c.Status.Terminal() && (cn.c.Owner != n.c.Owner || cn.c.Status != n.c.Status || cn.c.ShipTo != n.c.ShipTo) {
				fail("child %s (%s %s %s) differs from its container %s (%s %s %s)", child, cn.c.Owner, cn.c.Status, cn.c.ShipTo, link, n.c.Owner, n.c.Status, n.c.ShipTo)
			}
		}
		if n.c.Parent != "" {
			p, ok := nodes[n.c.Parent]
			if !ok || !slices.Contains(p.children, link) {
				fail("%s names parent %s which does not list it", link, n.c.Parent)
			}
		}
		// No cycles: walking up ends.
		seen := map[string]bool{}
		for p := n.c.Parent; p != ""; p = nodes[p].c.Parent {
			if seen[p] {
				fail("cycle above %s", link)
			}
			seen[p] = true
		}
	}
	if t.Failed() {
		t.Log(strings.Join(m.Keys(""), "\n"))
	}
}

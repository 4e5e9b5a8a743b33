package embedded

import (
	"context"
	"encoding/json"
	"testing"

	"rxledger/chaincode"
)

// TestWarmCache checks that a ledger opened with WarmCache has read the
// world state into the block cache, so that verifications afterwards are
// served from the cache, and that one without it has not.
func TestWarmCache(t *testing.T) {
	dir := t.TempDir()
	l := openDSCSA(t, dir, Options{})
	dscsaPartners(t, l)
	if _, err := l.Submit(context.Background(), mfr, commissionTx(t, "LW", serialRange("W", 0, 500))); err != nil {
		t.Fatalf("commission: %v", err)
	}
	if err := l.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		warm     bool
		wantHits bool
	}{
		{"without warm-up reads miss the cache", false, false},
		{"with warm-up reads hit the cache", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := openDSCSA(t, dir, Options{WarmCache: tc.warm})
			if l.warm != nil {
				<-l.warm.done
			}
			before := l.db.Metrics().BlockCache
			out, err := l.Evaluate(context.Background(), "PharmacyMSP", chaincode.FnVerify, verifyRequest(t, "W321", "LW"))
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			var v chaincode.VerifyResult
			if err := json.Unmarshal(out, &v); err != nil || !v.Verified {
				t.Fatalf("serial W321 not verified: %s %v", out, err)
			}
			after := l.db.Metrics().BlockCache
			misses := after.Misses - before.Misses
			if tc.wantHits && misses != 0 {
				t.Errorf("verification after warm-up missed the block cache %d times", misses)
			}
			if !tc.wantHits && misses == 0 {
				t.Error("verification on a cold cache had no misses: the test does not exercise the warm-up")
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestWarmCacheClose checks that closing a ledger right after opening it
// with WarmCache stops the warm-up before the store closes, and that the
// ledger reopens cleanly.
func TestWarmCacheClose(t *testing.T) {
	dir := t.TempDir()
	l := openDSCSA(t, dir, Options{})
	dscsaPartners(t, l)
	if _, err := l.Submit(context.Background(), mfr, commissionTx(t, "LC", serialRange("C", 0, 200))); err != nil {
		t.Fatalf("commission: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		l := openDSCSA(t, dir, Options{WarmCache: true})
		if err := l.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
		select {
		case <-l.warm.done:
		default:
			t.Fatalf("close %d returned while the warm-up was still running", i)
		}
	}
}

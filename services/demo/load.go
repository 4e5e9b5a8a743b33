package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"rxledger/chaincode"
	"rxledger/epcis"
	"rxledger/services/ledger"
	"rxledger/services/platform/problem"
)

// Options configures Load. The zero value is usable.
type Options struct {
	// Logger receives one line per step (nil: discarded).
	Logger *slog.Logger
	// Now is the clock that dates licences (nil: time.Now).
	Now func() time.Time
}

// Result says what Load did.
type Result struct {
	// Submitted counts the transactions Load submitted; Skipped those it
	// found already on the ledger.
	Submitted, Skipped int
	// Height is the ledger height after loading.
	Height uint64
}

// Load writes the demo consortium's partner records and story onto l,
// skipping every part that is already there (see the package doc).
func Load(ctx context.Context, l ledger.Ledger, opts Options) (Result, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var res Result
	for _, o := range Orgs() {
		done, err := putPartner(ctx, l, o, opts.Now())
		if err != nil {
			return res, fmt.Errorf("partner record of %s: %w", o.MSP, err)
		}
		res.count(done)
	}
	for _, s := range story() {
		done, err := apply(ctx, l, s)
		if err != nil {
			return res, fmt.Errorf("demo step %q: %w", s.name, err)
		}
		res.count(done)
		if !done {
			opts.Logger.Debug("demo step submitted", "step", s.name, "org", s.org)
		}
	}
	h, err := l.Height(ctx)
	if err != nil {
		return res, fmt.Errorf("ledger height: %w", err)
	}
	res.Height = h
	opts.Logger.Info("demo consortium loaded", "submitted", res.Submitted, "alreadyThere", res.Skipped, "height", h)
	return res, nil
}

// count records a step that was already done (skipped) or submitted.
func (r *Result) count(alreadyDone bool) {
	if alreadyDone {
		r.Skipped++
	} else {
		r.Submitted++
	}
}

// putPartner writes org's partner record unless the ledger has it with the
// same roles, GLNs and prefixes and a licence valid beyond LicenceRenewal,
// then has the regulator attest what the record claims unless the ledger's
// attestation says exactly that. It reports whether both were already there.
func putPartner(ctx context.Context, l ledger.Ledger, o Org, now time.Time) (bool, error) {
	var cur chaincode.Partner
	found := true
	err := evaluate(ctx, l, o.MSP, &cur, chaincode.FnReadPartner, o.MSP)
	switch {
	case err == nil:
	case problem.CodeOf(err) == problem.NotFound:
		found = false
	default:
		return false, err
	}
	stored := cur
	recordDone := found && sameClaims(cur, o.partner(now), now)
	if !recordDone {
		stored = o.partner(now.Add(LicenceValidity))
		raw, err := json.Marshal(stored)
		if err != nil {
			return false, fmt.Errorf("encode partner: %w", err)
		}
		if _, err := l.Submit(ctx, o.MSP, ledger.Transaction{Function: chaincode.FnPutPartner, Args: []string{string(raw)}}); err != nil {
			return false, err
		}
	}
	want := stored.Claims()
	if found && sameAttestation(cur.Attested, want) {
		return recordDone, nil
	}
	raw, err := json.Marshal(want)
	if err != nil {
		return false, fmt.Errorf("encode attestation: %w", err)
	}
	_, err = l.Submit(ctx, Regulator, ledger.Transaction{Function: chaincode.FnAttestPartner, Args: []string{o.MSP, string(raw)}})
	if err != nil {
		return false, fmt.Errorf("attest: %w", err)
	}
	return false, nil
}

// sameClaims reports whether the stored record cur claims what want claims,
// with licences (when want has any) valid for LicenceRenewal from now.
func sameClaims(cur, want chaincode.Partner, now time.Time) bool {
	if cur.Name != want.Name || !slices.Equal(cur.Roles, want.Roles) || !slices.Equal(cur.GLNs, want.GLNs) ||
		!slices.Equal(cur.CompanyPrefixes, want.CompanyPrefixes) {
		return false
	}
	if len(want.Licenses) == 0 {
		return len(cur.Licenses) == 0
	}
	renewal := now.Add(LicenceRenewal)
	return slices.ContainsFunc(cur.Licenses, func(l chaincode.License) bool { return l.Expiry.After(renewal) })
}

// sameAttestation reports whether the stored attestation cur attests
// exactly want's licences, company prefixes and GLNs.
func sameAttestation(cur *chaincode.Attestation, want chaincode.Attestation) bool {
	if cur == nil || !slices.Equal(cur.Roles, want.Roles) || !slices.Equal(cur.GLNs, want.GLNs) || !slices.Equal(cur.CompanyPrefixes, want.CompanyPrefixes) {
		return false
	}
	return slices.EqualFunc(cur.Licenses, want.Licenses, func(a, b chaincode.License) bool {
		return a.Authority == b.Authority && a.Number == b.Number && a.Expiry.Equal(b.Expiry)
	})
}

// apply submits one step unless the ledger shows it done; it reports
// whether it was.
func apply(ctx context.Context, l ledger.Ledger, s step) (bool, error) {
	switch {
	case s.recall != nil:
		var lot chaincode.LotStatus
		if err := evaluate(ctx, l, s.org, &lot, chaincode.FnReadLot, s.recall.gtin, s.recall.lot); err != nil {
			return false, err
		}
		if lot.Recalled {
			return true, nil
		}
		_, err := l.Submit(ctx, s.org, ledger.Transaction{Function: chaincode.FnRecallLot, Args: []string{s.recall.gtin, s.recall.lot, s.recall.reason}})
		return false, err
	case s.flag != nil:
		var rec chaincode.SerialRecord
		if err := evaluate(ctx, l, s.org, &rec, chaincode.FnReadSerial, s.flag.epc); err != nil {
			return false, err
		}
		if rec.Investigation == s.flag.state {
			return true, nil
		}
		_, err := l.Submit(ctx, s.org, ledger.Transaction{Function: chaincode.FnSetInvestigation, Args: []string{s.flag.epc, string(s.flag.state)}})
		return false, err
	}
	done, err := anchored(ctx, l, s.org, s.events)
	if err != nil || done {
		return done, err
	}
	tx, err := captureTx(s.events, s.t3)
	if err != nil {
		return false, err
	}
	_, err = l.Submit(ctx, s.org, tx)
	return false, err
}

// anchored reports whether every event is on the ledger: org, which
// captured them, is a party to each and reads it back.
func anchored(ctx context.Context, l ledger.Ledger, org string, events []epcis.Event) (bool, error) {
	for i := range events {
		id, err := epcis.HashID(&events[i])
		if err != nil {
			return false, fmt.Errorf("hash ID of event %d: %w", i, err)
		}
		if _, err := l.Evaluate(ctx, org, chaincode.FnReadEvent, id); err != nil {
			if problem.CodeOf(err) == problem.NotFound {
				return false, nil
			}
			return false, fmt.Errorf("read event %s: %w", id, err)
		}
	}
	return true, nil
}

// captureTx is the Capture transaction of events and T3 records, as the
// ingest service submits a document: bodies and T3 in transient data.
func captureTx(events []epcis.Event, t3 []chaincode.T3) (ledger.Transaction, error) {
	raw, err := json.Marshal(events)
	if err != nil {
		return ledger.Transaction{}, fmt.Errorf("encode events: %w", err)
	}
	tx := ledger.Transaction{Function: chaincode.FnCapture, Transient: map[string][]byte{
		chaincode.TransientEvents: raw, chaincode.TransientSalt: chaincode.NewSalt()}}
	if len(t3) > 0 {
		if tx.Transient[chaincode.TransientT3], err = json.Marshal(t3); err != nil {
			return ledger.Transaction{}, fmt.Errorf("encode t3: %w", err)
		}
	}
	return tx, nil
}

// evaluate runs a query as org and decodes its JSON result into out.
func evaluate(ctx context.Context, l ledger.Ledger, org string, out any, fn string, args ...string) error {
	raw, err := l.Evaluate(ctx, org, fn, args...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode %s result: %w", fn, err)
	}
	return nil
}

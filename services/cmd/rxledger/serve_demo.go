package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"

	"rxledger/chaincode"
	"rxledger/epcis/gs1"
	"rxledger/services/demo"
	"rxledger/services/platform/config"
	"rxledger/services/platform/telemetry"
)

// loadDemo is --demo: it loads the demo consortium onto the process's
// ledger (nothing twice: see package demo), issues or keeps the demo
// organisations' API keys, writes DemoCredentialsFile and the example
// capture document in the data directory and sets p.demoCredentials.
func loadDemo(ctx context.Context, p *platform) error {
	l, err := p.processLedger(ctx)
	if err != nil {
		return err
	}
	if _, err := demo.Load(ctx, l, demo.Options{Logger: telemetry.Component(p.log, "demo")}); err != nil {
		return fmt.Errorf("load the demo consortium: %w", err)
	}
	path := filepath.Join(p.cfg.DataDir, DemoCredentialsFile)
	if _, err := demo.Credentials(ctx, path, p.keys); err != nil {
		return err
	}
	if err := demo.WriteCaptureExample(filepath.Join(p.cfg.DataDir, demo.CaptureExampleFile)); err != nil {
		return err
	}
	p.demoCredentials = path
	return nil
}

// printDemoNext prints, after the start message of serve --demo, commands
// to paste: a verification, an events query and a capture, each with a demo
// key, for the services that are mounted.
func printDemoNext(w io.Writer, base, credentials string, mounted []string) {
	creds, err := demo.ReadCredentials(credentials)
	if err != nil {
		fmt.Fprintf(w, "  demo:     cannot read %s: %v\n", credentials, err)
		return
	}
	key := map[string]string{}
	for _, c := range creds {
		key[c.Org] = c.APIKey
	}
	dataDir := filepath.Dir(credentials)
	fmt.Fprintf(w, "  demo:     four organisations (manufacturer, wholesaler, pharmacy, regulator); their API keys,\n")
	fmt.Fprintf(w, "            GLNs, GTINs and sample packages in every state are in %s\n", credentials)
	fmt.Fprintln(w, "try:")
	if slices.Contains(mounted, config.RoleVerify) && len(creds) > 0 && len(creds[0].Samples.Active) > 0 {
		s := creds[0].Samples
		fmt.Fprintf(w, "  # the pharmacy verifies a package (GS1 Lightweight Messaging); a recalled one answers additionalInfo Recalled\n")
		fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' '%s%s'\n", key[demo.Pharmacy], base, s.Active[0].Verify)
		if len(s.Recalled) > 0 {
			fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' '%s%s'\n", key[demo.Pharmacy], base, s.Recalled[0].Verify)
		}
	}
	if slices.Contains(mounted, config.RoleIngest) {
		q := url.Values{"EQ_bizStep": {"shipping"}, "perPage": {"5"}}
		fmt.Fprintf(w, "  # the shipments the wholesaler is party to (EPCIS 2.0 query)\n")
		fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' '%s/epcis/events?%s'\n", key[demo.Wholesaler], base, q.Encode())
		fmt.Fprintf(w, "  # the manufacturer captures an EPCIS 2.0 document (202, then GET the Location for the job)\n")
		fmt.Fprintf(w, "  curl -si -H 'Authorization: Bearer %s' -H 'Content-Type: application/ld+json' --data-binary @%s %s/epcis/capture\n",
			key[demo.Manufacturer], filepath.Join(dataDir, demo.CaptureExampleFile), base)
		if len(creds) > 0 && len(creds[0].Samples.Active) > 0 {
			a := creds[0].Samples.Active[0]
			// An EPC URN reads more easily in a URL than an escaped Digital
			// Link; the Digital Link if the sample were not one.
			epc := chaincode.ItemID{Kind: chaincode.KindSGTIN, GTIN: a.GTIN, Serial: a.Serial}.DigitalLink()
			if s, err := gs1.NewSGTIN(a.GTIN, a.Serial); err == nil {
				if urn, err := s.EPC(len(creds[0].CompanyPrefix)); err == nil {
					epc = urn
				}
			}
			fmt.Fprintf(w, "  # the regulator reads that package's custody history (records: lots, items, T3; services/records/README.md)\n")
			fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' '%s/items/%s/history'\n", key[demo.Regulator], base, url.PathEscape(epc))
		}
	}
}

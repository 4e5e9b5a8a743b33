package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
)

// serveOn runs `rxledger serve --data data args...` until it has started,
// then stops it, or until it fails; it returns the exit code, the standard
// output (the start message) and the error output (the logs, and why it
// failed).
func serveOn(t *testing.T, data string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	clearServeEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &stopOnStart{stop: cancel}
	var errOut strings.Builder
	code = run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...), strings.NewReader(""), out, &errOut)
	return code, out.b.String(), errOut.String()
}

// createLedger creates the ledger of a data directory as serve does, with
// the consortium file cons and its signing keys in keyDir (none if empty),
// and has the fixture's organisations transact on it.
func createLedger(t *testing.T, cons, keyDir string) string {
	t.Helper()
	data := t.TempDir()
	args := []string{"--data", data, "--consortium", cons}
	if keyDir != "" {
		args = append(args, "--signing-keys", keyDir)
	}
	onServeLedger(t, args, func(l ledger.Ledger) { registerPartners(t, l, generico, mainStreet, stateBoard) })
	return data
}

// TestServeConsortiumGrows: serve opens a data directory's ledger with a
// consortium file that adds to the consortium its genesis block records,
// and logs what changed: an organisation that joined, a regulator listed
// after the first, another display name.
func TestServeConsortiumGrows(t *testing.T) {
	data := createLedger(t, fixtureConsortium, "")
	genesis := "the genesis block of " + filepath.Join(data, LedgerDir)

	t.Run("the same file: nothing to log", func(t *testing.T) {
		code, _, logs := serveOn(t, data, "--consortium", fixtureConsortium, "--roles", "ingest")
		if code != 0 || strings.Contains(logs, genesis) {
			t.Fatalf("exit %d; logs:\n%s", code, logs)
		}
	})
	t.Run("organisations added", func(t *testing.T) {
		grown := writeConsortium(t, func(c *embedded.Consortium) {
			c.Organizations[0].Name = "Generico Laboratories"
			// The pharmacy becomes a regulator too, listed after
			// StateBoardMSP, the genesis block's, which stays first.
			c.Organizations[2].Roles = []string{"dispenser", "regulator"}
			c.Organizations[2], c.Organizations[3] = c.Organizations[3], c.Organizations[2]
			c.Organizations = append(c.Organizations,
				embedded.Organization{MSPID: "NewcoMSP", Name: "Newco Pharma", Roles: []string{"manufacturer"}},
				embedded.Organization{MSPID: "FdaMSP", Name: "FDA", Roles: []string{"regulator"}})
		})
		code, out, logs := serveOn(t, data, "--consortium", grown, "--roles", "ingest")
		if code != 0 {
			t.Fatalf("exit %d; logs:\n%s", code, logs)
		}
		if want := "6 organisations; regulators StateBoardMSP, MainStreetRxMSP, FdaMSP"; !strings.Contains(out, want) {
			t.Errorf("start message lacks %q:\n%s", want, out)
		}
		for _, want := range []string{
			`"level":"INFO","msg":"NewcoMSP (Newco Pharma) joined consortium rxledger-test-midwest after ` + genesis + `"`,
			`"level":"INFO","msg":"FdaMSP (FDA) joined consortium rxledger-test-midwest after ` + genesis + `"`,
			`"level":"INFO","msg":"MainStreetRxMSP has the regulator role, which ` + genesis + ` does not record: it holds a copy of the events from now on, not of those before"`,
			`"level":"INFO","msg":"GenericoLabsMSP: name differs from ` + genesis + `"`,
		} {
			if !strings.Contains(logs, want) {
				t.Errorf("logs lack %s:\n%s", want, logs)
			}
		}
	})
}

// TestServeConsortiumRefusedAgainstGenesis: serve refuses, at start-up
// and saying why and what to do, a consortium file that takes from the
// consortium its data directory's ledger was created with: another name, a
// member left out, a recorded publicKey changed or dropped, a first
// regulator that was not one from the start. Each refusal names the
// organisations; the ledger then opens as before.
func TestServeConsortiumRefusedAgainstGenesis(t *testing.T) {
	keyDir := t.TempDir()
	pub := keygen(t, filepath.Join(keyDir, generico+".key"))
	keyed := writeConsortium(t, withKeys(map[string]string{generico: pub}))
	data := createLedger(t, keyed, keyDir)
	genesis := "the genesis block of " + filepath.Join(data, LedgerDir)
	withKey := func(edit func(c *embedded.Consortium)) string {
		t.Helper()
		return writeConsortiumFrom(t, keyed, edit)
	}
	renamed := withKey(func(c *embedded.Consortium) { c.Name = "rxledger-test-great-lakes" })
	noPrairie := withKey(func(c *embedded.Consortium) { c.Organizations = append(c.Organizations[:1], c.Organizations[2:]...) })
	// A new key for the manufacturer, its file where serve reads it.
	newKeyDir := t.TempDir()
	newKey := withKey(withKeys(map[string]string{generico: keygen(t, filepath.Join(newKeyDir, generico+".key"))}))
	noKey := withKey(withKeys(nil))
	newFirstRegulator := withKey(func(c *embedded.Consortium) {
		c.Organizations = append([]embedded.Organization{{MSPID: "FdaMSP", Name: "FDA", Roles: []string{"regulator"}}}, c.Organizations...)
	})

	tests := []struct {
		name string
		args []string
		want []string // in the error output
	}{
		{"another name", []string{"--consortium", renamed}, []string{
			"rxledger serve: consortium rxledger-test-great-lakes (" + renamed + ") does not match consortium rxledger-test-midwest, recorded in " + genesis + ", in what must not change:",
			"  - the ledger was created for consortium rxledger-test-midwest, not rxledger-test-great-lakes",
			"Give --consortium the file of rxledger-test-midwest", "or start rxledger-test-great-lakes with a new --data directory"}},
		{"a member left out", []string{"--consortium", noPrairie}, []string{
			"  - the file lacks PrairieDrugMSP (Prairie Drug Distributors), a member since " + genesis + ": their transactions stay on the chain",
			"Keep them in the file; to stop one trading, a regulator revokes its attestation"}},
		{"without --consortium: the demo consortium", nil, []string{
			"consortium rxledger-demo (built in: deploy/consortium/demo.json) does not match consortium rxledger-test-midwest",
			"created for consortium rxledger-test-midwest, not rxledger-demo", "(without --consortium serve runs the demo consortium, rxledger-demo)",
			"the built-in demo consortium lacks GenericoLabsMSP (Generico Labs), PrairieDrugMSP (Prairie Drug Distributors), MainStreetRxMSP (Main Street Pharmacy), StateBoardMSP (State Board of Pharmacy), members since",
			"the first regulator, RegulatorMSP, which " + genesis + " does not record as a regulator"}},
		{"another publicKey", []string{"--consortium", newKey, "--signing-keys", newKeyDir}, []string{
			"  - the publicKey of GenericoLabsMSP is not the one " + genesis + " records",
			`the embedded ledger cannot rotate a key. Put back "publicKey": "` + pub + `"`}},
		{"the publicKey dropped", []string{"--consortium", noKey}, []string{
			"  - GenericoLabsMSP has no publicKey, and " + genesis + " records " + pub,
			`Put back "publicKey": "` + pub + `", and its key file in --signing-keys`}},
		{"a first regulator that was not one from the start", []string{"--consortium", newFirstRegulator}, []string{
			"  - the ingest service reads events as the first regulator, FdaMSP, which " + genesis + " does not record as a regulator",
			"List first a regulator the genesis block records (StateBoardMSP), and FdaMSP after it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// --roles none: the file is checked even when no service opens
			// the ledger.
			code, out, errOut := serveOn(t, data, append([]string{"--signing-keys", keyDir, "--roles", "none"}, tt.args...)...)
			if code != 1 || strings.Contains(out, "rxledger serving") {
				t.Fatalf("exit %d, want 1; stdout %s; stderr %s", code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
	t.Run("the file the ledger was created with still opens it", func(t *testing.T) {
		if code, _, errOut := serveOn(t, data, "--consortium", keyed, "--signing-keys", keyDir, "--roles", "ingest"); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("a publicKey given to an organisation recorded without one is logged", func(t *testing.T) {
		pharmacyKeyed := withKey(withKeys(map[string]string{generico: pub, mainStreet: keygen(t, filepath.Join(keyDir, mainStreet+".key"))}))
		code, _, errOut := serveOn(t, data, "--consortium", pharmacyKeyed, "--signing-keys", keyDir, "--roles", "ingest")
		want := `"level":"WARN","msg":"MainStreetRxMSP has a publicKey, and ` + genesis + ` records none: rxledger ledger verify checks none of its signatures`
		if code != 0 || !strings.Contains(errOut, want) {
			t.Fatalf("exit %d; stderr lacks %s:\n%s", code, want, errOut)
		}
	})
}

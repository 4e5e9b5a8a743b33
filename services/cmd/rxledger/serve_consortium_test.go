package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/internal/testenv"
	"rxledger/services/demo"
	"rxledger/services/ingest"
	"rxledger/services/ledger"
	"rxledger/services/ledger/embedded"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/config"
	"rxledger/services/platform/problem"
)

// fixtureConsortium is our own consortium file for these tests: four
// organisations, none of them a demo organisation, with a regulator of
// another name than the demo's.
const fixtureConsortium = "testdata/consortium.json"

// The fixture's organisations and the GLNs their partner records give them.
const (
	generico   = "GenericoLabsMSP"
	prairie    = "PrairieDrugMSP"
	mainStreet = "MainStreetRxMSP"
	stateBoard = "StateBoardMSP"

	genericoGLN = "0345678000014"
)

var fixtureGLNs = map[string]string{generico: genericoGLN, prairie: "0712345000019", mainStreet: "0861111000019", stateBoard: "0869999000015"}

// writeConsortium writes the fixture, changed by edit, to a new file.
func writeConsortium(t *testing.T, edit func(c *embedded.Consortium)) string {
	t.Helper()
	return writeConsortiumFrom(t, fixtureConsortium, edit)
}

// writeConsortiumFrom writes the consortium file base, changed by edit, to
// a new file.
func writeConsortiumFrom(t *testing.T, base string, edit func(c *embedded.Consortium)) string {
	t.Helper()
	c, err := embedded.LoadConsortium(base)
	if err != nil {
		t.Fatal(err)
	}
	edit(c)
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "consortium.json")
	writeFile(t, path, string(raw))
	return path
}

// onServeLedger opens the ledger `rxledger serve args...` opens, through
// serve's own code (its consortium, chaincode and signing keys), runs fn on
// it and closes it.
func onServeLedger(t *testing.T, args []string, fn func(l ledger.Ledger)) {
	t.Helper()
	cfg, err := config.Parse(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlatform(t.Context(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for i := len(p.closers) - 1; i >= 0; i-- {
			if err := p.closers[i](); err != nil {
				t.Error(err)
			}
		}
	}()
	l, err := p.processLedger(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	fn(l)
}

// registerPartners has each organisation of the fixture write its partner
// record and the regulator attest the trading partners' licences, GLNs and
// company prefixes: what a capture needs of its caller.
func registerPartners(t *testing.T, l ledger.Ledger, orgs ...string) {
	t.Helper()
	ctx := t.Context()
	expiry := time.Now().Add(365 * 24 * time.Hour).UTC().Truncate(time.Second)
	roles := map[string]chaincode.Role{generico: chaincode.RoleManufacturer, prairie: chaincode.RoleWholesaler,
		mainStreet: chaincode.RoleDispenser, stateBoard: chaincode.RoleRegulator}
	prefixes := map[string][]string{generico: {"0345678"}, prairie: {"0712345"}}
	submit := func(org, fn string, args ...any) {
		t.Helper()
		var strs []string
		for _, a := range args {
			if s, ok := a.(string); ok {
				strs = append(strs, s)
				continue
			}
			raw, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			strs = append(strs, string(raw))
		}
		if _, err := l.Submit(ctx, org, ledger.Transaction{Function: fn, Args: strs}); err != nil {
			t.Fatalf("%s as %s: %v", fn, org, err)
		}
	}
	for _, org := range orgs {
		p := chaincode.Partner{ID: org, Name: org, Roles: []chaincode.Role{roles[org]}, GLNs: []string{fixtureGLNs[org]},
			CompanyPrefixes: prefixes[org]}
		if org != stateBoard {
			p.Licenses = []chaincode.License{{Authority: "IL", Number: "TEST-" + org, Expiry: expiry}}
		}
		submit(org, chaincode.FnPutPartner, p)
		if org != stateBoard {
			submit(stateBoard, chaincode.FnAttestPartner, org, p.Claims())
		}
	}
}

// commissioning is an EPCIS 2.0 document in which Generico Labs
// commissions one package of its GTIN 00345678100011 (prefix 0345678).
func commissioning(serial string) string {
	return `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
"creationDate":"2026-11-01T12:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-11-01T12:00:00Z",
"eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0345678.010001.` + serial + `"],"action":"ADD","bizStep":"commissioning",
"disposition":"active","bizLocation":{"id":"urn:epc:id:sgln:0345678.00001.0"},
"ilmd":{"cbvmda:lotNumber":"GL2611","cbvmda:itemExpirationDate":"2028-06-30"}}]}}`
}

// capture posts doc as the holder of key and waits for its job to finish.
func (s *served) capture(t *testing.T, key, doc string) ingest.Job {
	t.Helper()
	req, err := http.NewRequest("POST", s.url+"/epcis/capture", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/ld+json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("capture: %d %s", resp.StatusCode, body)
	}
	var job ingest.Job
	deadline := time.Now().Add(30 * time.Second) // a stuck job, not a timing bound
	for job.CaptureID == "" || job.Running {
		if job.Running {
			if time.Now().After(deadline) {
				t.Fatalf("capture job still running after 30 s: %+v\n%s", job, s.logs.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		status, _, b := s.get(t, resp.Header.Get("Location"), "Authorization", "Bearer "+key)
		if status != 200 || json.Unmarshal(b, &job) != nil {
			t.Fatalf("job: %d %s", status, b)
		}
	}
	return job
}

// issue adds an API key to the key store of the data directory.
func issue(t *testing.T, data, org string, role auth.Role, gln string) string {
	t.Helper()
	s, err := auth.OpenStore(filepath.Join(data, auth.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := s.Issue(auth.Grant{Org: org, Role: role, GLN: gln})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestServeConsortiumFile: serve --consortium runs the embedded ledger with
// the file's organisations. Its members transact over HTTP, an
// organisation it does not list is refused, and its regulator, which is not
// the demo's RegulatorMSP, attests partners and sees every event.
func TestServeConsortiumFile(t *testing.T) {
	data := t.TempDir()
	args := []string{"--data", data, "--consortium", fixtureConsortium}
	onServeLedger(t, args, func(l ledger.Ledger) {
		registerPartners(t, l, generico, mainStreet, stateBoard)
		_, err := l.Submit(t.Context(), "ManufacturerMSP", ledger.Transaction{Function: chaincode.FnPutPartner,
			Args: []string{`{"name":"Acme","roles":["manufacturer"]}`}})
		if err == nil || !strings.Contains(err.Error(), `"ManufacturerMSP" is not a member of consortium rxledger-test-midwest`) {
			t.Errorf("a demo organisation submits to the file's consortium: %v", err)
		}
	})
	manufacturerKey := issue(t, data, generico, auth.Manufacturer, genericoGLN)
	outsiderKey := issue(t, data, "ManufacturerMSP", auth.Manufacturer, "")
	regulatorKey := issue(t, data, stateBoard, auth.Regulator, "")
	pharmacyKey := issue(t, data, mainStreet, auth.Dispenser, fixtureGLNs[mainStreet])

	s := startServe(t, append(args, "--roles", "ingest,verify")...)
	out := strings.Join(s.out, "\n")
	if want := "ledger:   consortium rxledger-test-midwest (testdata/consortium.json): 4 organisations; regulator StateBoardMSP"; !strings.Contains(out, want) {
		t.Errorf("start message lacks %q:\n%s", want, out)
	}

	t.Run("a member captures", func(t *testing.T) {
		if job := s.capture(t, manufacturerKey, commissioning("S1")); !job.Success {
			t.Fatalf("job %+v", job)
		}
	})
	t.Run("an organisation the file does not list is refused", func(t *testing.T) {
		job := s.capture(t, outsiderKey, commissioning("S2"))
		if job.Success || len(job.Errors) != 1 || job.Errors[0].Code != "forbidden" ||
			!strings.Contains(job.Errors[0].Detail, "not a member of consortium rxledger-test-midwest") {
			t.Fatalf("job %+v", job)
		}
	})
	t.Run("the file's regulator sees every event", func(t *testing.T) {
		// Polled: the projection reads the committed event as the
		// regulator in the background. The bound only turns a projection
		// that never reads it into a failure instead of a hang.
		for deadline := time.Now().Add(30 * time.Second); ; {
			status, _, b := s.get(t, "/epcis/events?EQ_bizStep=commissioning", "Authorization", "Bearer "+regulatorKey)
			if status != 200 {
				t.Fatalf("query: %d %s", status, b)
			}
			if bytes.Contains(b, []byte("urn:epc:id:sgtin:0345678.010001.S1")) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the regulator's query never shows the captured event: %s\nlogs:\n%s", b, s.logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	for _, v := range []struct{ who, key string }{{"a member", pharmacyKey}, {"the file's regulator", regulatorKey}} {
		t.Run(v.who+" verifies", func(t *testing.T) {
			status, _, b := s.get(t, "/verify/01/00345678100011/21/S1", "Authorization", "Bearer "+v.key)
			var answer struct {
				Verified bool `json:"verified"`
			}
			if status != 200 || json.Unmarshal(b, &answer) != nil || !answer.Verified {
				t.Fatalf("verify: %d %s", status, b)
			}
		})
	}
}

// serveFails runs `rxledger serve args...` on a new data directory, which
// must stop at start-up; it returns the exit code and the error output.
func serveFails(t *testing.T, args ...string) (int, string) {
	t.Helper()
	data := t.TempDir()
	code, stdout, stderr := serveOn(t, data, args...)
	if strings.Contains(stdout, "rxledger serving") {
		t.Errorf("serve started instead of failing:\n%s", stdout)
	}
	// Nothing half-done: serve stopped before it opened the ledger.
	if _, err := os.Stat(filepath.Join(data, LedgerDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("serve created its ledger before it failed (%v)", err)
	}
	return code, stderr
}

// stopOnStart is the standard output of a serve that should not start: it
// stops serve once its start message is out.
type stopOnStart struct {
	b    strings.Builder
	stop func()
}

func (w *stopOnStart) Write(p []byte) (int, error) {
	w.b.Write(p)
	if strings.Contains(w.b.String(), "stop with Ctrl-C") {
		w.stop()
	}
	return len(p), nil
}

// TestServeConsortiumRefusals: a consortium serve cannot run stops it at
// start-up, before it serves, with a message that says what is wrong.
func TestServeConsortiumRefusals(t *testing.T) {
	dir := t.TempDir()
	syntax := filepath.Join(dir, "syntax.json")
	writeFile(t, syntax, "{\n  \"name\": \"x\",\n  \"organizations\": [\n    {\"mspId\": \"A\" \"name\": \"A\"}\n  ]\n}\n")
	unknownField := filepath.Join(dir, "field.json")
	writeFile(t, unknownField, "{\n  \"name\": \"x\",\n  \"members\": []\n}\n")
	noRegulator := writeConsortium(t, func(c *embedded.Consortium) { c.Organizations = c.Organizations[:3] })
	demoJSON := filepath.Join(testenv.RepoRoot(t), "deploy", "consortium", "demo.json")
	noPharmacy := writeConsortiumFrom(t, demoJSON, func(c *embedded.Consortium) {
		c.Organizations = slices.DeleteFunc(c.Organizations, func(o embedded.Organization) bool { return o.MSPID == "PharmacyMSP" })
	})
	otherRegulator := writeConsortiumFrom(t, demoJSON, func(c *embedded.Consortium) {
		c.Organizations[3].Roles = []string{"3PL"}
		c.Organizations = append(c.Organizations, embedded.Organization{MSPID: stateBoard, Name: "Board", Roles: []string{"regulator"}})
	})
	keyed := writeConsortiumFrom(t, demoJSON, withKeys(map[string]string{"WholesalerMSP": keygen(t, filepath.Join(dir, "w.key"))}))
	badRole := writeConsortium(t, func(c *embedded.Consortium) { c.Organizations[1].Roles = []string{"distributor"} })

	tests := []struct {
		name string
		args []string
		code int
		want []string // in the error output
	}{
		{"a file that does not decode", []string{"--consortium", syntax}, 1,
			[]string{"rxledger serve: consortium " + syntax, "line 4, column 19"}},
		{"an unknown field", []string{"--consortium", unknownField}, 1, []string{`unknown field "members"`, "line 3, column 3"}},
		{"a file that does not validate", []string{"--consortium", badRole}, 1,
			[]string{"organizations[1] (PrairieDrugMSP)", `unknown role "distributor"`}},
		{"a missing file", []string{"--consortium", filepath.Join(dir, "nope.json")}, 1, []string{"read consortium", "nope.json"}},
		{"no regulator", []string{"--consortium", noRegulator}, 1,
			[]string{"consortium rxledger-test-midwest (" + noRegulator + "): no organisation has the regulator role"}},
		{"--demo without the demo organisations", []string{"--consortium", fixtureConsortium, "--demo"}, 1,
			[]string{"--demo loads the demo organisations", "consortium rxledger-test-midwest (testdata/consortium.json) lacks " +
				"ManufacturerMSP, WholesalerMSP, PharmacyMSP, RegulatorMSP"}},
		{"--demo without one of them", []string{"--consortium", noPharmacy, "--demo"}, 1, []string{"lacks PharmacyMSP:"}},
		{"--demo where RegulatorMSP is no regulator", []string{"--consortium", otherRegulator, "--demo"}, 1,
			[]string{"--demo needs RegulatorMSP to have the regulator role in consortium rxledger-demo (" + otherRegulator + ")"}},
		{"--demo with a demo organisation it cannot sign for", []string{"--consortium", keyed, "--demo"}, 1,
			[]string{"have a publicKey in consortium rxledger-demo", "WholesalerMSP (no --signing-keys directory was given)"}},
		{"a consortium on fabric", []string{"--consortium", fixtureConsortium, "--ledger", "fabric", "--fabric-peer", "localhost:7051",
			"--fabric-tls-ca", "ca.pem", "--fabric-identities", "ids"}, 2,
			[]string{"--consortium is for the embedded ledger only", "MSPs of its channel"}},
		{"--regulators on the embedded ledger", []string{"--consortium", fixtureConsortium, "--regulators", stateBoard}, 2,
			[]string{"--regulators is for --ledger fabric only", "the organisations with the regulator role in the consortium file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// --roles none: the consortium is checked even when no service
			// opens the ledger.
			code, errOut := serveFails(t, append(tt.args, "--roles", "none")...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

func TestServeHelpNamesTheConsortium(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"serve", "-h"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"-consortium file", "RXLEDGER_CONSORTIUM", "-signing-keys directory", "RXLEDGER_SIGNING_KEYS"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("serve -h lacks %q", want)
		}
	}
}

// keygen runs `rxledger ledger keygen --out path` and returns the public
// key it prints.
func keygen(t *testing.T, path string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"ledger", "keygen", "--out", path}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("keygen exit %d: %s", code, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// ledgerCmd runs `rxledger ledger args...`.
func ledgerCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), append([]string{"ledger"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// withKeys returns an edit of the fixture giving organisations publicKeys.
func withKeys(pubs map[string]string) func(c *embedded.Consortium) {
	return func(c *embedded.Consortium) {
		for i := range c.Organizations {
			c.Organizations[i].PublicKey = pubs[c.Organizations[i].MSPID]
		}
	}
}

// TestServeSigningKeys: with --signing-keys, serve signs the transactions
// of the organisations with a publicKey with their key files, which
// `rxledger ledger verify --consortium` then checks; an organisation whose
// key file is missing is named with the file expected, and the ledger
// refuses to submit as it.
func TestServeSigningKeys(t *testing.T) {
	keyDir := t.TempDir()
	pubs := map[string]string{}
	for _, org := range []string{generico, stateBoard} {
		pubs[org] = keygen(t, filepath.Join(keyDir, org+".key"))
	}
	// The wholesaler's key is kept elsewhere: this node cannot sign for it.
	pubs[prairie] = keygen(t, filepath.Join(t.TempDir(), prairie+".key"))
	// Key files serve does not read: the pharmacy's publicKey was never
	// put in the file, and ManufacturerMSP is not a member.
	keygen(t, filepath.Join(keyDir, mainStreet+".key"))
	keygen(t, filepath.Join(keyDir, "ManufacturerMSP.key"))
	consFile := writeConsortium(t, withKeys(pubs))
	data := t.TempDir()
	args := []string{"--data", data, "--consortium", consFile, "--signing-keys", keyDir}

	onServeLedger(t, args, func(l ledger.Ledger) {
		registerPartners(t, l, generico, mainStreet, stateBoard) // signed, unsigned, signed
		_, err := l.Submit(t.Context(), prairie, ledger.Transaction{Function: chaincode.FnPutPartner,
			Args: []string{`{"name":"Prairie","roles":["wholesaler"]}`}})
		if problem.CodeOf(err) != problem.Forbidden || !strings.Contains(err.Error(), "no signing key for "+prairie) {
			t.Errorf("submit as an organisation without its key here: %v", err)
		}
	})
	manufacturerKey := issue(t, data, generico, auth.Manufacturer, genericoGLN)
	s := startServe(t, append(args, "--roles", "ingest")...)
	out := strings.Join(s.out, "\n")
	missing := filepath.Join(keyDir, prairie+".key")
	for _, want := range []string{
		"signing:  GenericoLabsMSP, StateBoardMSP (keys in " + keyDir + ")",
		"signing:  no key for PrairieDrugMSP (expected " + missing + "): its transactions are refused",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("start message lacks %q:\n%s", want, out)
		}
	}
	logs := s.logs.String()
	for _, want := range []string{
		"expected " + missing,
		filepath.Join(keyDir, mainStreet+".key") + " is not used: MainStreetRxMSP has no publicKey",
		filepath.Join(keyDir, "ManufacturerMSP.key") + " is not used: ManufacturerMSP is not an organisation of consortium rxledger-test-midwest",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("no warning %q; logs:\n%s", want, logs)
		}
	}
	if job := s.capture(t, manufacturerKey, commissioning("S1")); !job.Success {
		t.Fatalf("signed capture: %+v", job)
	}
	s.stop(t)

	t.Run("verify against the consortium file", func(t *testing.T) {
		if code, stdout, stderr := ledgerCmd(t, "verify", "--data", data, "--consortium", consFile); code != 0 || !strings.Contains(stdout, "ok:") {
			t.Fatalf("exit %d: %s%s", code, stdout, stderr)
		}
	})
	t.Run("verify against another key of the manufacturer", func(t *testing.T) {
		other := map[string]string{generico: keygen(t, filepath.Join(t.TempDir(), "other.key")), stateBoard: pubs[stateBoard]}
		code, _, stderr := ledgerCmd(t, "verify", "--data", data, "--consortium", writeConsortium(t, withKeys(other)))
		if code != 1 || !strings.Contains(stderr, "does not verify with GenericoLabsMSP's key") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
	t.Run("the pharmacy, which has no publicKey, did not sign", func(t *testing.T) {
		withPharmacy := map[string]string{generico: pubs[generico], stateBoard: pubs[stateBoard], mainStreet: pubs[generico]}
		code, _, stderr := ledgerCmd(t, "verify", "--data", data, "--consortium", writeConsortium(t, withKeys(withPharmacy)))
		if code != 1 || !strings.Contains(stderr, "by MainStreetRxMSP is not signed") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
}

// TestServeSigningKeyRefusals: a signing key serve cannot use stops it at
// start-up, naming the organisation and the file.
func TestServeSigningKeyRefusals(t *testing.T) {
	good := t.TempDir()
	pubs := map[string]string{generico: keygen(t, filepath.Join(good, generico+".key"))}
	consFile := writeConsortium(t, withKeys(pubs))
	// keyDir returns a directory holding GenericoLabsMSP.key with content
	// and mode.
	keyDir := func(content string, mode os.FileMode) string {
		dir := t.TempDir()
		path := filepath.Join(dir, generico+".key")
		writeFile(t, path, content)
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	another := t.TempDir()
	keygen(t, filepath.Join(another, "x.key"))
	anotherKey, err := os.ReadFile(filepath.Join(another, "x.key"))
	if err != nil {
		t.Fatal(err)
	}
	goodKey, err := os.ReadFile(filepath.Join(good, generico+".key"))
	if err != nil {
		t.Fatal(err)
	}
	mismatched := keyDir(string(anotherKey), 0o600)
	open := keyDir(string(goodKey), 0o644)
	garbage := keyDir("not a key\n", 0o600)

	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"a key that does not match the consortium", []string{"--signing-keys", mismatched}, 1, []string{
			"signing key " + filepath.Join(mismatched, generico+".key") + " does not match the publicKey of GenericoLabsMSP in consortium rxledger-test-midwest"}},
		{"a key file others may read", []string{"--signing-keys", open}, 1, []string{
			"signing key of GenericoLabsMSP", "is open to group or others (mode 0644)", "chmod 600"}},
		{"a file that is not a key", []string{"--signing-keys", garbage}, 1, []string{
			"signing key of GenericoLabsMSP: " + filepath.Join(garbage, generico+".key"), "want the standard base64 of a 32-byte ed25519 seed"}},
		{"a missing directory", []string{"--signing-keys", filepath.Join(good, "nope")}, 1, []string{"--signing-keys:", "no such file"}},
		{"signing keys on fabric", []string{"--signing-keys", good, "--ledger", "fabric", "--fabric-peer", "localhost:7051",
			"--fabric-tls-ca", "ca.pem", "--fabric-identities", "ids"}, 2, []string{"--signing-keys is for the embedded ledger only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"--consortium", consFile, "--roles", "none"}
			if slices.Contains(tt.args, "fabric") {
				args = []string{"--roles", "none"}
			}
			code, errOut := serveFails(t, append(args, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

// TestServeDemoOnAConsortiumFile: --demo loads onto a consortium file that
// lists the demo organisations among others.
func TestServeDemoOnAConsortiumFile(t *testing.T) {
	demoJSON := filepath.Join(testenv.RepoRoot(t), "deploy", "consortium", "demo.json")
	wider := writeConsortiumFrom(t, demoJSON, func(c *embedded.Consortium) {
		c.Name = "rxledger-demo-and-more"
		c.Organizations = append(c.Organizations, embedded.Organization{MSPID: generico, Name: "Generico Labs", Roles: []string{"manufacturer"}})
	})
	data := t.TempDir()
	s := startServe(t, "--data", data, "--consortium", wider, "--demo", "--roles", "verify")
	out := strings.Join(s.out, "\n")
	if want := "consortium rxledger-demo-and-more (" + wider + "): 5 organisations; regulator RegulatorMSP"; !strings.Contains(out, want) {
		t.Errorf("start message lacks %q:\n%s", want, out)
	}
	creds, err := demo.ReadCredentials(filepath.Join(data, DemoCredentialsFile))
	if err != nil || len(creds) != 4 {
		t.Fatalf("%d demo credentials (%v); want 4", len(creds), err)
	}
}

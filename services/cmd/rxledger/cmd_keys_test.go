package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rxledger/services/platform/auth"
)

// keys runs `rxledger keys args...` and returns its exit code and output.
func keys(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := run(context.Background(), append([]string{"keys"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestKeysIssueListRevoke(t *testing.T) {
	t.Setenv("RXLEDGER_CONSORTIUM", "")
	data := t.TempDir()
	code, out, errOut := keys(t, "issue", "--data", data, "--org", "PharmacyMSP", "--role", "dispenser", "--gln", "0312345000027", "--label", "front desk")
	if code != 0 {
		t.Fatalf("issue exit %d: %s", code, errOut)
	}
	key := strings.TrimSpace(out)
	id, _, err := auth.ParseKey(key)
	if err != nil {
		t.Fatalf("issue printed %q: %v", out, err)
	}

	code, out, _ = keys(t, "list", "--data", data, "--json")
	var listed []auth.Principal
	if code != 0 || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != 1 {
		t.Fatalf("list exit %d: %s", code, out)
	}
	want := auth.Principal{KeyID: id, Org: "PharmacyMSP", Role: auth.Dispenser, GLN: "0312345000027", Label: "front desk"}
	if listed[0] != want {
		t.Errorf("listed %+v, want %+v", listed[0], want)
	}
	if strings.Contains(out, key[len(key)-20:]) {
		t.Error("list shows the secret")
	}
	if code, out, _ := keys(t, "list", "--data", data); code != 0 || !strings.Contains(out, "PharmacyMSP") || !strings.Contains(out, id) {
		t.Errorf("table list exit %d: %s", code, out)
	}

	if code, _, errOut := keys(t, "revoke", "--data", data, id); code != 0 {
		t.Fatalf("revoke exit %d: %s", code, errOut)
	}
	if code, out, _ := keys(t, "list", "--data", data, "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("after revoke list %s", out)
	}
}

func TestKeysRefusals(t *testing.T) {
	t.Setenv("RXLEDGER_CONSORTIUM", "")
	data := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		errHas string
	}{
		{name: "no subcommand", args: nil, code: 2, errHas: "usage"},
		{name: "unknown subcommand", args: []string{"mint"}, code: 2, errHas: "unknown subcommand"},
		{name: "issue without role", args: []string{"issue", "--data", data, "--org", "PharmacyMSP"}, code: 2, errHas: "required"},
		{name: "issue with unknown role", args: []string{"issue", "--data", data, "--org", "PharmacyMSP", "--role", "admin"}, code: 1, errHas: "admin"},
		{name: "issue with bad GLN", args: []string{"issue", "--data", data, "--org", "PharmacyMSP", "--role", "dispenser", "--gln", "12"}, code: 1, errHas: "GLN"},
		{name: "revoke unknown", args: []string{"revoke", "--data", data, "0011223344556677"}, code: 1, errHas: "no API key"},
		{name: "revoke without id", args: []string{"revoke", "--data", data}, code: 2, errHas: "KEY_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := keys(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.errHas) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errOut, tt.errHas)
			}
		})
	}
}

// issueCase is a run of keys issue (with --role manufacturer unless args
// name another) and what it must do.
type issueCase struct {
	name   string
	env    map[string]string // RXLEDGER_* variables set for the run
	args   []string
	code   int
	errHas string
}

// checkIssue runs each case on a fresh data directory, with none of the
// variables keys issue reads but those the case sets, and checks its exit
// code, its message, and that it stored a key exactly when it succeeded.
func checkIssue(t *testing.T, tests []issueCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []string{"RXLEDGER_CONSORTIUM", "RXLEDGER_LEDGER", "RXLEDGER_FABRIC_IDENTITIES", "RXLEDGER_REGULATORS"} {
				t.Setenv(v, tt.env[v])
			}
			data := t.TempDir()
			code, out, errOut := keys(t, append([]string{"issue", "--data", data, "--role", "manufacturer"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.errHas) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errOut, tt.errHas)
			}
			s, err := auth.OpenStore(filepath.Join(data, auth.KeysFile))
			if err != nil {
				t.Fatal(err)
			}
			if issued := len(s.List()) == 1; issued != (tt.code == 0) || (tt.code != 0 && out != "") {
				t.Errorf("exit %d with %d keys in the store and stdout %q", code, len(s.List()), out)
			}
		})
	}
}

// TestKeysIssueChecksTheConsortium: given the consortium file serve runs
// with, issue refuses an organisation it does not list, naming the members,
// a regulator key for an organisation without the regulator role, and a
// key of another role for a regulator; without one it checks nothing, and
// says so.
func TestKeysIssueChecksTheConsortium(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, "{\n  \"name\": \"x\",\n  \"organizations\": [1]\n}\n")
	checkIssue(t, []issueCase{
		{name: "a member", args: []string{"--consortium", fixtureConsortium, "--org", generico}, code: 0, errHas: "issued key"},
		{name: "not a member", args: []string{"--consortium", fixtureConsortium, "--org", "ManufacturerMSP"}, code: 1,
			errHas: "ManufacturerMSP is not a member of consortium rxledger-test-midwest (testdata/consortium.json), " +
				"whose members are GenericoLabsMSP, PrairieDrugMSP, MainStreetRxMSP, StateBoardMSP"},
		{name: "not a member, file from the environment", env: map[string]string{"RXLEDGER_CONSORTIUM": fixtureConsortium},
			args: []string{"--org", "ManufacturerMSP"}, code: 1, errHas: "is not a member of consortium rxledger-test-midwest"},
		{name: "a file that does not decode", args: []string{"--consortium", bad, "--org", generico}, code: 1, errHas: "line 3, column"},
		{name: "no consortium: not checked, and said", args: []string{"--org", "ManufacturerMSP"}, code: 0,
			errHas: "ManufacturerMSP is not checked: without --consortium"},
		{name: "a regulator key of a regulator", args: []string{"--consortium", fixtureConsortium, "--org", "StateBoardMSP", "--role", "regulator"},
			code: 0, errHas: "issued key"},
		{name: "a regulator key of a manufacturer", args: []string{"--consortium", fixtureConsortium, "--org", generico, "--role", "regulator"},
			code: 1, errHas: generico + " has no regulator role in consortium rxledger-test-midwest (testdata/consortium.json): " +
				"a regulator key is for its regulators, StateBoardMSP"},
		{name: "a manufacturer key of a regulator", args: []string{"--consortium", fixtureConsortium, "--org", "StateBoardMSP"},
			code: 1, errHas: "StateBoardMSP is a regulator: it acts only as regulator, with keys of the regulator role, not the manufacturer role"},
		{name: "regulators on the embedded ledger", args: []string{"--org", generico, "--regulators", "StateBoardMSP"},
			code: 1, errHas: "--regulators is for --ledger fabric"},
	})
}

// TestKeysIssueChecksFabric: on Fabric, issue checks the organisation
// against the identities serve acts for (--fabric-identities) and the
// roles against --regulators, read from the variables serve reads too.
func TestKeysIssueChecksFabric(t *testing.T) {
	ids := t.TempDir()
	for _, msp := range []string{generico, "StateBoardMSP", "RegulatorMSP"} {
		if err := os.Mkdir(filepath.Join(ids, msp), 0o700); err != nil { // as deploy/fabric/scripts/up writes it, cert.pem and key.pem unread here
			t.Fatal(err)
		}
	}
	fab := func(extra ...string) []string {
		return append([]string{"--ledger", "fabric", "--fabric-identities", ids, "--regulators", "StateBoardMSP"}, extra...)
	}
	checkIssue(t, []issueCase{
		{name: "an organisation serve acts for", args: fab("--org", generico), code: 0, errHas: "issued key"},
		{name: "one it does not", args: fab("--org", "ManufacturerMSP"), code: 1,
			errHas: "ManufacturerMSP has no identity in --fabric-identities " + ids + ", which holds " + generico + ", RegulatorMSP, StateBoardMSP"},
		{name: "settings from the environment", env: map[string]string{"RXLEDGER_LEDGER": "fabric", "RXLEDGER_FABRIC_IDENTITIES": ids},
			args: []string{"--org", "ManufacturerMSP"}, code: 1, errHas: "ManufacturerMSP has no identity in --fabric-identities"},
		{name: "a regulator key of a regulator", args: fab("--org", "StateBoardMSP", "--role", "regulator"), code: 0, errHas: "issued key"},
		{name: "a regulator key of the default regulator", args: []string{"--ledger", "fabric", "--fabric-identities", ids,
			"--org", "RegulatorMSP", "--role", "regulator"}, code: 0, errHas: "issued key"},
		{name: "a regulator key of an organisation --regulators does not list", args: fab("--org", "RegulatorMSP", "--role", "regulator"),
			code: 1, errHas: "RegulatorMSP is not one of the network's regulators (--regulators StateBoardMSP)"},
		{name: "a manufacturer key of a regulator", args: fab("--org", "StateBoardMSP"), code: 1, errHas: "StateBoardMSP is a regulator"},
		{name: "no identities", args: []string{"--ledger", "fabric", "--org", generico}, code: 1, errHas: "--fabric-identities is required"},
		{name: "identities that are not there", args: []string{"--ledger", "fabric", "--fabric-identities", filepath.Join(ids, "none"),
			"--org", generico}, code: 1, errHas: "no such file"},
		{name: "a consortium file", args: fab("--consortium", fixtureConsortium, "--org", generico), code: 1,
			errHas: "--consortium is for the embedded ledger only"},
		{name: "another ledger", args: []string{"--ledger", "besu", "--org", generico}, code: 1, errHas: `--ledger "besu"`},
	})
}

package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"rxledger/internal/testenv"
)

// fixtureConsortium is a consortium file of organisations that are not the
// demo's, with the regulator StateBoardMSP (the serve tests' fixture).
const fixtureConsortium = "services/cmd/rxledger/testdata/consortium.json"

// TestOwnConsortiumOnboarding runs serve with a consortium file of its own
// and no demo, and onboards its trading partners the way an operator does:
// API keys from `rxledger keys issue`, then over HTTP each organisation
// writes its partner record and the regulator attests it. The
// manufacturer's capture is refused until then (caller-not-atp) and
// accepted after, and the wholesaler verifies the package.
func TestOwnConsortiumOnboarding(t *testing.T) {
	cons := filepath.Join(testenv.RepoRoot(t), fixtureConsortium)
	data := t.TempDir()
	const (
		generico, genericoGLN, genericoPrefix = "GenericoLabsMSP", "0345678000014", "0345678"
		prairie, prairieGLN, prairiePrefix    = "PrairieDrugMSP", "0712345000019", "0712345"
		stateBoard                            = "StateBoardMSP"
	)
	mfrKey := issueKey(t, data, cons, generico, "manufacturer", genericoGLN)
	whsKey := issueKey(t, data, cons, prairie, "wholesaler", prairieGLN)
	regKey := issueKey(t, data, cons, stateBoard, "regulator", "")
	n := startServe(t, data, "--consortium", cons)

	gtin, lot, serials := "00345678100011", "GL-E2E-1", serialRange("G", 3)
	doc := document(t, commissioning(genericoGLN, lot, "2029-06-30", sgtins(t, gtin, serials)))

	t.Run("before onboarding the manufacturer may not capture", func(t *testing.T) {
		r := n.capture(mfrKey, doc)
		if r.status != http.StatusAccepted {
			t.Fatalf("capture: %d %s", r.status, r.body)
		}
		j := n.waitJob(mfrKey, r.header.Get("Location"))
		if j.Success || len(j.Errors) != 1 || j.Errors[0].Rule != "caller-not-atp" {
			t.Fatalf("job %+v; want it refused caller-not-atp", j)
		}
	})

	licence := `{"authority":"IL","number":"IL-E2E-1","expiry":"2099-01-01T00:00:00Z"}`
	records := []struct {
		org, key, body string
	}{
		{generico, mfrKey, `{"name":"Generico Labs","roles":["manufacturer"],"glns":["` + genericoGLN + `"],"companyPrefixes":["` +
			genericoPrefix + `"],"licenses":[` + licence + `]}`},
		{prairie, whsKey, `{"name":"Prairie Drug Distributors","roles":["wholesaler"],"glns":["` + prairieGLN + `"],"companyPrefixes":["` +
			prairiePrefix + `"],"licenses":[` + licence + `]}`},
	}
	t.Run("each organisation writes its own record", func(t *testing.T) {
		for _, rec := range records {
			n.call(http.MethodPut, "/partners/"+rec.org, rec.key, "application/json", []byte(rec.body)).decode(t, http.StatusCreated, nil)
		}
		if p := n.call(http.MethodPut, "/partners/"+generico, whsKey, "application/json", []byte(records[1].body)).wantProblem(t, http.StatusForbidden); !strings.Contains(p.Detail, "only its own partner record") {
			t.Errorf("another's record: %+v", p)
		}
		n.call(http.MethodPut, "/partners/"+prairie, "", "application/json", []byte(records[1].body)).wantProblem(t, http.StatusUnauthorized)
	})

	t.Run("the regulator attests them", func(t *testing.T) {
		attestation := func(role, gln, prefix string) []byte {
			return []byte(`{"roles":["` + role + `"],"licenses":[` + licence + `],"companyPrefixes":["` + prefix + `"],"glns":["` + gln + `"]}`)
		}
		if p := n.call(http.MethodPut, "/partners/"+generico+"/attestation", mfrKey, "application/json",
			attestation("manufacturer", genericoGLN, genericoPrefix)).wantProblem(t, http.StatusForbidden); p.Code != "forbidden" {
			t.Errorf("a manufacturer attests: %+v", p)
		}
		for _, a := range []struct{ org, role, gln, prefix string }{
			{generico, "manufacturer", genericoGLN, genericoPrefix}, {prairie, "wholesaler", prairieGLN, prairiePrefix},
		} {
			var w written
			n.call(http.MethodPut, "/partners/"+a.org+"/attestation", regKey, "application/json", attestation(a.role, a.gln, a.prefix)).
				decode(t, http.StatusOK, &w)
			if w.Partner.Attested == nil || w.Partner.Attested.By != stateBoard || w.TxID == "" || w.Block == 0 {
				t.Fatalf("attestation of %s: %+v", a.org, w)
			}
		}
		var p partner
		n.call(http.MethodGet, "/partners/"+generico, whsKey, "", nil).decode(t, http.StatusOK, &p)
		if p.Name != "Generico Labs" || p.Attested == nil || !slices.Equal(p.Attested.CompanyPrefixes, []string{genericoPrefix}) {
			t.Fatalf("the wholesaler reads the manufacturer's record: %+v", p)
		}
	})

	t.Run("the manufacturer captures", func(t *testing.T) {
		if j := n.mustCapture(mfrKey, doc); j.Duplicates != 0 {
			t.Fatalf("job %+v", j)
		}
	})

	t.Run("the wholesaler verifies the package", func(t *testing.T) {
		a := n.verify(whsKey, verifyPath(gtin, serials[0], lot, "290630", nil))
		if !a.Verified || a.ResponderGLN != genericoGLN {
			t.Fatalf("verification %+v; want verified, answered for %s", a, genericoGLN)
		}
	})
}

// issueKey runs `rxledger keys issue` on data for an organisation of the
// consortium file cons and returns the key it prints.
func issueKey(t *testing.T, data, cons, org, role, gln string) string {
	t.Helper()
	args := []string{"keys", "issue", "--data", data, "--consortium", cons, "--org", org, "--role", role}
	if gln != "" {
		args = append(args, "--gln", gln)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("rxledger %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	key := strings.TrimSpace(string(out))
	if !strings.HasPrefix(key, "rxl_") {
		t.Fatalf("keys issue printed %q, not a key", out)
	}
	return key
}

// partner is the part of a partner record the tests read.
type partner struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Attested *struct {
		By              string   `json:"by"`
		CompanyPrefixes []string `json:"companyPrefixes"`
	} `json:"attested"`
}

// written is the answer of a partner record or attestation written.
type written struct {
	Partner partner `json:"partner"`
	TxID    string  `json:"txId"`
	Block   uint64  `json:"block"`
}

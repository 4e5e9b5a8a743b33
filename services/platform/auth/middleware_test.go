package auth_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// newAPI serves, on a real listener:
// GET /whoami (any key), POST /capture (manufacturer or wholesaler),
// GET /misconfigured (Require without Middleware).
func newAPI(t *testing.T, s *auth.Store) *httptest.Server {
	t.Helper()
	e := httpx.NewEngine(httpx.EngineConfig{})
	whoami := func(c *gin.Context) {
		p, _ := auth.PrincipalOf(c)
		httpx.Respond(c, http.StatusOK, p)
	}
	api := e.Group("/", auth.Middleware(s))
	api.GET("/whoami", whoami)
	api.POST("/capture", auth.Require(auth.Manufacturer, auth.Wholesaler), whoami)
	api.GET("/orgs/:org", func(c *gin.Context) {
		p, _ := auth.PrincipalOf(c)
		if err := auth.RequireOrg(p, c.Param("org")); err != nil {
			httpx.Fail(c, err)
			return
		}
		httpx.Respond(c, http.StatusOK, p)
	})
	e.GET("/misconfigured", auth.Require(auth.Regulator), whoami)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func TestMiddleware(t *testing.T) {
	s, _ := openStore(t)
	mKey, mPrincipal := issue(t, s, manufacturer)
	dKey, _ := issue(t, s, auth.Grant{Org: "PharmacyMSP", Role: auth.Dispenser})
	revokedKey, revoked := issue(t, s, auth.Grant{Org: "WholesalerMSP", Role: auth.Wholesaler})
	if err := s.Revoke(revoked.KeyID); err != nil {
		t.Fatal(err)
	}
	srv := newAPI(t, s)

	tests := []struct {
		name   string
		method string
		path   string
		header string
		status int
		detail string
	}{
		{name: "no header", method: "GET", path: "/whoami", status: 401, detail: "required"},
		{name: "basic scheme", method: "GET", path: "/whoami", header: "Basic dXNlcjpwYXNz", status: 401, detail: "Bearer"},
		{name: "bearer without key", method: "GET", path: "/whoami", header: "Bearer", status: 401, detail: "Bearer"},
		{name: "malformed key", method: "GET", path: "/whoami", header: "Bearer hunter2", status: 401, detail: "malformed"},
		{name: "wrong secret", method: "GET", path: "/whoami", header: "Bearer " + mKey[:len(mKey)-1] + flip(mKey[len(mKey)-1]), status: 401, detail: "not valid"},
		{name: "revoked key", method: "GET", path: "/whoami", header: "Bearer " + revokedKey, status: 401, detail: "not valid"},
		{name: "role not allowed", method: "POST", path: "/capture", header: "Bearer " + dKey, status: 403, detail: "dispenser"},
		{name: "other organisation", method: "GET", path: "/orgs/ManufacturerMSP", header: "Bearer " + dKey, status: 403, detail: "PharmacyMSP"},
		{name: "require without middleware", method: "GET", path: "/misconfigured", header: "Bearer " + mKey, status: 401, detail: "required"},
		{name: "valid key", method: "GET", path: "/whoami", header: "Bearer " + mKey, status: 200},
		{name: "scheme is case-insensitive", method: "GET", path: "/whoami", header: "bearer " + mKey, status: 200},
		{name: "allowed role", method: "POST", path: "/capture", header: "Bearer " + mKey, status: 200},
		{name: "own organisation", method: "GET", path: "/orgs/ManufacturerMSP", header: "Bearer " + mKey, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if tt.status == 200 {
				var p auth.Principal
				if err := json.Unmarshal(b, &p); err != nil || p.Org == "" {
					t.Fatalf("principal %s: %v", b, err)
				}
				if strings.Contains(tt.header, mKey) && p != mPrincipal {
					t.Errorf("principal %+v, want %+v", p, mPrincipal)
				}
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != problem.MediaType {
				t.Errorf("Content-Type %q", ct)
			}
			var body problem.Body
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(body.Detail, tt.detail) {
				t.Errorf("detail %q lacks %q", body.Detail, tt.detail)
			}
			wantCode := problem.Unauthorized
			if tt.status == 403 {
				wantCode = problem.Forbidden
			}
			if body.Code != wantCode {
				t.Errorf("code %q, want %q", body.Code, wantCode)
			}
			if tt.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if strings.Contains(string(b), mKey) {
				t.Error("problem echoes the key")
			}
		})
	}
}

// flip returns a different base32 character.
func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

// TestRegulatorOrganisationActsOnlyAsRegulator: once the store knows the
// regulator organisations, a key of one of them with another role is
// refused at issue and, issued before, at every request (403, through the
// middleware); its regulator keys and other organisations' keys work.
func TestRegulatorOrganisationActsOnlyAsRegulator(t *testing.T) {
	s, _ := openStore(t)
	early, _ := issue(t, s, auth.Grant{Org: "RegulatorMSP", Role: auth.Wholesaler})
	regKey, _ := issue(t, s, auth.Grant{Org: "RegulatorMSP", Role: auth.Regulator})
	whsKey, _ := issue(t, s, auth.Grant{Org: "WholesalerMSP", Role: auth.Wholesaler})
	s.SetRegulators([]string{"StateBoardMSP", "RegulatorMSP"})

	for _, role := range []auth.Role{auth.Manufacturer, auth.Repackager, auth.Wholesaler, auth.ThirdParty, auth.Dispenser} {
		t.Run("issue "+string(role), func(t *testing.T) {
			n := len(s.List())
			_, _, err := s.Issue(auth.Grant{Org: "StateBoardMSP", Role: role})
			if !problem.Is(err, problem.Forbidden) || !strings.Contains(err.Error(), "StateBoardMSP is a regulator") {
				t.Fatalf("Issue: %v, want forbidden", err)
			}
			if len(s.List()) != n {
				t.Fatal("the refused key was stored")
			}
		})
	}
	srv := newAPI(t, s)
	tests := []struct {
		name   string
		key    string
		status int
	}{
		{"a wholesaler key of the regulator, issued before", early, http.StatusForbidden},
		{"a regulator key of the regulator", regKey, http.StatusOK},
		{"a wholesaler key of a wholesaler", whsKey, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
			req.Header.Set("Authorization", "Bearer "+tt.key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == http.StatusForbidden && (resp.Header.Get("Content-Type") != problem.MediaType ||
				!strings.Contains(string(body), "RegulatorMSP is a regulator: it acts only as regulator")) {
				t.Fatalf("refusal %s", body)
			}
		})
	}
}

package auth

import (
	"context"
	"log/slog"
	"strings"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// Authenticator resolves an API key to its principal, answering an
// Unauthorized problem for a key that is not valid. *Store is one.
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (Principal, error)
}

var _ Authenticator = (*Store)(nil)

// Middleware is gin middleware that requires "Authorization: Bearer <key>"
// with a valid key, answering a 401 problem (with WWW-Authenticate) otherwise.
// The principal is put into the request context (FromContext, PrincipalOf)
// and its organisation, role and key ID into the access log.
func Middleware(a Authenticator) gin.HandlerFunc {
	resolve := resolverOf(a)
	return func(c *gin.Context) {
		header := c.GetHeader("Authorization")
		if header == "" {
			httpx.Fail(c, problem.New(problem.Unauthorized, "an API key is required: send Authorization: Bearer <key>"))
			return
		}
		scheme, key, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			httpx.Fail(c, problem.New(problem.Unauthorized, "the Authorization scheme must be Bearer"))
			return
		}
		p, attrs, err := resolve(c.Request.Context(), strings.TrimSpace(key))
		if err != nil {
			httpx.Fail(c, err)
			return
		}
		c.Request = c.Request.WithContext(withPrincipal(c.Request.Context(), p))
		httpx.AddLogAttrs(c, attrs...)
		c.Next()
	}
}

// resolver gives what the middleware puts on a request for a key: its
// principal (shared, never modified) and its access log attributes.
type resolver func(ctx context.Context, key string) (*Principal, []slog.Attr, error)

// resolverOf is a's resolver. The store's keys carry both made once, so
// that a request builds nothing; any other Authenticator's are built per
// request.
func resolverOf(a Authenticator) resolver {
	if s, ok := a.(*Store); ok {
		return func(_ context.Context, key string) (*Principal, []slog.Attr, error) {
			r, err := s.authenticate(key)
			if err != nil {
				return nil, nil, err
			}
			return r.who, r.logAttrs, nil
		}
	}
	return func(ctx context.Context, key string) (*Principal, []slog.Attr, error) {
		p, err := a.Authenticate(ctx, key)
		if err != nil {
			return nil, nil, err
		}
		return &p, principalAttrs(p), nil
	}
}

// principalAttrs are the access log attributes of a request by p: a full
// slice, so that AddLogAttrs may keep it and an append copies it.
func principalAttrs(p Principal) []slog.Attr {
	attrs := []slog.Attr{slog.String("org", p.Org), slog.String("role", string(p.Role)), slog.String("keyId", p.KeyID)}
	return attrs[:len(attrs):len(attrs)]
}

// PrincipalOf returns the request's principal. It is the zero Principal and
// false on a route not behind Middleware.
func PrincipalOf(c *gin.Context) (Principal, bool) { return FromContext(c.Request.Context()) }

// Require is gin middleware, placed after Middleware, that answers a 403
// problem unless the caller has one of the roles.
func Require(roles ...Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := PrincipalOf(c)
		if !ok {
			// A wiring mistake (Require without Middleware): refuse, do not open up.
			httpx.Fail(c, problem.New(problem.Unauthorized, "an API key is required"))
			return
		}
		if !p.Is(roles...) {
			httpx.Fail(c, problem.New(problem.Forbidden, "the %s role may not do this (allowed: %s)", p.Role, joinRoles(roles)))
			return
		}
		c.Next()
	}
}

// RequireOrg returns a Forbidden problem unless p acts for org; handlers use
// it for resources owned by one organisation and Fail with the result.
func RequireOrg(p Principal, org string) error {
	if p.Org != org {
		return problem.New(problem.Forbidden, "organisation %s may not act for %s", p.Org, org)
	}
	return nil
}

func joinRoles(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

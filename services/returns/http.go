package returns

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// CheckResult is the answer of POST /returns/check: a single item's
// decision, or Items for a batch.
type CheckResult struct {
	*Decision
	Items []Decision `json:"items,omitempty"`
}

// Roles that take returns back: the sellers of packages.
var receiverRoles = []auth.Role{auth.Manufacturer, auth.Repackager, auth.Wholesaler}

// Mount registers POST /returns/check and POST /returns/receive on r behind
// authenticate; only manufacturers, repackagers and wholesalers may call
// them.
func (s *Service) Mount(r gin.IRouter, authenticate gin.HandlerFunc) {
	g := r.Group("/returns", authenticate, auth.Require(receiverRoles...))
	g.POST("/check", s.handleCheck)
	g.POST("/receive", s.handleReceive)
}

// decodeItems reads the request body's items.
func (s *Service) decodeItems(c *gin.Context) (auth.Principal, []Item, bool, error) {
	caller, ok := auth.PrincipalOf(c)
	if !ok {
		return caller, nil, false, problem.New(problem.Unauthorized, "an API key is required")
	}
	var body Body
	if err := httpx.DecodeJSON(c, &body); err != nil {
		return caller, nil, false, err
	}
	items, err := body.items(s.opts.MaxItems)
	return caller, items, len(body.Items) > 0, err
}

func (s *Service) handleCheck(c *gin.Context) {
	caller, items, batch, err := s.decodeItems(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out, err := s.Check(c.Request.Context(), caller, items)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	if batch {
		httpx.Respond(c, http.StatusOK, CheckResult{Items: out})
		return
	}
	httpx.Respond(c, http.StatusOK, CheckResult{Decision: &out[0]})
}

func (s *Service) handleReceive(c *gin.Context) {
	caller, items, _, err := s.decodeItems(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out, err := s.Receive(c.Request.Context(), caller, items)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	httpx.Respond(c, http.StatusOK, out)
}

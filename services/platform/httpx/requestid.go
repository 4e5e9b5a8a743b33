package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"net/textproto"

	"github.com/gin-gonic/gin"

	"rxledger/services/platform/telemetry"
)

// HeaderRequestID carries the request ID in requests and responses.
const HeaderRequestID = "X-Request-ID"

// requestIDKey is HeaderRequestID in the canonical form net/http keys
// headers by: looking it up or setting it under this form does not
// allocate a canonical copy of the name on every request.
var requestIDKey = textproto.CanonicalMIMEHeaderKey(HeaderRequestID)

// maxRequestIDLen bounds an incoming request ID.
const maxRequestIDLen = 128

// RequestID is middleware that takes the caller's X-Request-ID when it is a
// sane token (at most 128 letters, digits and -_.:) or makes a new random one,
// puts it into the request context (telemetry.RequestID) and echoes it in the
// response's X-Request-ID.
func RequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Request.Header.Get(requestIDKey)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Writer.Header()[requestIDKey] = []string{id}
		c.Request = c.Request.WithContext(telemetry.WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

// RequestIDOf returns the request's ID ("" outside the middleware).
func RequestIDOf(c *gin.Context) string { return telemetry.RequestID(c.Request.Context()) }

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '-', b == '_', b == '.', b == ':':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	var s [32]byte
	hex.Encode(s[:], b[:])
	return string(s[:])
}

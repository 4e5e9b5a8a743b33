package load

import (
	"errors"
	"net"
	"net/http"
	"time"
)

// NewClient returns the HTTP client every measurement uses: HTTP/1.1
// keep-alive with enough idle connections for the workers, no compression,
// no proxy, no redirects, and a per-request timeout.
func NewClient(concurrency int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          2 * concurrency,
		MaxIdleConnsPerHost:   2 * concurrency,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: timeout,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return errNoRedirects },
	}
}

var errNoRedirects = errors.New("redirects are not followed")

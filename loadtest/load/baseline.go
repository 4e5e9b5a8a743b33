package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// BaselineBody is what the baseline server answers: a fixed JSON body about
// the size of a verification answer.
const BaselineBody = `{"verified":true,"gtin":"00312345678906","serialNumber":"SN000000001","lot":"LOT42","expiry":"2028-06-30","status":"active","ledgerHeight":12345}`

// Baseline is a minimal Go net/http server answering BaselineBody on every
// path: the reference rxledger's services are measured against.
type Baseline struct {
	URL string // http://127.0.0.1:<port>/

	srv  *http.Server
	done chan error
}

// StartBaseline starts a baseline server on a free loopback port.
func StartBaseline() (*Baseline, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the baseline server: %w", err)
	}
	body := []byte(BaselineBody)
	length := fmt.Sprint(len(body))
	b := &Baseline{
		URL: "http://" + ln.Addr().String() + "/",
		srv: &http.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				h := w.Header()
				h["Content-Type"] = []string{"application/json"}
				h["Content-Length"] = []string{length}
				_, _ = w.Write(body)
			}),
			ReadHeaderTimeout: 5 * time.Second,
		},
		done: make(chan error, 1),
	}
	go func() { b.done <- b.srv.Serve(ln) }()
	return b, nil
}

// Close stops the baseline server. Connections a client opened but never
// used keep a graceful shutdown waiting, so after a second it closes them.
func (b *Baseline) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := b.srv.Shutdown(ctx); err != nil {
		if err := b.srv.Close(); err != nil {
			return fmt.Errorf("stop the baseline server: %w", err)
		}
	}
	if err := <-b.done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("baseline server: %w", err)
	}
	return nil
}

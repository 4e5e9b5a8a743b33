package fabric

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"rxledger/services/ledger"
)

// TestServeSettingsWrittenByUp opens a Ledger exactly as `rxledger serve
// --ledger fabric` does, from the serve.env deploy/fabric/scripts/up wrote
// for an organisation, and submits and evaluates through it.
func TestServeSettingsWrittenByUp(t *testing.T) {
	p := network(t)
	env, err := LoadProfile(p["RXL_FABRIC_SERVE_"+pharmacy+"_ENV"])
	if err != nil {
		t.Fatalf("serve settings: %v", err)
	}
	if env["RXLEDGER_LEDGER"] != "fabric" {
		t.Errorf("RXLEDGER_LEDGER=%q, want fabric", env["RXLEDGER_LEDGER"])
	}
	g := Gateway{
		Peer:       env["RXLEDGER_FABRIC_PEER"],
		TLSCA:      env["RXLEDGER_FABRIC_TLS_CA"],
		ServerName: env["RXLEDGER_FABRIC_SERVER_NAME"],
		Channel:    env["RXLEDGER_FABRIC_CHANNEL"],
		Chaincode:  baselineCC, // serve.env names rxledger; the baseline needs no partner records
		Identities: env["RXLEDGER_FABRIC_IDENTITIES"],
	}
	cfg, err := g.Config()
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	if len(cfg.Orgs) != 1 || cfg.Orgs[0].MSPID != pharmacy {
		t.Fatalf("organisations %+v, want just %s", cfg.Orgs, pharmacy)
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer l.Close()
	ctx := context.Background()
	key := uniqueKey(t, "k")
	if _, err := l.Submit(ctx, pharmacy, ledger.Transaction{Function: "put", Args: []string{key, "served"}}); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	got, err := l.Evaluate(ctx, pharmacy, "get", key)
	if err != nil || string(got) != "served" {
		t.Errorf("get = %q, %v; want \"served\"", got, err)
	}
}

// TestChaincodeServersRequireTheirPeersCertificate connects to an
// organisation's chaincode server without a client certificate, and without
// TLS at all: it must refuse both (the peer itself connects with its TLS
// certificate, as every other test proves).
func TestChaincodeServersRequireTheirPeersCertificate(t *testing.T) {
	p := network(t)
	addr := p["RXL_FABRIC_CC_baseline_"+wholesaler]
	if addr == "" {
		t.Fatalf("the connection profile has no RXL_FABRIC_CC_baseline_%s", wholesaler)
	}
	caPEM, err := os.ReadFile(p["RXL_FABRIC_PEER_"+wholesaler+"_TLSCA"])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)

	t.Run("TLS without a client certificate", func(t *testing.T) {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
			&tls.Config{RootCAs: roots, ServerName: "127.0.0.1", NextProtos: []string{"h2"}})
		if err != nil {
			return // refused during the handshake
		}
		defer conn.Close()
		// With TLS 1.3 the server reports the missing certificate after the
		// client's side of the handshake: on the first read.
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		var ne net.Error
		if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
			t.Errorf("the chaincode server accepted a client without a certificate (read: %v)", err)
		}
	})
	t.Run("no TLS", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		// An HTTP/2 client preface in the clear: a TLS server answers with an
		// alert or closes, never with HTTP/2 frames.
		if _, err := conn.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")); err != nil {
			return
		}
		buf := make([]byte, 64)
		n, _ := conn.Read(buf)
		if n >= 9 && buf[3] == 0x4 { // a SETTINGS frame
			t.Errorf("the chaincode server spoke HTTP/2 without TLS: % x", buf[:n])
		}
	})
}

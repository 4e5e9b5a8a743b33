package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"rxledger/services/ledger/fabric"
	"rxledger/services/platform/config"
	"rxledger/services/platform/server"
)

// writeFabricIdentity writes a self-signed certificate and key as
// dir/<mspID>/cert.pem and key.pem and returns the certificate's path.
func writeFabricIdentity(t *testing.T, dir, mspID string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: mspID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	org := filepath.Join(dir, mspID)
	if err := os.MkdirAll(org, 0o700); err != nil {
		t.Fatal(err)
	}
	cert := filepath.Join(org, fabric.IdentityCertFile)
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(org, fabric.IdentityKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestServeOpensTheFabricLedger parses serve's Fabric flags, as
// deploy/fabric/scripts/up writes them to serve.env, and opens the process
// ledger from them while no peer listens: the ledger opens (connections are
// lazy) and its readiness check fails until the peer answers.
func TestServeOpensTheFabricLedger(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(dir, "identities")
	ca := writeFabricIdentity(t, ids, "WholesalerMSP") // any certificate will do as the TLS CA
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	peer := ln.Addr().String()
	ln.Close() // nobody listens there now

	env := map[string]string{
		"RXLEDGER_LEDGER":              "fabric",
		"RXLEDGER_DATA":                filepath.Join(dir, "data"),
		"RXLEDGER_FABRIC_PEER":         peer,
		"RXLEDGER_FABRIC_TLS_CA":       ca,
		"RXLEDGER_FABRIC_SERVER_NAME":  "peer0.wholesaler.rxledger.test",
		"RXLEDGER_FABRIC_CHANNEL":      "rxledger",
		"RXLEDGER_FABRIC_CHAINCODE":    "rxledger",
		"RXLEDGER_FABRIC_IDENTITIES":   ids,
		"RXLEDGER_FABRIC_UNUSED_EXTRA": "ignored",
	}
	cfg, err := config.Parse(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	want := fabric.Gateway{Peer: peer, TLSCA: ca, ServerName: "peer0.wholesaler.rxledger.test",
		Channel: "rxledger", Chaincode: "rxledger", Identities: ids}
	if got := fabricGateway(cfg.Fabric); !reflect.DeepEqual(got, want) {
		t.Errorf("fabricGateway = %+v, want %+v", got, want)
	}

	p := &platform{cfg: cfg, log: slog.New(slog.DiscardHandler), ready: server.NewReadiness(slog.New(slog.DiscardHandler))}
	l, err := p.processLedger(context.Background())
	if err != nil {
		t.Fatalf("processLedger: %v", err)
	}
	if _, ok := l.(*fabric.Ledger); !ok {
		t.Errorf("processLedger opened a %T, want *fabric.Ledger", l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if results, ok := p.ready.Run(ctx); ok {
		t.Errorf("readiness %+v passed with no peer listening", results)
	}
	for i := len(p.closers) - 1; i >= 0; i-- {
		if err := p.closers[i](); err != nil {
			t.Errorf("close: %v", err)
		}
	}
}

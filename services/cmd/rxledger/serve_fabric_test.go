package main

import (
	"rxledger/internal/testenv"

	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"rxledger/chaincode"
	"rxledger/services/ledger/embedded"
	"rxledger/services/ledger/fabric"
	"rxledger/services/platform/auth"
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
	// No RXLEDGER_REGULATORS: the chaincode's default regulator.
	want := fabric.Gateway{Peer: peer, TLSCA: ca, ServerName: "peer0.wholesaler.rxledger.test",
		Channel: "rxledger", Chaincode: "rxledger", Identities: ids, Regulators: []string{"RegulatorMSP"}}
	if got := fabricGateway(cfg); !reflect.DeepEqual(got, want) {
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

// TestServeFabricRegulators: with --ledger fabric, serve's services take
// the regulators from --regulators, in its order. No Fabric network runs
// here: a real ledger stands in for it, set as the process's ledger before
// the services open it, the embedded ledger of the fixture consortium with
// the chaincode configured as a network's chaincode servers are with
// RXLEDGER_REGULATOR_MSPS=StateBoardMSP. --regulators names StateBoardMSP
// and then FdaMSP, which the stand-in does not know, so that reading events
// as any but the first would fail: the ingest service reads them as
// StateBoardMSP, the regulator keys of both see every event, and the verify
// service lets StateBoardMSP, which is no authorized trading partner,
// verify. --fabric-identities holds GenericoMSP's identity alone, so the
// ingest service reads as GenericoMSP the events it is party to
// (TestProjectionOrg has the other cases).
func TestServeFabricRegulators(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "") // no traces exported from a test
	dir := t.TempDir()
	ids := filepath.Join(dir, "identities")
	ca := writeFabricIdentity(t, ids, generico)
	data := t.TempDir()
	cfg, err := config.Parse([]string{"--addr", "127.0.0.1:0", "--data", data, "--roles", "ingest,verify",
		"--ledger", "fabric", "--fabric-peer", "127.0.0.1:1", "--fabric-tls-ca", ca, "--fabric-identities", ids,
		"--regulators", stateBoard + ",FdaMSP"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := embedded.LoadConsortium(fixtureConsortium)
	if err != nil {
		t.Fatal(err)
	}
	ccfg := chaincode.DefaultConfig()
	ccfg.Regulators = []string{stateBoard}
	l, err := embedded.Open(filepath.Join(dir, "stand-in"), cons, chaincode.New(ccfg), embedded.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	closed := false // by the platform's closers, once they own it
	t.Cleanup(func() {
		if !closed {
			l.Close()
		}
	})
	registerPartners(t, l, generico, mainStreet, stateBoard)
	manufacturerKey := issue(t, data, generico, auth.Manufacturer, genericoGLN)
	stateBoardKey := issue(t, data, stateBoard, auth.Regulator, "")
	fdaKey := issue(t, data, "FdaMSP", auth.Regulator, "")

	ctx, cancel := context.WithCancel(t.Context())
	logs := &testenv.Buffer{}
	p, err := newPlatform(ctx, cfg, logs)
	if err != nil {
		t.Fatal(err)
	}
	p.ledger = l // what processLedger returns to every service
	p.closers = append(p.closers, l.Close)
	closed = true
	// done is written once Serve runs; a failure before then (mounting,
	// listening) must not wait for it.
	var done chan error
	t.Cleanup(func() {
		cancel()
		if done != nil {
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
		for i := len(p.closers) - 1; i >= 0; i-- {
			if err := p.closers[i](); err != nil {
				t.Errorf("close: %v", err)
			}
		}
	})
	if _, err := mountServices(ctx, p); err != nil {
		t.Fatal(err)
	}
	ln, err := server.Listen(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() { done <- p.srv.Serve(ctx, ln) }()
	s := &served{url: "http://" + ln.Addr().String(), logs: logs}
	var start strings.Builder
	printStart(&start, p, ln.Addr(), ln.Addr(), nil)
	if want := "ledger:   fabric channel dscsa, chaincode dscsa, through 127.0.0.1:1; regulators StateBoardMSP, FdaMSP\n"; !strings.Contains(start.String(), want) {
		t.Errorf("start message lacks %q:\n%s", want, start.String())
	}

	if job := s.capture(t, manufacturerKey, commissioning("S1")); !job.Success {
		t.Fatalf("capture: %+v", job)
	}
	t.Run("the regulators see the node's events", func(t *testing.T) {
		for _, key := range []string{stateBoardKey, fdaKey} {
			// Polled: the projection reads the committed event in the
			// background. The bound only turns a projection that never
			// reads it into a failure instead of a hang.
			for deadline := time.Now().Add(30 * time.Second); ; {
				status, _, b := s.get(t, "/epcis/events?EQ_bizStep=commissioning", "Authorization", "Bearer "+key)
				if status != 200 {
					t.Fatalf("query: %d %s", status, b)
				}
				if bytes.Contains(b, []byte("urn:epc:id:sgtin:0345678.010001.S1")) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("a regulator's query never shows the captured event: %s\nlogs:\n%s", b, logs.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	})
	t.Run("the verify service lets the regulator verify", func(t *testing.T) {
		status, _, b := s.get(t, "/verify/01/00345678100011/21/S1", "Authorization", "Bearer "+stateBoardKey)
		var answer struct {
			Verified bool `json:"verified"`
		}
		if status != 200 || json.Unmarshal(b, &answer) != nil || !answer.Verified {
			t.Fatalf("verify: %d %s", status, b)
		}
	})
	t.Run("a node of one organisation indexes its events as itself", func(t *testing.T) {
		want := "this node holds no regulator's identity: its query index holds the events " + generico + " is party to, read as " + generico
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no line %q; logs:\n%s", want, logs.String())
		}
	})
}

// TestProjectionOrg: the ingest service reads events as the first
// regulator whose identity the node holds; on a node of one organisation
// and no regulator, as that organisation (its own events); on a node of
// several and no regulator, as the first regulator, with a warning that
// the index stays empty until that identity is added.
func TestProjectionOrg(t *testing.T) {
	tests := []struct {
		name, want, warn string
		held             []string
	}{
		{"the first regulator held", "FdaMSP", "", []string{"GenericoMSP", "FdaMSP"}},
		{"the first listed of two held", stateBoard, "", []string{stateBoard, "FdaMSP"}},
		{"one organisation, no regulator", "GenericoMSP", "", []string{"GenericoMSP"}},
		{"several organisations, no regulator", stateBoard, "has no " + stateBoard + "/ folder", []string{"GenericoMSP", "MainStreetMSP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := filepath.Join(t.TempDir(), "identities")
			for _, org := range tt.held {
				writeFabricIdentity(t, ids, org)
			}
			logs := &testenv.Buffer{}
			p := &platform{log: slog.New(slog.NewJSONHandler(logs, nil))}
			p.cfg.Ledger, p.cfg.Fabric.Identities, p.cfg.Regulators = config.LedgerFabric, ids, []string{stateBoard, "FdaMSP"}
			if got := p.projectionOrg(); got != tt.want {
				t.Errorf("reads as %s, want %s", got, tt.want)
			}
			if warned := strings.Contains(logs.String(), `"level":"WARN"`); warned != (tt.warn != "") || !strings.Contains(logs.String(), tt.warn) {
				t.Errorf("logs %s, want a warning containing %q", logs.String(), tt.warn)
			}
		})
	}
}

package fabric

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rxledger/services/platform/problem"
)

// writeIdentity writes a self-signed client certificate and its key as
// dir/<mspID>/cert.pem and key.pem, and returns the PEM of the certificate.
func writeIdentity(t *testing.T, dir, mspID string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "User1@" + mspID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	org := filepath.Join(dir, mspID)
	if err := os.MkdirAll(org, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		IdentityCertFile: certPEM,
		IdentityKeyFile:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	} {
		if err := os.WriteFile(filepath.Join(org, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certPEM
}

func TestGatewayConfig(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(dir, "identities")
	writeIdentity(t, ids, "WholesalerMSP")
	writeIdentity(t, ids, "ManufacturerMSP")
	if err := os.WriteFile(filepath.Join(ids, "README"), []byte("not an organisation"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	g := Gateway{Peer: "127.0.0.1:7051", TLSCA: "/ca.pem", ServerName: "peer0", Channel: "rxledger", Chaincode: "rxledger"}

	t.Run("one organisation per folder, in name order, through the one peer", func(t *testing.T) {
		g := g
		g.Identities = ids
		cfg, err := g.Config()
		if err != nil {
			t.Fatalf("Config: %v", err)
		}
		if cfg.Channel != "rxledger" || cfg.Chaincode != "rxledger" {
			t.Errorf("channel %q chaincode %q", cfg.Channel, cfg.Chaincode)
		}
		want := []Org{
			{MSPID: "ManufacturerMSP", CertFile: filepath.Join(ids, "ManufacturerMSP", "cert.pem"), KeyFile: filepath.Join(ids, "ManufacturerMSP", "key.pem"),
				PeerEndpoint: "127.0.0.1:7051", PeerTLSCA: "/ca.pem", PeerServerName: "peer0"},
			{MSPID: "WholesalerMSP", CertFile: filepath.Join(ids, "WholesalerMSP", "cert.pem"), KeyFile: filepath.Join(ids, "WholesalerMSP", "key.pem"),
				PeerEndpoint: "127.0.0.1:7051", PeerTLSCA: "/ca.pem", PeerServerName: "peer0"},
		}
		if len(cfg.Orgs) != len(want) {
			t.Fatalf("orgs %+v, want %+v", cfg.Orgs, want)
		}
		for i := range want {
			if cfg.Orgs[i] != want[i] {
				t.Errorf("org %d = %+v, want %+v", i, cfg.Orgs[i], want[i])
			}
		}
	})
	for _, tt := range []struct{ name, identities, error string }{
		{"no organisation folder", empty, "has no <MSP ID>/ folder"},
		{"missing directory", filepath.Join(dir, "nope"), "identities:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := g
			g.Identities = tt.identities
			if _, err := g.Config(); err == nil || !strings.Contains(err.Error(), tt.error) {
				t.Errorf("Config error %v, want one containing %q", err, tt.error)
			}
		})
	}
}

// TestNewFromGatewayWithoutNetwork opens a Ledger from identity files while
// no peer listens: New connects lazily, calls as a configured organisation
// are Unavailable and calls as any other are Forbidden.
func TestNewFromGatewayWithoutNetwork(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(dir, "identities")
	caPEM := writeIdentity(t, ids, "PharmacyMSP") // any PEM certificate will do as the TLS CA
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	// A port nobody listens on: bind one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	l, err := NewFromGateway(Gateway{Peer: addr, TLSCA: ca, Channel: "rxledger", Chaincode: "rxledger", Identities: ids})
	if err != nil {
		t.Fatalf("NewFromGateway: %v", err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err = l.Evaluate(ctx, "PharmacyMSP", "Verify", "x")
	wantCode(t, err, problem.Unavailable)
	_, err = l.Evaluate(ctx, "ManufacturerMSP", "Verify", "x")
	wantCode(t, err, problem.Forbidden)
}

// TestGatewayRegulators: the regulators a Gateway names are the Ledger's,
// which has them endorse with the submitter; without any, the chaincode's
// default RegulatorMSP.
func TestGatewayRegulators(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(dir, "identities")
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, writeIdentity(t, ids, "ManufacturerMSP"), 0o600); err != nil { // any certificate will do as the TLS CA
		t.Fatal(err)
	}
	// No peer is dialled: New connects lazily, and no call is made.
	g := Gateway{Peer: "127.0.0.1:7051", TLSCA: ca, Channel: "rxledger", Chaincode: "rxledger", Identities: ids}
	for _, tt := range []struct {
		name       string
		regulators []string
		endorsers  []string // of a capture by ManufacturerMSP, first
	}{
		{"none named: the chaincode's default", nil, []string{"ManufacturerMSP", "RegulatorMSP"}},
		{"the network's own", []string{"StateBoardMSP", "FdaMSP"}, []string{"FdaMSP", "ManufacturerMSP", "StateBoardMSP"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := g
			g.Regulators = tt.regulators
			cfg, err := g.Config()
			if err != nil {
				t.Fatalf("Config: %v", err)
			}
			if !slices.Equal(cfg.Regulators, tt.regulators) {
				t.Errorf("Config().Regulators = %q, want %q", cfg.Regulators, tt.regulators)
			}
			l, err := NewFromGateway(g)
			if err != nil {
				t.Fatalf("NewFromGateway: %v", err)
			}
			defer l.Close()
			if got := l.trustedEndorsers("ManufacturerMSP"); !slices.Equal(got, tt.endorsers) {
				t.Errorf("endorsers of a capture by ManufacturerMSP %q, want %q", got, tt.endorsers)
			}
		})
	}
}

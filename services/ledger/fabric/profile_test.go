package fabric

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProfileConfig(t *testing.T) {
	p, err := LoadProfile(filepath.Join("testdata", "network.env"))
	if err != nil {
		t.Fatalf("LoadProfile: %v", err)
	}
	tests := []struct {
		name  string
		orgs  []string
		want  []Org
		error string
	}{
		{"every organisation by default", nil, []Org{
			{MSPID: "ManufacturerMSP", MSPDir: "/net/crypto/manufacturer/user/msp", PeerEndpoint: "127.0.0.1:27010",
				PeerTLSCA: "/net/crypto/manufacturer/tlsca.pem", PeerServerName: "peer0.manufacturer.rxledger.test"},
			{MSPID: "PharmacyMSP", MSPDir: "/net/crypto/pharmacy/user/msp", PeerEndpoint: "127.0.0.1:27030",
				PeerTLSCA: "/net/crypto/pharmacy/tlsca.pem", PeerServerName: "peer0.pharmacy.rxledger.test"},
		}, ""},
		{"one organisation", []string{"PharmacyMSP"}, []Org{
			{MSPID: "PharmacyMSP", MSPDir: "/net/crypto/pharmacy/user/msp", PeerEndpoint: "127.0.0.1:27030",
				PeerTLSCA: "/net/crypto/pharmacy/tlsca.pem", PeerServerName: "peer0.pharmacy.rxledger.test"},
		}, ""},
		{"an organisation not in the network", []string{"RegulatorMSP"}, nil, "no peer for RegulatorMSP"},
		{"the same organisation twice", []string{"PharmacyMSP", "PharmacyMSP"}, nil, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := p.Config("rxledger", tt.orgs...)
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("Config error %v, want one containing %q", err, tt.error)
				}
				return
			}
			if err != nil {
				t.Fatalf("Config: %v", err)
			}
			if cfg.Channel != "rxledger" || cfg.Chaincode != "rxledger" {
				t.Errorf("channel %q chaincode %q, want rxledger both", cfg.Channel, cfg.Chaincode)
			}
			if len(cfg.Orgs) != len(tt.want) {
				t.Fatalf("orgs %+v, want %+v", cfg.Orgs, tt.want)
			}
			for i := range tt.want {
				if cfg.Orgs[i] != tt.want[i] {
					t.Errorf("org %d = %+v, want %+v", i, cfg.Orgs[i], tt.want[i])
				}
			}
		})
	}
}

func TestLoadProfileRejectsMalformedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "network.env")
	if err := os.WriteFile(path, []byte("RXL_FABRIC_CHANNEL=rxledger\nnot a setting\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadProfile(path); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("LoadProfile error %v, want one naming line 2", err)
	}
}

func TestNewRejectsIncompleteConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		error string
	}{
		{"no channel", Config{Chaincode: "cc", Orgs: []Org{{MSPID: "A", MSPDir: "d", PeerEndpoint: "e", PeerTLSCA: "c"}}}, "channel is empty"},
		{"no chaincode", Config{Channel: "ch", Orgs: []Org{{MSPID: "A", MSPDir: "d", PeerEndpoint: "e", PeerTLSCA: "c"}}}, "chaincode is empty"},
		{"no organisation", Config{Channel: "ch", Chaincode: "cc"}, "no organisation"},
		{"organisation without peer", Config{Channel: "ch", Chaincode: "cc", Orgs: []Org{{MSPID: "A", MSPDir: "d"}}}, "are all required"},
		{"unreadable identity", Config{Channel: "ch", Chaincode: "cc", Orgs: []Org{{MSPID: "A", MSPDir: "/nonexistent", PeerEndpoint: "e", PeerTLSCA: "c"}}}, "certificate of A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.cfg)
			if err == nil {
				l.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.error) {
				t.Errorf("New error %v, want one containing %q", err, tt.error)
			}
		})
	}
}

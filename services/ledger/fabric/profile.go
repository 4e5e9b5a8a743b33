package fabric

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Profile is a connection profile written by deploy/fabric/scripts/up
// (network.env in the network's data directory): KEY=VALUE lines.
type Profile map[string]string

// LoadProfile reads a connection profile file.
func LoadProfile(path string) (Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open connection profile: %w", err)
	}
	defer f.Close()
	p := Profile{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fmt.Errorf("connection profile %s:%d: want KEY=VALUE, got %q", path, line, text)
		}
		p[key] = value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read connection profile: %w", err)
	}
	return p, nil
}

// Orgs returns the MSP IDs of the network's application organisations.
func (p Profile) Orgs() []string { return strings.Fields(p["RXL_FABRIC_ORGS"]) }

// Config returns the configuration of a Ledger on the profile's channel that
// runs chaincode and acts, with each organisation's user identity, for orgs
// (every organisation of the network when none are given).
func (p Profile) Config(chaincode string, orgs ...string) (Config, error) {
	if len(orgs) == 0 {
		orgs = p.Orgs()
	}
	cfg := Config{Channel: p["RXL_FABRIC_CHANNEL"], Chaincode: chaincode}
	for _, msp := range orgs {
		o := Org{
			MSPID:          msp,
			MSPDir:         p["RXL_FABRIC_USER_"+msp+"_MSP"],
			PeerEndpoint:   p["RXL_FABRIC_PEER_"+msp],
			PeerTLSCA:      p["RXL_FABRIC_PEER_"+msp+"_TLSCA"],
			PeerServerName: p["RXL_FABRIC_PEER_"+msp+"_HOST"],
		}
		if o.PeerEndpoint == "" {
			return Config{}, fmt.Errorf("connection profile has no peer for %s (organisations: %v)", msp, p.Orgs())
		}
		cfg.Orgs = append(cfg.Orgs, o)
	}
	return cfg, cfg.validate()
}

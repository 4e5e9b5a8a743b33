package main

import (
	"slices"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name       string
		env        map[string]string
		bad        bool
		tlsOff     bool
		regulators []string
	}{
		{"minimal", map[string]string{"CHAINCODE_ID": "rx:1", "CHAINCODE_SERVER_ADDRESS": ":9999"}, false, true, []string{"RegulatorMSP"}},
		{"tls and regulators", map[string]string{"CHAINCODE_ID": "rx:1", "CHAINCODE_SERVER_ADDRESS": ":9999", "CHAINCODE_TLS_KEY_FILE": "k.pem", "RXLEDGER_REGULATOR_MSPS": "FdaMSP, StateMSP"}, false, false, []string{"FdaMSP", "StateMSP"}},
		{"tls explicitly off", map[string]string{"CHAINCODE_ID": "rx:1", "CHAINCODE_SERVER_ADDRESS": ":9999", "CHAINCODE_TLS_KEY_FILE": "k.pem", "CHAINCODE_TLS_DISABLED": "true"}, false, true, []string{"RegulatorMSP"}},
		{"missing id", map[string]string{"CHAINCODE_SERVER_ADDRESS": ":9999"}, true, false, nil},
		{"bad salt setting", map[string]string{"CHAINCODE_ID": "rx:1", "CHAINCODE_SERVER_ADDRESS": ":9999", "RXLEDGER_REQUIRE_SALT": "yes"}, true, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.env))
			if tc.bad {
				if err == nil {
					t.Fatal("want error")
				}
				return
			}
			if err != nil || c.tlsDisabled != tc.tlsOff || !slices.Equal(c.regulators, tc.regulators) {
				t.Fatalf("%+v %v", c, err)
			}
		})
	}
	for v, want := range map[string]bool{"": true, "false": false, "true": true} {
		c, err := loadConfig(env(map[string]string{"CHAINCODE_ID": "a", "CHAINCODE_SERVER_ADDRESS": "b", "RXLEDGER_REQUIRE_SALT": v}))
		if err != nil || c.requireSalt != want {
			t.Fatalf("RXLEDGER_REQUIRE_SALT=%q: %+v %v", v, c, err)
		}
	}
	c, _ := loadConfig(env(map[string]string{"CHAINCODE_ID": "a", "CHAINCODE_SERVER_ADDRESS": "b", "CHAINCODE_TLS_KEY_FILE": "/nonexistent"}))
	if _, err := c.tls(); err == nil {
		t.Fatal("missing key file accepted")
	}
}

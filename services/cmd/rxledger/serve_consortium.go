package main

import (
	"fmt"
	"slices"

	"rxledger/chaincode"
	"rxledger/services/ledger/embedded"
	"rxledger/services/platform/config"
)

// servedConsortium is the consortium of the embedded ledger as serve runs
// it, read and checked once at start-up, before anything else is opened.
type servedConsortium struct {
	cons *embedded.Consortium
	// file is the consortium file (--consortium); empty for the built-in
	// demo consortium.
	file string
	// regulators are the MSP IDs of the organisations with the regulator
	// role, in the file's order: the chaincode's regulators (they attest
	// trading partners and receive a copy of every event), the
	// organisation the ingest projection reads events as (the first), and
	// those whose regulator API keys see every event and may verify
	// without being trading partners.
	regulators []string
}

// loadConsortium reads the consortium cfg names (the built-in demo
// consortium when none) and checks what serve needs of it: at least one
// regulator.
func loadConsortium(cfg config.Config) (*servedConsortium, error) {
	sc := &servedConsortium{cons: demoConsortium(), file: cfg.Consortium}
	if cfg.Consortium != "" {
		c, err := embedded.LoadConsortium(cfg.Consortium)
		if err != nil {
			return nil, err
		}
		sc.cons = c
	}
	for _, o := range sc.cons.Organizations {
		if slices.Contains(o.Roles, string(chaincode.RoleRegulator)) {
			sc.regulators = append(sc.regulators, o.MSPID)
		}
	}
	if len(sc.regulators) == 0 {
		return nil, fmt.Errorf("%s: no organisation has the regulator role; serve needs one, "+
			"as only a regulator attests trading partners and holds a copy of every event", sc)
	}
	return sc, nil
}

// String names the consortium and where it comes from, for messages.
func (sc *servedConsortium) String() string {
	if sc.file == "" {
		return fmt.Sprintf("consortium %s (built in: deploy/consortium/demo.json)", sc.cons.Name)
	}
	return fmt.Sprintf("consortium %s (%s)", sc.cons.Name, sc.file)
}

// chaincode is the DSCSA chaincode configured with the consortium's
// regulators (for the demo consortium, chaincode.Invoke's configuration).
func (sc *servedConsortium) chaincode() chaincode.Func {
	cfg := chaincode.DefaultConfig()
	cfg.Regulators = sc.regulators
	return chaincode.New(cfg)
}

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"rxledger/chaincode"
	"rxledger/services/ledger/embedded"
)

// consortiumChange is one difference between the consortium serve runs
// with and the one recorded in the genesis block of its ledger, as serve
// logs it.
type consortiumChange struct {
	level slog.Level
	msg   string
}

// compareRecorded compares the consortium serve runs with against the one
// recorded in the genesis block of the ledger in dir, which the ledger was
// created with. A consortium grows, so what a running ledger can take is
// returned as changes to log; what it cannot is refused, with the way
// forward, in the error:
//
//   - its name: the genesis block names the consortium, and another name
//     is another consortium's file, or another consortium's data;
//   - an organisation of the genesis block left out: its transactions stay
//     on the chain, and the ledger refuses to read or submit as a
//     non-member (rxledger ledger verify --consortium fails on them too);
//   - the publicKey the genesis block records for an organisation, changed
//     or dropped: rxledger ledger verify checks signatures against it, so
//     every transaction signed otherwise, or not signed, would fail;
//   - a first regulator the genesis block does not record as one: the
//     ingest service reads events as the first regulator, and one that was
//     not a regulator from the start holds no copy of the events before,
//     which a rebuilt query index would leave out.
//
// Logged: organisations that joined after the genesis block, a regulator
// role gained or lost, a publicKey given to an organisation the genesis
// block records without one, and other fields that differ.
func (sc *servedConsortium) compareRecorded(recorded *embedded.Consortium, dir string) ([]consortiumChange, error) {
	given := sc.cons
	var changes []consortiumChange
	note := func(level slog.Level, format string, args ...any) {
		changes = append(changes, consortiumChange{level, fmt.Sprintf(format, args...)})
	}
	var refused []string
	refuse := func(format string, args ...any) { refused = append(refused, fmt.Sprintf(format, args...)) }
	genesis := "the genesis block of " + dir
	file := "the file"
	if sc.file == "" {
		file = "the built-in demo consortium"
	}

	if recorded.Name != given.Name {
		refuse("the ledger was created for consortium %s, not %s: a consortium's name is recorded in %s "+
			"and does not change. Give --consortium the file of %s (without --consortium serve runs the demo consortium, "+
			"rxledger-demo), or start %s with a new --data directory",
			recorded.Name, given.Name, genesis, recorded.Name, given.Name)
	}

	var gone []string
	for _, r := range recorded.Organizations {
		g, ok := given.Org(r.MSPID)
		if !ok {
			gone = append(gone, fmt.Sprintf("%s (%s)", r.MSPID, r.Name))
			continue
		}
		switch {
		case r.PublicKey != "" && g.PublicKey == "":
			refuse("%s has no publicKey, and %s records %s: rxledger ledger verify checks %s's signatures against that key, "+
				"so its unsigned transactions would fail verification. Put back \"publicKey\": %q, and its key file in --signing-keys",
				r.MSPID, genesis, r.PublicKey, r.MSPID, r.PublicKey)
		case r.PublicKey != "" && g.PublicKey != r.PublicKey:
			refuse("the publicKey of %s is not the one %s records: rxledger ledger verify checks %s's signatures against "+
				"that key, so its transactions signed with another would fail verification, and the embedded ledger cannot "+
				"rotate a key. Put back \"publicKey\": %q, and its key file in --signing-keys",
				r.MSPID, genesis, r.MSPID, r.PublicKey)
		case r.PublicKey == "" && g.PublicKey != "":
			note(slog.LevelWarn, "%s has a publicKey, and %s records none: rxledger ledger verify checks none of its signatures, "+
				"and with --consortium and this file it fails on %s's transactions from before the key, which are not signed",
				r.MSPID, genesis, r.MSPID)
		}
		wasRegulator, isRegulator := isRegulatorOrg(r), isRegulatorOrg(g)
		switch {
		case wasRegulator && !isRegulator:
			note(slog.LevelWarn, "%s has lost the regulator role %s records: the chaincode no longer gives it a copy "+
				"of new events, nor takes its attestations", r.MSPID, genesis)
		case !wasRegulator && isRegulator:
			note(slog.LevelInfo, "%s has the regulator role, which %s does not record: it holds a copy of the events "+
				"from now on, not of those before", r.MSPID, genesis)
		}
		if fields := changedFields(r, g); len(fields) > 0 {
			note(slog.LevelInfo, "%s: %s %s from %s", r.MSPID, strings.Join(fields, ", "),
				plural(len(fields), "differs", "differ"), genesis)
		}
	}
	if len(gone) > 0 {
		refuse("%s lacks %s, %s since %s: their transactions stay on the chain, and the ledger "+
			"would refuse to read or submit as them (rxledger ledger verify --consortium would fail on them). Keep them in "+
			"the file; to stop one trading, a regulator revokes its attestation (PUT /partners/<mspId>/attestation "+
			"without licences) and 'rxledger keys revoke' removes its API keys",
			file, strings.Join(gone, ", "), plural(len(gone), "a member", "members"), genesis)
	}
	for _, g := range given.Organizations {
		if _, ok := recorded.Org(g.MSPID); !ok {
			note(slog.LevelInfo, "%s (%s) joined consortium %s after %s", g.MSPID, g.Name, given.Name, genesis)
		}
	}

	recordedRegulators := regulatorsOf(recorded)
	if first := sc.regulators[0]; len(recordedRegulators) > 0 && !slices.Contains(recordedRegulators, first) {
		refuse("the ingest service reads events as the first regulator, %s, which %s does not record as a regulator: "+
			"it holds no copy of the events from before it became one, and a rebuilt query index would leave them out. "+
			"List first a regulator the genesis block records (%s), and %s after it",
			first, genesis, strings.Join(recordedRegulators, ", "), first)
	}

	if len(refused) == 0 {
		return changes, nil
	}
	errs := make([]error, len(refused))
	for i, r := range refused {
		errs[i] = errors.New("  - " + r)
	}
	return changes, fmt.Errorf("%s does not match consortium %s, recorded in %s, in what must not change:\n%w",
		sc, recorded.Name, genesis, errors.Join(errs...))
}

// regulatorsOf are the MSP IDs of c's organisations with the regulator
// role, in the file's order.
func regulatorsOf(c *embedded.Consortium) []string {
	var out []string
	for _, o := range c.Organizations {
		if isRegulatorOrg(o) {
			out = append(out, o.MSPID)
		}
	}
	return out
}

// isRegulatorOrg reports whether o has the regulator role.
func isRegulatorOrg(o embedded.Organization) bool {
	return slices.Contains(o.Roles, string(chaincode.RoleRegulator))
}

// changedFields names the fields other than the publicKey and the
// regulator role in which two entries of an organisation differ.
func changedFields(was, is embedded.Organization) []string {
	var out []string
	if was.Name != is.Name {
		out = append(out, "name")
	}
	if !slices.Equal(otherRoles(was), otherRoles(is)) {
		out = append(out, "roles")
	}
	if !slices.Equal(was.GS1CompanyPrefixes, is.GS1CompanyPrefixes) {
		out = append(out, "gs1CompanyPrefixes")
	}
	if !slices.Equal(was.Identities, is.Identities) {
		out = append(out, "identities")
	}
	return out
}

// otherRoles are the roles of o but the regulator's, in order.
func otherRoles(o embedded.Organization) []string {
	return slices.DeleteFunc(slices.Clone(o.Roles), func(r string) bool { return r == string(chaincode.RoleRegulator) })
}

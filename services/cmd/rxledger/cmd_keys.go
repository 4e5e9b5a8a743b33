package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"rxledger/services/ledger/embedded"
	"rxledger/services/ledger/fabric"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/config"
)

// runKeys is `rxledger keys issue|list|revoke`: API key administration on a
// data directory. It is safe while `rxledger serve` runs on the same
// directory: the server sees issued and revoked keys within a second.
func runKeys(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, keysUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "issue":
		return keysIssue(args[1:], stdout, stderr)
	case "list":
		return keysList(args[1:], stdout, stderr)
	case "revoke":
		return keysRevoke(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "rxledger keys: unknown subcommand %q\n\n%s", args[0], keysUsage)
	return 2
}

const keysUsage = `usage:
  rxledger keys issue  [--data DIR] [--consortium FILE | --ledger fabric --fabric-identities DIR [--regulators MSP,...]]
                       --org MSPID --role ROLE [--gln GLN] [--label TEXT]
  rxledger keys list   [--data DIR] [--json]
  rxledger keys revoke [--data DIR] KEY_ID

issue prints the new API key on stdout; it is shown only once.
roles: manufacturer, repackager, wholesaler, 3pl, dispenser, regulator

issue checks --org and --role against what serve runs with, given the same
settings (flags, or the RXLEDGER_* variables serve reads):
  - the embedded ledger with --consortium FILE: --org must be a member;
  - --ledger fabric: --org must be an organisation whose identity
    --fabric-identities holds (serve acts for no other), and the regulators
    are those of --regulators (default RegulatorMSP).
A regulator key is for a regulator organisation, and a regulator
organisation's keys have the regulator role: it acts only as regulator
(serve refuses its keys of another role too).
Without --consortium on the embedded ledger nothing is checked: serve's
consortium is then the built-in demo one, or a file this command is not told.
`

// keysFlags starts a flag set with --data (env RXLEDGER_DATA).
func keysFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("rxledger keys "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := os.Getenv(config.EnvName("data"))
	if def == "" {
		def = config.DefaultDataDir
	}
	data := fs.String("data", def, "data `directory` (env RXLEDGER_DATA)")
	return fs, data
}

func openKeys(data string, stderr io.Writer) (*auth.Store, bool) {
	s, err := auth.OpenStore(filepath.Join(data, auth.KeysFile))
	if err != nil {
		fmt.Fprintf(stderr, "rxledger keys: %v\n", err)
		return nil, false
	}
	return s, true
}

func keysIssue(args []string, stdout, stderr io.Writer) int {
	fs, data := keysFlags("issue", stderr)
	var g auth.Grant
	var role string
	env := func(name string) string { return strings.TrimSpace(os.Getenv(config.EnvName(name))) }
	fs.StringVar(&g.Org, "org", "", "organisation `MSP ID`, e.g. PharmacyMSP")
	fs.StringVar(&role, "role", "", "role: "+rolesList())
	fs.StringVar(&g.GLN, "gln", "", "the organisation's 13-digit `GLN`")
	fs.StringVar(&g.Label, "label", "", "who holds the key, for logs")
	consortium := fs.String("consortium", env("consortium"),
		"consortium `file` of the embedded ledger: an --org it does not list is refused, and --role regulator for one it gives no regulator role (env RXLEDGER_CONSORTIUM)")
	ledgerKind := fs.String("ledger", env("ledger"), "the ledger serve runs on: embedded (default) or fabric (env RXLEDGER_LEDGER)")
	identities := fs.String("fabric-identities", env("fabric-identities"),
		"with --ledger fabric, serve's identities `directory`: an --org without a folder there is refused (env RXLEDGER_FABRIC_IDENTITIES)")
	regulators := fs.String("regulators", env("regulators"),
		"with --ledger fabric, the network's regulators, comma-separated `MSP IDs` as serve takes them; default "+
			strings.Join(config.DefaultRegulators, ",")+" (env RXLEDGER_REGULATORS)")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 || g.Org == "" || role == "" {
		fmt.Fprintf(stderr, "rxledger keys issue: --org and --role are required, and nothing else\n")
		return 2
	}
	g.Role = auth.Role(role)
	var regs []string
	var err error
	switch *ledgerKind {
	case config.LedgerFabric:
		regs, err = checkFabricMember(*consortium, *identities, *regulators, g.Org, g.Role)
	case "", config.LedgerEmbedded:
		switch {
		case *regulators != "":
			err = errors.New("--regulators is for --ledger fabric: on the embedded ledger the consortium file names the regulators")
		case *consortium != "":
			regs, err = checkMember(*consortium, g.Org, g.Role)
		default:
			fmt.Fprintf(stderr, "rxledger keys issue: %s is not checked: without --consortium this command cannot tell serve's consortium "+
				"(the built-in demo one, or a file serve is given)\n", g.Org)
		}
	default:
		err = fmt.Errorf("--ledger %q: want %s or %s", *ledgerKind, config.LedgerEmbedded, config.LedgerFabric)
	}
	if err != nil {
		fmt.Fprintf(stderr, "rxledger keys issue: %v\n", err)
		return 1
	}
	s, ok := openKeys(*data, stderr)
	if !ok {
		return 1
	}
	if regs != nil {
		s.SetRegulators(regs) // the store refuses a regulator's key of another role
	}
	key, p, err := s.Issue(g)
	if err != nil {
		fmt.Fprintf(stderr, "rxledger keys issue: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, key)
	fmt.Fprintf(stderr, "issued key %s for %s (%s); it is shown only once\n", p.KeyID, p.Org, p.Role)
	return 0
}

// checkFabricMember refuses, on Fabric, an organisation whose identity
// serve's --fabric-identities does not hold (serve acts for no other: the
// ledger would refuse every request made with the key), and the regulator
// role for one --regulators does not list; it returns the regulators.
// The channel's other members are not known offline: their MSPs are in
// the channel's configuration block, which takes the network to read.
func checkFabricMember(consortium, identities, regulators, org string, role auth.Role) ([]string, error) {
	if consortium != "" {
		return nil, errors.New("--consortium is for the embedded ledger only: a Fabric network's organisations are the MSPs of its channel")
	}
	if identities == "" {
		return nil, errors.New("--fabric-identities is required with --ledger fabric: serve acts only for the organisations whose identity it holds there, " +
			"so a key of any other would be refused at every request")
	}
	orgs, err := fabric.IdentityOrgs(identities)
	if err != nil {
		return nil, err
	}
	regs := slices.Clone(config.DefaultRegulators)
	if regulators != "" {
		if regs, err = config.ParseRegulators(regulators); err != nil {
			return nil, fmt.Errorf("--regulators: %w", err)
		}
	}
	if !slices.Contains(orgs, org) {
		return nil, fmt.Errorf("%s has no identity in --fabric-identities %s, which holds %s: serve acts only for those, and would refuse every request made with its key",
			org, identities, strings.Join(orgs, ", "))
	}
	if role == auth.Regulator && !slices.Contains(regs, org) {
		return nil, fmt.Errorf("%s is not one of the network's regulators (--regulators %s): a regulator key is for its regulators",
			org, strings.Join(regs, ","))
	}
	return regs, nil
}

// checkMember refuses an organisation the consortium file does not list:
// the embedded ledger would refuse every request made with its key; and
// the regulator role for an organisation the file does not give it: the
// services would treat the key as a trading partner's (ingest, records'
// reads) or refuse it (partners, records' investigation moves). It returns
// the file's regulators.
func checkMember(file, org string, role auth.Role) ([]string, error) {
	cons, err := embedded.LoadConsortium(file)
	if err != nil {
		return nil, err
	}
	if o, ok := cons.Org(org); ok {
		if role == auth.Regulator && !isRegulatorOrg(o) {
			return nil, fmt.Errorf("%s has no regulator role in consortium %s (%s): a regulator key is for its regulators, %s",
				org, cons.Name, file, strings.Join(regulatorsOf(cons), ", "))
		}
		return regulatorsOf(cons), nil
	}
	members := make([]string, len(cons.Organizations))
	for i, o := range cons.Organizations {
		members[i] = o.MSPID
	}
	return nil, fmt.Errorf("%s is not a member of consortium %s (%s), whose members are %s; the ledger would refuse every request made with its key",
		org, cons.Name, file, strings.Join(members, ", "))
}

func keysList(args []string, stdout, stderr io.Writer) int {
	fs, data := keysFlags("list", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	s, ok := openKeys(*data, stderr)
	if !ok {
		return 1
	}
	keys := s.List()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(keys); err != nil {
			fmt.Fprintf(stderr, "rxledger keys list: %v\n", err)
			return 1
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY ID\tORG\tROLE\tGLN\tLABEL")
	for _, p := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.KeyID, p.Org, p.Role, p.GLN, p.Label)
	}
	if err := tw.Flush(); err != nil {
		return 1
	}
	return 0
}

func keysRevoke(args []string, stdout, stderr io.Writer) int {
	fs, data := keysFlags("revoke", stderr)
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "rxledger keys revoke: want one KEY_ID\n")
		return 2
	}
	s, ok := openKeys(*data, stderr)
	if !ok {
		return 1
	}
	if err := s.Revoke(fs.Arg(0)); err != nil {
		fmt.Fprintf(stderr, "rxledger keys revoke: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
	return 0
}

func flagExit(err error) int {
	if err == flag.ErrHelp {
		return 0
	}
	return 2
}

func rolesList() string {
	var s []string
	for _, r := range auth.Roles() {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

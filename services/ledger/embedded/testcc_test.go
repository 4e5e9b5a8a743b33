package embedded

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"rxledger/chaincode"
)

// testConsortium is the four demo organisations.
func testConsortium() *Consortium {
	return &Consortium{Name: "test", Organizations: []Organization{
		{MSPID: "ManufacturerMSP", Name: "Manufacturer", Roles: []string{"manufacturer"}, GS1CompanyPrefixes: []string{"0312345"}},
		{MSPID: "WholesalerMSP", Name: "Wholesaler", Roles: []string{"wholesaler"}},
		{MSPID: "PharmacyMSP", Name: "Pharmacy", Roles: []string{"dispenser"}},
		{MSPID: "RegulatorMSP", Name: "Regulator", Roles: []string{"regulator"}},
	}}
}

// kvChaincode is a small key/value chaincode exercising every State method.
// gate, when set, is called by "wait*" functions after their reads, so a test
// can hold a transaction between execution and ordering.
type kvChaincode struct {
	gate func(name string)
}

func (c *kvChaincode) invoke(st chaincode.State, fn string, args []string) ([]byte, error) {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch fn {
	case "put": // key value
		return nil, st.PutState(arg(0), []byte(arg(1)))
	case "putEvent": // key value: put and emit an event named "kv" carrying key=value
		if err := st.PutState(arg(0), []byte(arg(1))); err != nil {
			return nil, err
		}
		return nil, st.SetEvent("kv", []byte(arg(0)+"="+arg(1)))
	case "putMany": // prefix n: writes prefix00000..prefix(n-1), reading each first
		n, err := strconv.Atoi(arg(1))
		if err != nil {
			return nil, err
		}
		for i := 0; i < n; i++ {
			k := fmt.Sprintf("%s%07d", arg(0), i)
			if _, err := st.GetState(k); err != nil {
				return nil, err
			}
			if err := st.PutState(k, []byte("v"+k)); err != nil {
				return nil, err
			}
		}
		return nil, nil
	case "get":
		return st.GetState(arg(0))
	case "del":
		return nil, st.DelState(arg(0))
	case "incr", "waitIncr": // read-then-write a counter
		v, err := st.GetState(arg(0))
		if err != nil {
			return nil, err
		}
		n, _ := strconv.Atoi(string(v))
		if fn == "waitIncr" && c.gate != nil {
			c.gate(arg(1))
		}
		out := []byte(strconv.Itoa(n + 1))
		if err := st.SetEvent("incr", out); err != nil {
			return nil, err
		}
		return out, st.PutState(arg(0), out)
	case "count", "waitCount": // count keys in [start, end) and store the count under key
		n := 0
		err := st.Range(arg(0), arg(1), func(string, []byte) (bool, error) { n++; return true, nil })
		if err != nil {
			return nil, err
		}
		if fn == "waitCount" && c.gate != nil {
			c.gate(arg(3))
		}
		return nil, st.PutState(arg(2), []byte(strconv.Itoa(n)))
	case "keys": // start end limit: the keys of a range, stopping after limit
		limit, _ := strconv.Atoi(arg(2))
		var keys []string
		err := st.Range(arg(0), arg(1), func(k string, _ []byte) (bool, error) {
			keys = append(keys, k)
			return limit == 0 || len(keys) < limit, nil
		})
		if err != nil {
			return nil, err
		}
		return json.Marshal(keys)
	case "history":
		var out []chaincode.HistoryEntry
		err := st.History(arg(0), func(e chaincode.HistoryEntry) (bool, error) {
			out = append(out, e)
			return true, nil
		})
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	case "putPrivate": // collection key: value from transient "v"; event "priv"
		tm, err := st.Transient()
		if err != nil {
			return nil, err
		}
		if err := st.PutPrivateData(arg(0), arg(1), tm["v"]); err != nil {
			return nil, err
		}
		if err := st.PutState("anchor~"+arg(1), []byte(st.TxID())); err != nil {
			return nil, err
		}
		return nil, st.SetEvent("priv", []byte(arg(1)))
	case "getPrivate":
		return st.GetPrivateData(arg(0), arg(1))
	case "privateHash":
		return st.GetPrivateDataHash(arg(0), arg(1))
	case "whoami":
		return []byte(st.Creator() + " " + st.TxID()), nil
	case "fail":
		return nil, errors.New(arg(0))
	case "refuse": // args: a RuleError as JSON, and optionally the context to wrap it in
		var re chaincode.RuleError
		if err := json.Unmarshal([]byte(arg(0)), &re); err != nil {
			return nil, err
		}
		if len(args) > 1 {
			return nil, fmt.Errorf("%s: %w", arg(1), &re)
		}
		return nil, &re
	case "panic":
		panic("test panic")
	}
	return nil, fmt.Errorf("unknown function %q", fn)
}

// quietOptions are options with logging discarded.
func quietOptions() Options {
	return Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// openTest opens a ledger in a fresh directory, closed at the end of the test.
func openTest(t *testing.T, cc *kvChaincode, opts Options) (*Ledger, string) {
	t.Helper()
	dir := t.TempDir()
	return openAt(t, dir, cc, opts), dir
}

func openAt(t *testing.T, dir string, cc *kvChaincode, opts Options) *Ledger {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietOptions().Logger
	}
	if cc == nil {
		cc = &kvChaincode{}
	}
	l, err := Open(dir, testConsortium(), cc.invoke, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
